// The no-plaintext-secrets judgement, class by class: names that hold a credential, names only about
// one, values that cannot be a credential, and credential shapes under any name (lib/secrets.ts).

import { describe, expect, it } from "vitest";
import { literalCredential, secretNameKind, shownCommand } from "../../policies/lib/secrets";

const flagged = (name: string, value: string) => literalCredential(name, value) !== undefined;

describe("names", () => {
  it.each([
    ["DB_PASSWORD", "holds"],
    ["APP_SECRET", "holds"],
    ["GITHUB_TOKEN", "holds"],
    ["STRIPE_API_KEY", "holds"],
    ["SECRET_KEY_BASE", "holds"],
    ["VAULT_ENC_KEY", "holds"],
    ["APP_KEY", "holds"],
    ["MYSQL_PWD", "holds"],
    ["adminPassword", "holds"],
    ["SECRET_ROTATION_DAYS", "about"],
    ["CSRF_TOKEN_TTL", "about"],
    ["PASSWORD_MIN_LENGTH", "about"],
    ["JWT_PASSPHRASE_FILE", "about"],
    ["passwordKey", "about"],
    ["ALLOW_EMPTY_PASSWORD", "about"],
    ["MYSQL_RANDOM_ROOT_PASSWORD", "about"],
    ["OPENAI_MAX_TOKENS", "about"],
    ["existingSecret", "about"],
    ["OAUTH_CLIENT_SECRET_NAME", "none"],
    ["AWS_ACCESS_KEY_ID", "none"],
    ["OAUTH_TOKEN_URL", "none"],
    ["PWD", "none"],
    ["LOG_LEVEL", "none"],
    ["TOKENIZER", "none"],
  ])("%s %s a credential", (name, kind) => {
    expect(secretNameKind(name)).toBe(kind);
  });
});

describe("values that cannot be a credential are not flagged, even under credential names", () => {
  it.each([
    ["SECRET_ROTATION_DAYS", "30"],
    ["TOKEN_TTL", "3600"],
    ["SESSION_SECRET_TIMEOUT", "5m"],
    ["JWT_TOKEN_EXPIRY", "1h"],
    ["API_KEY_CACHE_SIZE", "512Mi"],
    ["API_KEY_ENABLED", "true"],
    ["DB_PASSWORD", "yes"],
    ["REDIS_PASSWORD", "0"],
    ["SECRET_BACKEND", "vault"],
    ["TOKEN_TYPE", "bearer"],
    ["PASSWORD_HASHER", "argon2id"],
    ["SECRETS_PROVIDER", "azure-key-vault"],
    ["AUTH_TOKEN_ENDPOINT", "https://login.example.com/oauth2/token"],
    ["VAULT_TOKEN", "https://vault.example.com/v1/auth"],
    ["DB_PASSWORD_FILE", "/run/secrets/db-password"],
    ["SMTP_PASSWORD", "/secrets/smtp-password"],
    ["DB_PASSWORD", "$(POSTGRES_PASSWORD)"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style reference, on purpose
    ["API_TOKEN", "${API_TOKEN}"],
    ["APP_SECRET", "%env(file:APP_SECRET_FILE)%"],
    ["DB_PASSWORD", ""],
    ["MYSQL_PASSWORD", "<password>"],
    ["ADMIN_PASSWORD", "None"],
    ["PASSWORD_RESET_FROM", "noreply@example.com"],
    ["passwordKey", "password"],
    ["AWS_ACCESS_KEY_ID", "625729a08b95bf1b7ff351a663f3a23c"],
  ])("%s=%s", (name, value) => {
    expect(flagged(name, value)).toBe(false);
  });
});

describe("credentials are flagged", () => {
  it.each([
    ["POSTGRES_PASSWORD", "example"],
    ["MYSQL_ROOT_PASSWORD", "123"],
    ["ME_CONFIG_BASICAUTH_PASSWORD", "fairly long password"],
    ["SECRET_KEY_BASE", "replace-me"],
    ["JWT_SECRET", "your-super-secret-jwt-token-with-at-least-32-characters-long"],
    ["PASSWORD_TOKEN_KEY", "lkdIS832jeKS@Kd$%jfls*@kshevhskeiea"],
    ["SECRET_ROTATION_KEY_FILE", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg=="],
    ["DATABASE_URL", "postgresql://app:S3cr3t-pa55@db:5432/app"],
    ["REDIS_URL", "redis://:hunter2@redis:6379/0"],
    ["CONNECTION", "Server=db;Database=app;User Id=app;Password=Tr0ub4dor;"],
    ["PG_DSN", "host=db user=app password=Tr0ub4dor dbname=app"],
    ["CALLBACK", "https://api.example.com/hook?token=4f1c9a7e2b8d6f3a"],
    ["GIT_REMOTE", "https://x:ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789ab@github.com/a/b.git"],
    ["RUNNER", "glpat-abcdefghijklmnopqrstu"],
    ["SLACK", "xoxb-1234567890-abcdefghij"],
    ["AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"],
    ["PAYMENTS", "sk_live_abcdefghijklmnopqrstuvwx"],
    ["LLM", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"],
    ["ANON_KEY", "eyJhbGciOiJIUzI1NiJ9.eyAgCiAgInJvbGUiOiAiYW5vbiIK.dc_X5iR_VP_qT0zsiyj_I_OZ2T9FtRU2"],
    ["TRAEFIK_USERS", "admin:$2y$05$Jq8QnDGYhN2xB3aRkRRlVOQX8ZTRYmr8qTPr0PbO4cAtVjk6IhhA6"],
  ])("%s", (name, value) => {
    expect(flagged(name, value)).toBe(true);
  });
});

describe("command lines in messages", () => {
  it.each([
    ["redis-cli -a Zq8xSecretPw77 ping", "redis-cli -a <redacted> ping"],
    ["mysqladmin ping -uroot -pW7qLx9Zt2Rv", "mysqladmin ping -u<redacted> -p<redacted>"],
    ["mysql -u app -p", "mysql -u <redacted> -p"],
    ["app --password=hunter2hunter2 --retries=3", "app --password=<redacted> --retries=3"],
    ["TOKEN=abc123secret ./check", "TOKEN=<redacted> ./check"],
    ["curl -f http://localhost:8080/health", "curl -f http://localhost:8080/health"],
    ["curl -sf https://admin:Pa55word@api.example.com/", "curl -sf <redacted>"],
    ["psql -Ustaff -d app", "psql -U<redacted> -d <redacted>"],
    ["check --timeout 5 --url http://127.0.0.1/ready", "check --timeout 5 --url http://127.0.0.1/ready"],
    ["php bin/console app:health", "php bin/console app:health"],
  ])("%s -> %s", (script, shown) => {
    expect(shownCommand(script)).toBe(shown);
  });
});
