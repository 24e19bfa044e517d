// image-replicated-file-state: for a service declared replicated (its spec lets it run more than
// one pod), the shipped prod configuration must not keep state in the pod's files: Monolog
// handlers writing log files (nobody sees them, field notes 3), a filesystem cache adapter, file
// sessions or file locks (each pod has its own: field notes 6, "the cache that was lying").
// Reads config/packages/*.yaml (their `when@prod` part) and config/packages/prod/*.yaml.

import { load } from "js-yaml";
import { fileLabel } from "../describe";
import type { ImageCheck, LayerFile } from "../types";

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

const PACKAGES = /\/config\/packages\/(prod\/)?[^/]+\.ya?ml$/;

/** The prod view of a Symfony config file: top level without `when@<env>`, plus `when@prod`. */
export function prodConfig(path: string, text: string): Rec | undefined {
  // Symfony's YAML tags (!php/const, !tagged_iterator...) are not JSON: read their values untagged.
  const untagged = text.replace(/(^|[\s:[,-])!(?!!)[\w/.\\-]+/gm, "$1");
  let doc: unknown;
  try {
    doc = load(untagged, { json: true });
  } catch {
    return undefined;
  }
  if (!isRec(doc)) return undefined;
  if (/\/config\/packages\/prod\//.test(path)) return doc;
  const out: Rec = {};
  for (const [k, v] of Object.entries(doc)) if (!k.startsWith("when@")) out[k] = v;
  const prod = doc["when@prod"];
  if (isRec(prod))
    for (const [k, v] of Object.entries(prod))
      out[k] = isRec(out[k]) && isRec(v) ? { ...(out[k] as Rec), ...v } : v;
  return out;
}

function fileHandlers(config: Rec): string[] {
  const monolog = config.monolog;
  if (!isRec(monolog) || !isRec(monolog.handlers)) return [];
  return Object.entries(monolog.handlers)
    .filter(([, h]) => {
      if (!isRec(h)) return false;
      const type = String(h.type ?? "");
      if (type === "rotating_file") return true;
      if (type !== "stream") return false;
      const path = h.path === undefined ? "%kernel.logs_dir%" : String(h.path);
      return !/^php:\/\/(stderr|stdout|output)$/.test(path);
    })
    .map(([name]) => name);
}

function fileCaches(config: Rec): string[] {
  const cache = isRec(config.framework) ? config.framework.cache : undefined;
  if (!isRec(cache)) return [];
  const out: string[] = [];
  if (cache.app === "cache.adapter.filesystem") out.push("framework.cache.app");
  if (isRec(cache.pools))
    for (const [name, pool] of Object.entries(cache.pools)) {
      const adapters = isRec(pool)
        ? [pool.adapter, ...(Array.isArray(pool.adapters) ? pool.adapters : [])]
        : [];
      if (adapters.includes("cache.adapter.filesystem")) out.push(`framework.cache.pools.${name}`);
    }
  return out;
}

function fileSessionsAndLocks(config: Rec): string[] {
  const fw = isRec(config.framework) ? config.framework : undefined;
  if (!fw) return [];
  const out: string[] = [];
  const session = fw.session;
  if (isRec(session)) {
    if (session.handler_id === "session.handler.native_file") out.push("framework.session.handler_id");
    else if (session.handler_id === null && typeof session.save_path === "string")
      out.push("framework.session.save_path");
  }
  if (fw.lock === "flock" || (typeof fw.lock === "string" && fw.lock.startsWith("flock")))
    out.push("framework.lock");
  return out;
}

export const replicatedFileState: ImageCheck = {
  id: "image-replicated-file-state",
  description:
    "A replicated service's prod config keeps no state in pod files (log files, filesystem cache, file sessions or locks).",
  severity: "mandatory",
  wantsContent: (path, ctx) => ctx.service?.replicated === true && PACKAGES.test(path),
  onFinish(files, ctx, report) {
    if (!ctx.service?.replicated) return;
    for (const [path, file] of files) {
      if (!PACKAGES.test(path) || !file.content) continue;
      const config = prodConfig(path, file.content.toString("utf8"));
      if (!config) continue;
      const say = (what: string, fix: string) =>
        report({
          path,
          layer: file.layer,
          message: `${fileLabel(file as LayerFile)}: ${what} (service ${ctx.service?.name} runs more than one pod). ${fix}`,
        });
      const handlers = fileHandlers(config);
      if (handlers.length)
        say(
          `Monolog handler${handlers.length > 1 ? "s" : ""} ${handlers.join(", ")} write${handlers.length > 1 ? "" : "s"} to a file`,
          "Fix: log to php://stderr as JSON (the platform's APP__LOG__STREAM); files on a pod are lost and never reach Loki.",
        );
      for (const key of fileCaches(config))
        say(
          `${key} is cache.adapter.filesystem`,
          "Fix: use cache.adapter.redis with the platform's Redis (APP__CACHE__ADAPTER, IN_MEM_STORE__URI); each pod's filesystem cache disagrees with the others.",
        );
      for (const key of fileSessionsAndLocks(config))
        say(
          `${key} keeps sessions or locks in pod files`,
          "Fix: sessions and locks on Redis (APP__SESSION__HANDLER, LOCK_DSN): a user's next request lands on another pod.",
        );
    }
  },
};
