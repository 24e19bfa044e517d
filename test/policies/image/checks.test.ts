// Each image check both ways, on images built as OCI layouts: a clean FrankenPHP-like image passes
// every check, and each failure fixture makes exactly its check report, naming layer and file.

import { describe, expect, it } from "vitest";
import { auditImage } from "../../../policies/image/audit";
import { imageChecks } from "../../../policies/image/checks";
import { platformContract } from "../../../policies/image/contract";
import { openImage } from "../../../policies/image/source";
import type { ImageFinding, ServiceContext } from "../../../policies/image/types";
import { nonEmpty } from "../../helpers/non-empty";
import { type ImageSpec, type LayerSpec, ociLayout } from "./oci-builder";

const CADDYFILE =
  "{\n\t{$CADDY_GLOBAL_OPTIONS}\n\tfrankenphp\n}\n\n{$SERVER_NAME:localhost} {\n\troot /app/public\n\tphp_server\n}\n";
const APP = { mode: 0o644, uid: 0 };

/** A production image that honours every rule. */
function cleanImage(extra: LayerSpec[] = [], config: ImageSpec["config"] = {}): ImageSpec {
  return {
    config: {
      User: "10001:10001",
      Env: ["APP_ENV=prod", "APP_DEBUG=0", "PHP_INI_SCAN_DIR=:/usr/local/etc/php/app.conf.d"],
      Entrypoint: ["docker-php-entrypoint"],
      Cmd: ["frankenphp", "run", "--config", "/etc/caddy/Caddyfile"],
      WorkingDir: "/app",
      ExposedPorts: { "80/tcp": {}, "443/tcp": {}, "2019/tcp": {} },
      Volumes: { "/data": {}, "/config": {} },
      ...config,
    },
    layers: [
      {
        createdBy: "COPY --from=frankenphp /etc/caddy /etc/caddy",
        files: {
          "/etc/caddy/Caddyfile": CADDYFILE,
          "/usr/local/etc/php/conf.d/docker-php-ext-opcache.ini": "zend_extension=opcache\n",
          "/usr/local/etc/php/conf.d/xdebug.ini.disabled": "; zend_extension=xdebug\n",
        },
      },
      {
        createdBy: "COPY . /app # buildkit",
        files: {
          "/app/public/index.php": {
            content: "<?php require __DIR__.'/../vendor/autoload_runtime.php';",
            ...APP,
          },
          "/app/.env": {
            content:
              '# defaults, no secrets\nAPP_ENV=prod\nAPP_SECRET=\nDATABASE_URL="postgresql://app:!ChangeMe!@127.0.0.1:5432/app?serverVersion=16"\nMESSENGER_TRANSPORT_DSN=doctrine://default\n',
            ...APP,
          },
          "/app/.env.dist": { content: "API_TOKEN=put-your-token-here-0123456789abcdef\n", ...APP },
          "/app/config/packages/monolog.yaml": {
            content:
              "when@dev:\n  monolog:\n    handlers:\n      main: { type: stream, path: '%kernel.logs_dir%/%kernel.environment%.log' }\nwhen@prod:\n  monolog:\n    handlers:\n      main: { type: stream, path: php://stderr, formatter: monolog.formatter.json }\n",
            ...APP,
          },
          "/app/config/packages/cache.yaml": {
            content:
              "framework:\n  cache:\n    app: cache.adapter.redis\n    default_redis_provider: '%env(IN_MEM_STORE__URI)%'\n",
            ...APP,
          },
          "/app/vendor/lcobucci/jwt/tests/_keys/private.key": {
            content: "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
            ...APP,
          },
          "/app/vendor/symfony/http-kernel/Kernel.php": { content: "<?php", ...APP },
        },
      },
      ...extra,
    ],
  };
}

async function findings(spec: ImageSpec, service?: ServiceContext): Promise<ImageFinding[]> {
  const image = await openImage(await ociLayout(spec));
  try {
    return (await auditImage({ image, contract: platformContract(), service })).findings;
  } finally {
    await image.close();
  }
}

const REPLICATED: ServiceContext = { name: "content", replicated: true };

interface Case {
  name: string;
  check: string;
  spec: () => ImageSpec;
  service?: ServiceContext;
  message: RegExp;
}

const failures: Case[] = [
  {
    name: "an API key in the config's Env",
    check: "image-env-credentials",
    spec: () => ({
      ...cleanImage(),
      config: {
        ...cleanImage().config,
        Env: ["APP_ENV=prod", "STRIPE_API_KEY=sk_live_0123456789abcdefghijklmn"],
      },
      emptyHistory: ["ENV STRIPE_API_KEY=sk_live_0123456789abcdefghijklmn"],
    }),
    message:
      /Env sets STRIPE_API_KEY to a Stripe live key \(<redacted, 32 chars>\), from the instruction "ENV STRIPE_API_KEY=\.\.\."/,
  },
  {
    name: "a password in the config's Env",
    check: "image-env-credentials",
    spec: () => cleanImage([], { Env: ["APP_ENV=prod", "DB_PASSWORD=hunter2-but-longer"] }),
    message: /DB_PASSWORD to a literal credential/,
  },
  {
    name: ".env.local.php compiled by composer dump-env",
    check: "image-dotenv-credentials",
    spec: () =>
      cleanImage([
        {
          createdBy: "RUN composer dump-env prod",
          files: {
            "/app/.env.local.php":
              "<?php\n\nreturn array (\n  'APP_ENV' => 'prod',\n  'APP_SECRET' => '5f3c0a9b8e7d6c5b4a3928176f5e4d3c',\n  'MAILER_DSN' => 'smtp://mailer:s3cr3tpass@smtp.example.com:587',\n  'APP_DEBUG' => '0',\n);\n",
          },
        },
      ]),
    message:
      /\/app\/\.env\.local\.php in layer 2 \(RUN composer dump-env prod\) holds 2 credential values: APP_SECRET \(line 5, <redacted, 32 chars>\), MAILER_DSN/,
  },
  {
    name: "a .env.local removed by a later layer, still shipped",
    check: "image-dotenv-credentials",
    spec: () =>
      cleanImage([
        {
          createdBy: "COPY .env.local /app/",
          files: { "/app/.env.local": "JWT_PASSPHRASE=correct-horse-battery-staple\n" },
        },
        { createdBy: "RUN rm /app/.env.local", deletes: ["/app/.env.local"] },
      ]),
    message:
      /\/app\/\.env\.local in layer 2 \(COPY \.env\.local \/app\/, removed by layer 3: still shipped, every pull gets it\) holds 1 credential value: JWT_PASSPHRASE \(line 1/,
  },
  {
    name: "the JWT private key of LexikJWTAuthenticationBundle",
    check: "image-private-keys",
    spec: () =>
      cleanImage([
        {
          createdBy: "COPY config/jwt /app/config/jwt",
          files: {
            "/app/config/jwt/private.pem":
              "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBO\n-----END ENCRYPTED PRIVATE KEY-----\n",
          },
        },
      ]),
    message:
      /\/app\/config\/jwt\/private\.pem in layer 2 \(COPY config\/jwt \/app\/config\/jwt\) is a private key/,
  },
  {
    name: "Composer's auth.json with a GitHub token",
    check: "image-private-keys",
    spec: () =>
      cleanImage([
        {
          createdBy: "COPY auth.json /root/.composer/",
          files: {
            "/root/.composer/auth.json":
              '{"github-oauth": {"github.com": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}}',
          },
        },
      ]),
    message: /\/root\/\.composer\/auth\.json .* is Composer auth\.json with credentials/,
  },
  {
    name: "AWS credentials",
    check: "image-private-keys",
    spec: () =>
      cleanImage([
        {
          files: {
            "/root/.aws/credentials":
              "[default]\naws_access_key_id = AKIAABCDEFGHIJKLMNOP\naws_secret_access_key = abcdefghij0123456789abcdefghij0123456789\n",
          },
        },
      ]),
    message: /\/root\/\.aws\/credentials .* is AWS credentials/,
  },
  {
    name: "no USER",
    check: "image-non-root-user",
    spec: () => cleanImage([], { User: "" }),
    message: /sets no USER/,
  },
  {
    name: "USER root",
    check: "image-non-root-user",
    spec: () => cleanImage([], { User: "0:0" }),
    message: /runs as USER 0:0/,
  },
  {
    name: "migrations in the command",
    check: "image-start-commands",
    spec: () =>
      cleanImage([], { Cmd: ["sh", "-c", "bin/console doctrine:migrations:migrate -n && frankenphp run"] }),
    message: /entrypoint\/command runs Doctrine migrations at start/,
  },
  {
    name: "migrations in the entrypoint script",
    check: "image-start-commands",
    spec: () =>
      cleanImage(
        [
          {
            createdBy: "COPY docker-entrypoint.sh /usr/local/bin/",
            files: {
              "/usr/local/bin/docker-entrypoint.sh": {
                content:
                  '#!/bin/sh\nset -e\n# wait for the db\nphp bin/console doctrine:migrations:migrate --no-interaction\nexec "$@"\n',
                mode: 0o755,
              },
            },
          },
        ],
        {
          Entrypoint: ["/usr/local/bin/docker-entrypoint.sh"],
        },
      ),
    message: /start script \/usr\/local\/bin\/docker-entrypoint\.sh in layer 2 .* runs Doctrine migrations/,
  },
  {
    name: "Laravel's artisan migrate and cache:clear",
    check: "image-start-commands",
    spec: () =>
      cleanImage([], {
        Cmd: ["sh", "-c", "php artisan migrate --force && php artisan cache:clear && php-fpm"],
      }),
    message: /runs Laravel migrations/,
  },
  {
    name: "APP_ENV=dev",
    check: "image-dev-mode",
    spec: () => cleanImage([], { Env: ["APP_ENV=dev"] }),
    message: /sets APP_ENV=dev/,
  },
  {
    name: "Xdebug enabled",
    check: "image-dev-mode",
    spec: () =>
      cleanImage([
        {
          createdBy: "RUN install-php-extensions xdebug",
          files: { "/usr/local/etc/php/conf.d/docker-php-ext-xdebug.ini": "zend_extension=xdebug\n" },
        },
      ]),
    message: /docker-php-ext-xdebug\.ini in layer 2 \(RUN install-php-extensions xdebug\) enables Xdebug/,
  },
  {
    name: "PHPUnit installed",
    check: "image-dev-mode",
    spec: () =>
      cleanImage([
        {
          createdBy: "RUN composer install",
          files: { "/app/vendor/phpunit/phpunit/src/Framework/TestCase.php": { content: "<?php", ...APP } },
        },
      ]),
    message: /PHPUnit is installed \(\/app\/vendor\/phpunit\/phpunit/,
  },
  {
    name: "a replicated service logging to a file and caching on the filesystem",
    check: "image-replicated-file-state",
    service: REPLICATED,
    spec: () =>
      cleanImage([
        {
          files: {
            "/app/config/packages/prod/monolog.yaml": {
              content:
                "monolog:\n  handlers:\n    main:\n      type: rotating_file\n      path: '%kernel.logs_dir%/prod.log'\n",
              ...APP,
            },
          },
        },
      ]),
    message:
      /monolog\.yaml .*Monolog handler main writes to a file \(service content runs more than one pod\)/,
  },
  {
    name: "a replicated service with the filesystem cache adapter",
    check: "image-replicated-file-state",
    service: REPLICATED,
    spec: () =>
      cleanImage([
        {
          files: {
            "/app/config/packages/cache.yaml": {
              content: "framework:\n  cache:\n    app: cache.adapter.filesystem\n",
              ...APP,
            },
          },
        },
      ]),
    message: /framework\.cache\.app is cache\.adapter\.filesystem/,
  },
  {
    name: "a Caddyfile with the admin endpoint off",
    check: "image-runtime-contract",
    spec: () =>
      cleanImage([{ files: { "/etc/caddy/Caddyfile": "{\n\tadmin off\n}\n:80 {\n\tphp_server\n}\n" } }]),
    message: /turns Caddy's admin endpoint off/,
  },
  {
    name: "a VOLUME outside the pod's emptyDirs",
    check: "image-runtime-contract",
    spec: () => cleanImage([], { Volumes: { "/app/var/log": {} } }),
    message: /declares VOLUME \/app\/var\/log, but the pod's root filesystem is read-only/,
  },
  {
    name: "app files the platform's UID cannot read",
    check: "image-runtime-contract",
    spec: () =>
      cleanImage([
        {
          files: {
            "/app/config/secrets/prod.decrypt.private.php": {
              content: "<?php return '';",
              mode: 0o600,
              uid: 0,
            },
          },
        },
      ]),
    message: /1 file under \/app cannot be read by UID 10001/,
  },
];

describe("the image audit's checks", () => {
  it("covers every check with a failure fixture", () => {
    const covered = new Set(failures.map((c) => c.check));
    expect(imageChecks.length).toBeGreaterThan(0);
    for (const check of nonEmpty(imageChecks)) expect(covered, check.id).toContain(check.id);
  });

  it("passes a clean production image, also for a replicated service", async () => {
    expect(await findings(cleanImage())).toEqual([]);
    expect(await findings(cleanImage(), REPLICATED)).toEqual([]);
  });

  it.each(failures)("reports $name ($check)", async (c) => {
    const found = await findings(c.spec(), c.service);
    expect(found.length, JSON.stringify(found, null, 1)).toBeGreaterThan(0);
    expect(found.map((f) => f.check)).toEqual(found.map(() => c.check));
    expect(found.map((f) => f.message).join("\n")).toMatch(c.message);
  });

  it("never prints a credential value it found", async () => {
    const secrets = [
      "sk_live_0123456789abcdefghijklmn",
      "5f3c0a9b8e7d6c5b4a3928176f5e4d3c",
      "s3cr3tpass",
      "correct-horse-battery-staple",
    ];
    const all: ImageFinding[] = [];
    for (const c of failures) all.push(...(await findings(c.spec(), c.service)));
    const text = JSON.stringify(all);
    for (const s of nonEmpty(secrets)) expect(text).not.toContain(s);
  });

  it("does not report file state for a service that runs one pod", async () => {
    const spec = failures.find((c) => c.check === "image-replicated-file-state")?.spec;
    expect(spec).toBeDefined();
    expect(await findings((spec as () => ImageSpec)(), { name: "config", replicated: false })).toEqual([]);
  });
});
