import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

// Reads stacks/Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program: one string
// per key, structured values as JSON text. Encrypted (`secure:`) values cannot be decrypted
// offline: the plan stands in a placeholder, keeps the key secret, and says so.

export const SECRET_PLACEHOLDER = "[secret: encrypted in the stack file, not decrypted by the offline plan]";

export interface StackFileConfig {
  path: string;
  config: Record<string, string>;
  secretKeys: string[];
  /** Keys whose value (or part of it) was an encrypted `secure:` value. */
  undecrypted: string[];
}

export class StackFileError extends Error {}

export function stackFilePath(root: string, stack: string): string {
  return join(root, "stacks", `Pulumi.${stack}.yaml`);
}

export function readStackFile(root: string, stack: string): StackFileConfig {
  const path = stackFilePath(root, stack);
  const relative = `stacks/Pulumi.${stack}.yaml`;
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    throw new StackFileError(`"${stack}" is not a stack name: use letters, digits, '-', '_' and '.'`);
  }
  if (!existsSync(path)) {
    throw new StackFileError(`${relative} does not exist: create it, or plan one of the stacks in stacks/`);
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new StackFileError(`${relative} is not valid YAML: ${(error as Error).message}`);
  }
  const raw = (doc as { config?: unknown } | null)?.config;
  if (raw === undefined || raw === null)
    return { path: relative, config: {}, secretKeys: [], undecrypted: [] };
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new StackFileError(`${relative}: "config" must be a map of keys`);

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const undecrypted: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    let hadSecure = false;
    const replaced = replaceSecure(value, () => {
      hadSecure = true;
    });
    if (hadSecure) {
      secretKeys.push(key);
      undecrypted.push(key);
    }
    config[key] =
      typeof replaced === "string"
        ? replaced
        : typeof replaced === "object" && replaced !== null
          ? JSON.stringify(replaced)
          : String(replaced);
  }
  return { path: relative, config, secretKeys, undecrypted };
}

function replaceSecure(value: unknown, found: () => void): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === "secure") {
      found();
      return SECRET_PLACEHOLDER;
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, replaceSecure(v, found)]));
  }
  if (Array.isArray(value)) return value.map((v) => replaceSecure(v, found));
  return value;
}
