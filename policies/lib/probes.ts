// Probe analysis: does an exec probe prove anything, where does an HTTP probe point, and are two
// probes the same check (timing fields such as failureThreshold or periodSeconds do not count).

import { isRec, isUnknown, type Rec, recs, str, strs } from "./json";
import { shownCommand } from "./secrets";
import { scriptOf, segments, words } from "./shell";
import { type ContainerRef, resolvePort } from "./workload";

/** FrankenPHP/Caddy admin API and metrics port (field notes, runtime contract). */
export const CADDY_ADMIN_PORT = 2019;

// Commands whose success says nothing about whether the process can serve a request.
const TRIVIAL = new Set([
  "true",
  ":",
  "echo",
  "printf",
  "ls",
  "test",
  "[",
  "[[",
  "cat",
  "stat",
  "sleep",
  "date",
  "hostname",
  "whoami",
  "id",
  "env",
  "printenv",
  "pwd",
  "which",
  "type",
  "uname",
  "pgrep",
  "pidof",
  "ps",
  "file",
  "head",
  "tail",
]);

// Commands that always succeed, so `anything || <this>` can never fail.
const ALWAYS_TRUE = new Set(["true", ":", "echo", "printf"]);

function base(word: string): string {
  return word.slice(word.lastIndexOf("/") + 1);
}

/** The words of a simple command without leading `VAR=value` assignments and `exec`/`command`. */
function commandWords(text: string): string[] {
  const w = words(text);
  while (w.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[0] ?? "")) w.shift();
  while (w.length > 1 && (w[0] === "exec" || w[0] === "command") && w[1] !== "-v") w.shift();
  return w;
}

function isVersionOrConfigTest(w: string[]): boolean {
  const [cmd, ...rest] = w;
  if (cmd === undefined) return false;
  const b = base(cmd);
  if (rest.length === 1 && ["-v", "--version", "-V", "version", "-version"].includes(rest[0] ?? ""))
    return true;
  if (
    /^php(\d[\d.]*)?$/.test(b) &&
    rest.length === 1 &&
    ["-m", "-i", "--info", "--modules"].includes(rest[0] ?? "")
  ) {
    return true;
  }
  if (/^php(\d[\d.]*)?-fpm(\d[\d.]*)?$/.test(b) && rest.some((a) => a === "-t" || a === "-tt")) return true;
  if (b === "nginx" && rest.includes("-t")) return true;
  if ((b === "caddy" || b === "frankenphp") && (rest[0] === "validate" || rest[0] === "version")) return true;
  if (b === "kill" && rest[0] === "-0") return true;
  return false;
}

function isTrivial(text: string): boolean {
  const w = commandWords(text);
  const cmd = w[0];
  if (cmd === undefined) return true;
  if (cmd === "exit") return w[1] === undefined || w[1] === "0";
  if (cmd === "command" && w[1] === "-v") return true;
  if (TRIVIAL.has(base(cmd))) return true;
  return isVersionOrConfigTest(w);
}

function alwaysTrue(text: string): boolean {
  const w = commandWords(text);
  const cmd = w[0];
  if (cmd === undefined) return true;
  if (cmd === "exit") return w[1] === undefined || w[1] === "0";
  return ALWAYS_TRUE.has(base(cmd));
}

export interface ExecVerdict {
  /** Why the probe proves nothing; undefined when it looks like a real check. */
  reason: string | undefined;
  shown: string;
}

/** Judges an exec probe's command: trivially true, a file/version test, or swallowed failures. */
export function judgeExec(command: string[]): ExecVerdict {
  const script = scriptOf(command);
  const shown = script.length > 80 ? `${script.slice(0, 77)}...` : script;
  const segs = segments(script);
  if (segs.some((s) => s.op === "||" && alwaysTrue(s.text))) {
    return {
      reason: `\`${shown}\` ends in \`|| ${segs.find((s) => s.op === "||")?.text}\`: it can never fail`,
      shown,
    };
  }
  if (/(^|[^0-9])2019\b/.test(script) && /localhost|127\.0\.0\.1|0\.0\.0\.0|:2019/.test(script)) {
    return { reason: `\`${shown}\` asks Caddy's admin/metrics port ${CADDY_ADMIN_PORT}`, shown };
  }
  // Pipelines are judged by their first command; filters (grep, wc) add nothing.
  const heads = segs.filter((s) => s.op !== "|");
  if (heads.every((s) => isTrivial(s.text))) {
    return {
      reason: `\`${shown}\` only proves that a binary, a file or a process exists, not that the service answers`,
      shown,
    };
  }
  return { reason: undefined, shown };
}

/** A canonical description of a probe's handler, or undefined if it has unknown parts. */
export function handlerKey(c: ContainerRef, probe: Rec): string | undefined {
  if (isRec(probe.exec)) {
    if (isUnknown(probe.exec.command)) return undefined;
    return `exec:${JSON.stringify(strs(probe.exec.command))}`;
  }
  if (isRec(probe.httpGet)) {
    const h = probe.httpGet;
    if (Object.values(h).some(isUnknown)) return undefined;
    const headers = recs(h.httpHeaders)
      .map((x) => `${str(x.name)}=${str(x.value)}`)
      .sort()
      .join("&");
    return `http:${str(h.scheme) ?? "HTTP"}://${str(h.host) ?? ""}:${resolvePort(c, h.port) ?? String(h.port)}${str(h.path) ?? "/"}?${headers}`;
  }
  if (isRec(probe.tcpSocket)) {
    const t = probe.tcpSocket;
    if (isUnknown(t.port)) return undefined;
    return `tcp:${str(t.host) ?? ""}:${resolvePort(c, t.port) ?? String(t.port)}`;
  }
  if (isRec(probe.grpc)) {
    return `grpc:${String(probe.grpc.port)}/${str(probe.grpc.service) ?? ""}`;
  }
  return undefined;
}

export function describeHandler(c: ContainerRef, probe: Rec): string {
  // Shown with what could be a credential redacted (`redis-cli -a <redacted> ping`).
  if (isRec(probe.exec)) return `exec \`${shownCommand(scriptOf(strs(probe.exec.command)))}\``;
  if (isRec(probe.httpGet)) {
    const h = probe.httpGet;
    // A query string may carry a token: not shown.
    const path = str(h.path) ?? "/";
    const q = path.indexOf("?");
    const shown = q === -1 ? path : `${path.slice(0, q)}?<redacted>`;
    return `httpGet :${resolvePort(c, h.port) ?? String(h.port)}${shown}`;
  }
  if (isRec(probe.tcpSocket))
    return `tcpSocket :${resolvePort(c, probe.tcpSocket.port) ?? String(probe.tcpSocket.port)}`;
  if (isRec(probe.grpc)) return `grpc :${String(probe.grpc.port)}`;
  return "a probe without a handler";
}
