import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { loadCatalog } from "../infra/catalog/load";

// One-shot migration of a SOPS-encrypted secrets file into a stack's encrypted config. SOPS itself
// decrypts (it holds the age key; nothing here does crypto), this reads the decrypted YAML, JSON
// or dotenv on stdin and sets each secret the catalog entry declares with
// `pulumi config set --secret --path 'platform:secrets.<service>.<NAME>'`, the value on the
// command's stdin (never in a process list). Usage (docs/runtime-contract.md, "Secrets"):
//
//   sops -d secrets/authentication.enc.yaml | npm run --silent secrets:import -- --stack dev --service authentication
//
// `--dry-run` prints the commands without values. Keys the service does not declare are refused.

export interface ImportArgs {
  stack: string;
  service: string;
  dryRun: boolean;
}

export function parseArgs(argv: readonly string[]): ImportArgs {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (!v || v.startsWith("--")) throw new Error(`${flag} <value> is required`);
    return v;
  };
  const known = new Set(["--stack", "--service", "--dry-run"]);
  for (const a of argv) if (a.startsWith("--") && !known.has(a)) throw new Error(`unknown option ${a}`);
  return { stack: value("--stack"), service: value("--service"), dryRun: argv.includes("--dry-run") };
}

/** A decrypted SOPS document (YAML, JSON) or a dotenv file, as flat NAME -> value pairs. */
export function readSecrets(text: string): Record<string, string> {
  const trimmed = text.trim();
  const looksDotenv =
    /^[A-Za-z_][A-Za-z0-9_]*=/m.test(trimmed) && !/^[A-Za-z_][A-Za-z0-9_]*:\s/m.test(trimmed);
  if (looksDotenv) {
    const out: Record<string, string> = {};
    for (const line of trimmed.split("\n")) {
      const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
      if (!m || line.trim().startsWith("#")) continue;
      out[m[1] as string] = (m[2] as string).replace(/^(['"])(.*)\1$/, "$2");
    }
    return out;
  }
  const doc = parse(trimmed) as unknown;
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw new Error("stdin is not a map of NAME: value");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === "sops")
      throw new Error("stdin is still encrypted (it has a sops: section): pipe `sops -d <file>`");
    if (typeof v !== "string" && typeof v !== "number") throw new Error(`${k} is not a plain value`);
    out[k] = String(v);
  }
  return out;
}

export function importSecrets(
  args: ImportArgs,
  secrets: Record<string, string>,
  pulumi = "pulumi",
): string[] {
  const spec = loadCatalog().services.find((s) => s.name === args.service);
  if (!spec) throw new Error(`"${args.service}" is not a service of the catalog`);
  const declared = new Set((spec.secrets ?? []).map((s) => s.name));
  const unknown = Object.keys(secrets).filter((k) => !declared.has(k));
  if (unknown.length > 0)
    throw new Error(
      `${args.service} declares no secret ${unknown.join(", ")}: declare it in its catalog entry, or drop it from the file`,
    );
  const done: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    const command = [
      "config",
      "set",
      "--secret",
      "--path",
      `platform:secrets.${args.service}.${name}`,
      "--stack",
      args.stack,
    ];
    done.push(`${pulumi} ${command.map((c) => (c.includes(".") ? `'${c}'` : c)).join(" ")}`);
    if (args.dryRun) continue;
    const run = spawnSync(pulumi, command, { input: value, stdio: ["pipe", "inherit", "inherit"] });
    if (run.status !== 0)
      throw new Error(`pulumi config set failed for ${name} (exit ${run.status ?? "signal"})`);
  }
  return done;
}

function main(): number {
  try {
    const args = parseArgs(process.argv.slice(2));
    const done = importSecrets(
      args,
      readSecrets(readFileSync(0, "utf8")),
      process.env.PULUMI_BINARY ?? "pulumi",
    );
    for (const line of done) console.log(args.dryRun ? line : `set: ${line}`);
    return 0;
  } catch (error) {
    console.error(`secrets:import: ${(error as Error).message}`);
    return 2;
  }
}

if (require.main === module) process.exit(main());
