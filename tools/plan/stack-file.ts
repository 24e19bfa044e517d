import { join } from "node:path";
import { type InputProblem, PlatformInputError } from "../../components/errors/input-error";
import { readYamlFile } from "../../infra/input/yaml-file";

// Reads stacks/Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program: one string
// per key, structured values as JSON text. Encrypted (`secure:`) values cannot be decrypted
// offline: the plan stands in a placeholder, keeps the key secret, and says so.

/** Stack files hold a few dozen keys (encrypted values included); anything much larger is not one. */
export const STACK_FILE_MAX_BYTES = 1024 * 1024;

export const SECRET_PLACEHOLDER = "[secret: encrypted in the stack file, not decrypted by the offline plan]";

/** Top-level keys of a Pulumi stack file; config keys belong under `config:`. */
const STACK_FILE_KEYS = new Set([
  "config",
  "secretsprovider",
  "encryptedkey",
  "encryptionsalt",
  "environment",
]);

/**
 * A ciphertext as `pulumi config set --secret` writes it (`v1:<nonce>:<data>` for passphrases,
 * base64 for cloud KMS providers): never empty, never a number.
 */
const CIPHERTEXT = /^[A-Za-z0-9+/=:_-]+$/;

export interface StackFileConfig {
  path: string;
  config: Record<string, string>;
  secretKeys: string[];
  /** Keys whose value (or part of it) was an encrypted `secure:` value. */
  undecrypted: string[];
}

/** The stack file itself is wrong (missing, not YAML, misshapen): the same format as config errors. */
export class StackFileError extends PlatformInputError {}

/** Letters, digits, '-', '_' and '.', and not a path (`.`, `..`): it names files and directories. */
export function isStackName(stack: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(stack) && stack !== "." && stack !== "..";
}

export function stackFilePath(root: string, stack: string): string {
  return join(root, "stacks", `Pulumi.${stack}.yaml`);
}

export function readStackFile(root: string, stack: string): StackFileConfig {
  const path = stackFilePath(root, stack);
  const relative = `stacks/Pulumi.${stack}.yaml`;
  const fail = (field: string, problem: string, fix: string): never => {
    throw new StackFileError([{ source: relative, field, problem, fix }]);
  };
  if (!isStackName(stack)) {
    fail("--stack", `"${stack}" is not a stack name`, "use letters, digits, '-', '_' and '.'");
  }
  const read = readYamlFile(path, relative, {
    what: "a stack file",
    maxBytes: STACK_FILE_MAX_BYTES,
    shape:
      "start the file with config: and the platform:* keys under it (stacks/Pulumi.local.yaml is an example)",
  });
  if ("problem" in read) {
    if (read.refusal === "missing")
      fail("", "does not exist", "create it, or plan one of the stacks in stacks/");
    // An empty stack file is Pulumi's own starting point: it is reported as having no keys.
    if (read.refusal !== "empty") throw new StackFileError([read.problem]);
  }
  const doc = "file" in read ? read.file.data : undefined;
  const top = (doc ?? {}) as Record<string, unknown>;
  const stray = Object.keys(top).filter((k) => !STACK_FILE_KEYS.has(k));
  if (stray.length > 0) {
    // Config keys at the top level (the config: wrapper forgotten) are one mistake: one problem.
    const configKeys = stray.filter((k) => k.includes(":"));
    const others = stray.filter((k) => !k.includes(":"));
    const more = configKeys.length - 1;
    throw new StackFileError([
      ...(configKeys.length > 0
        ? [
            {
              source: relative,
              field: configKeys[0] as string,
              problem: `is not a stack-file setting${more > 0 ? ` (nor are the ${more} other config keys at the top level of the file)` : ""}`,
              fix: "config keys go under a top-level config: map (config:, then each platform:* key indented below it)",
            },
          ]
        : []),
      ...others.map((key) => ({
        source: relative,
        field: key,
        problem: "is not a stack-file setting",
        fix: `remove it; a stack file holds ${[...STACK_FILE_KEYS].join(", ")}`,
      })),
    ]);
  }
  const raw = top.config;
  if (raw === undefined || raw === null)
    return { path: relative, config: {}, secretKeys: [], undecrypted: [] };
  if (typeof raw !== "object" || Array.isArray(raw))
    fail(
      "config",
      "must be a map of keys",
      "write each key on its own line under config:, e.g. platform:profile: in-cluster",
    );

  // A Map until the end: a key is data, never an object's internals (`__proto__`).
  const config = new Map<string, string>();
  const secretKeys: string[] = [];
  const undecrypted: string[] = [];
  const problems: InputProblem[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    let hadSecure = false;
    const replaced = replaceSecure(value, [key], (path, ciphertext) => {
      hadSecure = true;
      const problem = ciphertextProblem(ciphertext);
      if (problem)
        problems.push({
          source: relative,
          field: `${path.join(".")}.secure`,
          problem,
          fix: `write it with \`pulumi config set --secret ${key} <value>\`${path.length > 1 ? " (with --path for a nested key)" : ""}, or remove it`,
        });
    });
    if (hadSecure) {
      secretKeys.push(key);
      undecrypted.push(key);
    }
    config.set(
      key,
      typeof replaced === "string"
        ? replaced
        : typeof replaced === "object" && replaced !== null
          ? JSON.stringify(replaced)
          : String(replaced),
    );
  }
  if (problems.length > 0) throw new StackFileError(problems);
  return { path: relative, config: Object.fromEntries(config), secretKeys, undecrypted };
}

function ciphertextProblem(ciphertext: unknown): string | undefined {
  if (typeof ciphertext !== "string")
    return "must be the encrypted text Pulumi writes, not a number or a map";
  if (ciphertext === "") return "is empty: an encrypted value is never empty";
  if (!CIPHERTEXT.test(ciphertext))
    return "is not encrypted text as Pulumi writes it (letters, digits, + / = : _ -)";
  return undefined;
}

function replaceSecure(
  value: unknown,
  path: string[],
  found: (path: string[], ciphertext: unknown) => void,
): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === "secure") {
      found(path, entries[0][1]);
      return SECRET_PLACEHOLDER;
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, replaceSecure(v, [...path, k], found)]));
  }
  if (Array.isArray(value)) return value.map((v, i) => replaceSecure(v, [...path, String(i)], found));
  return value;
}
