import { parseArgs } from "node:util";
import { displayText } from "../../components/errors/display";
import { refuseRepeatedOptions } from "../../tools/cli/repeated-options";
import { DOTENV_FORMATS, type DotenvFormat } from "./dotenv";
import { UsageError } from "./errors";
import { DEFAULT_TTL } from "./ttl";

// The command line of `npm run ephemeral -- <command>`. Parsing only: defaults from the CI
// environment are resolved by the commands, so a template can be checked by parsing its lines.

export const USAGE = `usage: npm run ephemeral -- <command> [options]

Per-pipeline stacks of the whole platform (in-cluster profile) on a shared cluster, built from
the ci template (stacks/Pulumi.ci.yaml), with any Pulumi backend (PULUMI_BACKEND_URL: file://,
azblob://, s3://, or Pulumi Cloud).

commands:
  up     create or update stack ci-<id> and write its endpoints to a dotenv file
         --id <pipeline-id>       default CI_PIPELINE_ID (GitLab) or GITHUB_RUN_ID (GitHub)
         --ref <branch-slug>      default CI_COMMIT_REF_SLUG, GITHUB_HEAD_REF or GITHUB_REF_NAME
         --commit <sha>           default CI_COMMIT_SHA or GITHUB_SHA
         --image-tag <tag>        tag of every service image; default PLATFORM_IMAGE_TAG, else the commit
         --service-tag <s>=<tag>  one service from another tag (repeatable): a service repository's build
         --ttl <duration>         lifetime before the reaper may destroy it: 90m, 6h, 2d (default ${DEFAULT_TTL}, max 7d)
         --services <a,b>         deploy these services and everything they depend on (default: all; repeatable)
         --service-spec <file>    add or replace a catalog entry from a spec file kept elsewhere, e.g. in
                                  the service's repository (repeatable); validated like the catalog
         --owner <who>            default GITLAB_USER_LOGIN or GITHUB_ACTOR
         --dotenv <file>          write gateway, service and backing-service endpoints there
         --dotenv-format <f>      shell (KEY='value', default) or plain (KEY=value: GitLab dotenv reports, $GITHUB_ENV)
         --credentials            also write the stack's credentials (DATABASE_URL...); never printed
         --secrets-provider <url> for a new stack: passphrase (default), azurekeyvault://..., awskms://...
  down   destroy and remove stack ci-<id> (state, history, backups, tags, config file);
         succeeds when it is already gone
         --id <pipeline-id>       as for up
  env    write the dotenv file of an existing stack (e.g. in a test job that needs credentials)
         --id, --dotenv, --dotenv-format, --credentials as for up
  list   ephemeral stacks with owner, ref, pipeline and expiry
         --json                   machine-readable output
         --all                    include stacks that are not ephemeral (never touched by reap)
         --now <iso>              evaluate expiry at this instant
  reap   destroy and remove every ephemeral stack whose expiry has passed; keeps going when one
         fails; exit 1 if any failed
         --dry-run                only report what would be destroyed
         --json                   machine-readable report
         --now <iso>              evaluate expiry at this instant

exit codes: 0 ok, 1 an operation failed, 2 bad usage or input (nothing was touched)
`;

export interface UpArgs {
  command: "up";
  id?: string;
  ref?: string;
  commit?: string;
  imageTag?: string;
  serviceTags: string[];
  ttl: string;
  services: string[];
  /** Service spec files from outside infra/catalog/services (a service repository). */
  serviceSpecs: string[];
  owner?: string;
  dotenv?: string;
  dotenvFormat: DotenvFormat;
  credentials: boolean;
  secretsProvider?: string;
}

export interface DownArgs {
  command: "down";
  id?: string;
}

export interface EnvArgs {
  command: "env";
  id?: string;
  dotenv: string;
  dotenvFormat: DotenvFormat;
  credentials: boolean;
}

export interface ListArgs {
  command: "list";
  json: boolean;
  all: boolean;
  now?: string;
}

export interface ReapArgs {
  command: "reap";
  dryRun: boolean;
  json: boolean;
  now?: string;
}

export type ParsedArgs = { command: "help" } | UpArgs | DownArgs | EnvArgs | ListArgs | ReapArgs;

const COMMANDS = ["up", "down", "env", "list", "reap"] as const;

type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean }>;

function parse(command: string, argv: string[], options: OptionSpec) {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
    refuseRepeatedOptions(argv, options);
    if (positionals.length > 0) {
      throw new UsageError(
        `${command} takes no positional arguments (got ${displayText(positionals.join(" "), 200)})`,
        {
          usage: true,
        },
      );
    }
    return values as Record<string, string | boolean | string[] | undefined>;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // node:util's messages name the option; drop its advice about '--' which does not apply here.
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${command}: ${message}`, { usage: true });
  }
}

function str(values: Record<string, unknown>, key: string): string | undefined {
  const v = values[key];
  return typeof v === "string" ? v : undefined;
}

function list(values: Record<string, unknown>, key: string): string[] {
  const v = values[key];
  return Array.isArray(v) ? v.map(String) : [];
}

function format(values: Record<string, unknown>): DotenvFormat {
  const f = str(values, "dotenv-format") ?? "shell";
  if (!(DOTENV_FORMATS as readonly string[]).includes(f)) {
    throw new UsageError(`--dotenv-format must be ${DOTENV_FORMATS.join(" or ")}, not ${JSON.stringify(f)}`);
  }
  return f as DotenvFormat;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    return { command: "help" };
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(
      command.startsWith("-")
        ? `a command comes first: one of ${COMMANDS.join(", ")} (got ${command})`
        : `unknown command ${JSON.stringify(command)}: use one of ${COMMANDS.join(", ")}`,
      { usage: true },
    );
  }
  const args = [...rest];
  switch (command) {
    case "up": {
      const v = parse(command, args, {
        id: { type: "string" },
        ref: { type: "string" },
        commit: { type: "string" },
        "image-tag": { type: "string" },
        "service-tag": { type: "string", multiple: true },
        ttl: { type: "string" },
        services: { type: "string", multiple: true },
        "service-spec": { type: "string", multiple: true },
        owner: { type: "string" },
        dotenv: { type: "string" },
        "dotenv-format": { type: "string" },
        credentials: { type: "boolean" },
        "secrets-provider": { type: "string" },
      });
      if (v.help) return { command: "help" };
      if (v.credentials && !str(v, "dotenv")) {
        throw new UsageError(
          "--credentials only makes sense with --dotenv <file>: credentials are never printed",
        );
      }
      return {
        command,
        ...optional("id", str(v, "id")),
        ...optional("ref", str(v, "ref")),
        ...optional("commit", str(v, "commit")),
        ...optional("imageTag", str(v, "image-tag")),
        serviceTags: list(v, "service-tag"),
        ttl: str(v, "ttl") ?? DEFAULT_TTL,
        services: list(v, "services"),
        serviceSpecs: list(v, "service-spec"),
        ...optional("owner", str(v, "owner")),
        ...optional("dotenv", str(v, "dotenv")),
        dotenvFormat: format(v),
        credentials: v.credentials === true,
        ...optional("secretsProvider", str(v, "secrets-provider")),
      };
    }
    case "down": {
      const v = parse(command, args, { id: { type: "string" } });
      if (v.help) return { command: "help" };
      return { command, ...optional("id", str(v, "id")) };
    }
    case "env": {
      const v = parse(command, args, {
        id: { type: "string" },
        dotenv: { type: "string" },
        "dotenv-format": { type: "string" },
        credentials: { type: "boolean" },
      });
      if (v.help) return { command: "help" };
      const dotenv = str(v, "dotenv");
      if (!dotenv) throw new UsageError("env needs --dotenv <file>");
      return {
        command,
        ...optional("id", str(v, "id")),
        dotenv,
        dotenvFormat: format(v),
        credentials: v.credentials === true,
      };
    }
    case "list": {
      const v = parse(command, args, {
        json: { type: "boolean" },
        all: { type: "boolean" },
        now: { type: "string" },
      });
      if (v.help) return { command: "help" };
      return { command, json: v.json === true, all: v.all === true, ...optional("now", str(v, "now")) };
    }
    case "reap": {
      const v = parse(command, args, {
        "dry-run": { type: "boolean" },
        json: { type: "boolean" },
        now: { type: "string" },
      });
      if (v.help) return { command: "help" };
      return {
        command,
        dryRun: v["dry-run"] === true,
        json: v.json === true,
        ...optional("now", str(v, "now")),
      };
    }
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)}`);
}
