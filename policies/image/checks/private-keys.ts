// image-private-keys: private keys and cloud or package-registry credentials files in any layer:
// PEM private keys (Lexik JWT's config/jwt/private.pem, TLS keys, SSH keys), `.aws/credentials`,
// Composer's `auth.json` with tokens, `.npmrc` auth tokens, `.git-credentials`, Docker's
// `config.json` with auths. Test fixtures of vendored packages ship throwaway keys: not reported.

import { fileLabel } from "../describe";
import type { ImageCheck, LayerFile } from "../types";

const KEY_NAME = /(\.(pem|key|p8|p12|pfx|ppk)|\/id_(rsa|dsa|ecdsa|ed25519))$/i;
const CREDENTIAL_FILES: Array<[RegExp, string]> = [
  [/\/\.aws\/credentials$/, "AWS credentials"],
  [/\/auth\.json$/, "Composer auth.json"],
  [/\/\.npmrc$/, "an .npmrc"],
  [/\/\.git-credentials$/, "Git credentials"],
  [/\/\.docker\/config\.json$/, "a Docker config"],
  [/\/\.pgpass$/, "a PostgreSQL password file"],
  [/\/\.my\.cnf$/, "a MySQL option file"],
];
// Throwaway keys shipped by packages' own tests and docs, and the distribution's self-signed
// snakeoil key: not the service's credentials.
const IGNORED =
  /\/vendor\/[^/]+\/[^/]+\/(tests?|fixtures?|Tests|Fixtures|docs?)\/|\/node_modules\/|\/usr\/share\/doc\/|ssl-cert-snakeoil\.key$/;

function credentialFileKind(path: string): string | undefined {
  return CREDENTIAL_FILES.find(([re]) => re.test(path))?.[1];
}

function hasToken(kind: string, text: string): boolean {
  switch (kind) {
    case "AWS credentials":
      return /^\s*aws_secret_access_key\s*=\s*\S+/m.test(text);
    case "Composer auth.json": {
      try {
        const auth = JSON.parse(text) as Record<string, unknown>;
        return [
          "github-oauth",
          "gitlab-token",
          "gitlab-oauth",
          "bitbucket-oauth",
          "http-basic",
          "bearer",
          "forgejo-token",
        ].some(
          (k) => typeof auth[k] === "object" && auth[k] !== null && Object.keys(auth[k] as object).length > 0,
        );
      } catch {
        return false;
      }
    }
    case "an .npmrc":
      return /_(authToken|auth|password)\s*=\s*\S+/.test(text);
    case "a Docker config":
      return /"auth"\s*:\s*"[^"]+"/.test(text);
    default:
      return text.trim().length > 0;
  }
}

function relevant(path: string): boolean {
  return !IGNORED.test(path) && (KEY_NAME.test(path) || credentialFileKind(path) !== undefined);
}

export const privateKeys: ImageCheck = {
  id: "image-private-keys",
  description: "No private keys or cloud/registry credentials files in any layer.",
  severity: "mandatory",
  wantsContent: relevant,
  onFile(file: LayerFile, _ctx, report) {
    if (!relevant(file.path) || file.content === undefined) return;
    const text = file.content.toString("utf8");
    const kind = credentialFileKind(file.path);
    if (kind) {
      if (hasToken(kind, text))
        report({
          path: file.path,
          layer: file.layer,
          message: `${fileLabel(file)} is ${kind} with credentials. Fix: pass build credentials as BuildKit secrets (\`RUN --mount=type=secret\`) so no layer keeps them, and revoke the token that was shipped.`,
        });
      return;
    }
    if (/-----BEGIN ([A-Z]+ )*PRIVATE KEY-----/.test(text))
      report({
        path: file.path,
        layer: file.layer,
        message: `${fileLabel(file)} is a private key. Fix: keys are secrets of the running service: declare them under \`secrets\` in the service's spec (e.g. JWT_SECRET_KEY) or mount them from Key Vault, keep them out of the build context (.dockerignore), and replace the key that was shipped.`,
      });
  },
};
