import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { reveal } from "./plan/redact";
import { isKubernetesObject } from "./plan/render";
import { runStackProgram } from "./plan/stack-program";

// `npm run -s images -- [--stack local] [--app | --third-party]`: every container image a stack
// runs, one reference per line, sorted: what to build and push (or `kind load`) for the services,
// and what to mirror for the rest. Evaluated offline like `npm run plan` (no CLI, no cluster).
// Exit 0; 2 on invalid input.

process.setSourceMapsEnabled(false);
const ROOT = resolve(__dirname, "..");
const USAGE = "usage: npm run -s images -- [--stack <name>] [--app | --third-party]";

interface PodSpecLike {
  containers?: { image?: string }[];
  initContainers?: { image?: string }[];
}

function podSpec(o: Record<string, unknown>): PodSpecLike | undefined {
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (o.kind === "Pod") return spec as PodSpecLike;
  if (o.kind === "CronJob") {
    const job = (spec.jobTemplate as { spec?: { template?: { spec?: PodSpecLike } } } | undefined)?.spec;
    return job?.template?.spec;
  }
  return (spec.template as { spec?: PodSpecLike } | undefined)?.spec;
}

async function main(): Promise<number> {
  let values: { stack: string; app: boolean; "third-party": boolean };
  try {
    values = parseArgs({
      options: {
        stack: { type: "string", short: "s", default: "local" },
        app: { type: "boolean", default: false },
        "third-party": { type: "boolean", default: false },
      },
      strict: true,
    }).values as typeof values;
  } catch (error) {
    console.error(`images: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const program = await runStackProgram("images", ROOT, values.stack);
  if (!program) return 2;
  const { stackFile, run } = program;
  const registryValue = stackFile.config["platform:images"];
  const registry = registryValue ? (JSON.parse(registryValue) as { registry?: string }).registry : undefined;
  const isApp = (image: string) => registry !== undefined && image.startsWith(`${registry}/`);
  const images = new Set<string>();
  for (const r of run.resources.filter(isKubernetesObject)) {
    const spec = podSpec(reveal(r.state) as Record<string, unknown>);
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      if (c.image) images.add(c.image);
    }
  }
  const selected = [...images]
    .filter((i) => (values.app ? isApp(i) : values["third-party"] ? !isApp(i) : true))
    .sort();
  for (const image of selected) console.log(image);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`images: internal error: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
