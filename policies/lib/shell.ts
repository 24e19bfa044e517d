// Just enough shell to read container commands and exec probes: unwrap `sh -c "<script>"`, split a
// script into simple commands with the operator that precedes each one.

import { strs } from "./json";

const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"]);

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

/**
 * The script a command runs: `["sh", "-c", "a && b"]` -> "a && b"; `["/bin/bash", "-ec", "x"]` -> "x";
 * anything else -> the argv joined with spaces.
 */
export function scriptOf(argv: string[]): string {
  const first = argv[0];
  if (first !== undefined) {
    let i = 0;
    if (basename(first) === "env") i = 1; // `/usr/bin/env sh -c ...`
    const shell = argv[i];
    if (shell !== undefined && SHELLS.has(basename(shell))) {
      let j = i + 1;
      if (basename(shell) === "busybox" && argv[j] !== undefined && SHELLS.has(argv[j] ?? "")) j++;
      for (; j < argv.length; j++) {
        const a = argv[j] ?? "";
        if (/^-[a-z]*c[a-z]*$/.test(a)) return argv.slice(j + 1, j + 2).join(" ");
        if (!a.startsWith("-")) break;
      }
    }
  }
  return argv.join(" ");
}

/** A container's full command line: command and args, with `sh -c` scripts unwrapped. */
export function commandLine(spec: Record<string, unknown>): string {
  return scriptOf([...strs(spec.command), ...strs(spec.args)]);
}

export interface Segment {
  /** The operator before this command: "" for the first one. */
  op: "" | "&&" | "||" | ";" | "|";
  text: string;
}

/** Splits on `&&`, `||`, `;`, `|` and newlines, outside quotes. */
export function segments(script: string): Segment[] {
  const out: Segment[] = [];
  let cur = "";
  let op: Segment["op"] = "";
  let quote: string | undefined;
  const flush = (next: Segment["op"]) => {
    if (cur.trim()) out.push({ op, text: cur.trim() });
    cur = "";
    op = next;
  };
  for (let i = 0; i < script.length; i++) {
    const ch = script[i] ?? "";
    if (quote) {
      if (ch === quote) quote = undefined;
      cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
      continue;
    }
    const two = script.slice(i, i + 2);
    if (two === "&&" || two === "||") {
      flush(two);
      i++;
    } else if (ch === ";" || ch === "\n") {
      flush(";");
    } else if (ch === "|") {
      flush("|");
    } else {
      cur += ch;
    }
  }
  flush(";");
  return out;
}

/** Splits a simple command into words, honouring quotes (no expansion). */
export function words(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}
