// Reading untrusted input with bounded resources: one byte budget for the whole run (files,
// directories and stdin together), regular files only (a FIFO or a device is refused after fstat,
// before any read, and opened non-blocking so opening it cannot hang), stdin read in chunks until
// the budget is spent (endless input stops at the limit instead of filling memory). Files are
// streamed: the reader asks for their text piece by piece, so a large file is never in memory whole.

import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "./input-error";
import { InputDecoder } from "./text-encoding";

export { InputError } from "./input-error";

/** @default 64 MiB: a whole platform's rendered charts are a few MiB. */
export const DEFAULT_MAX_INPUT_MIB = 64;

export interface InputBudget {
  /** Bytes every input of the run may add up to. */
  readonly maxBytes: number;
  used: number;
}

export function inputBudget(maxMiB: number = DEFAULT_MAX_INPUT_MIB): InputBudget {
  return { maxBytes: Math.floor(maxMiB * 1024 * 1024), used: 0 };
}

function tooLarge(source: string, budget: InputBudget): InputError {
  const mib = budget.maxBytes / (1024 * 1024);
  return new InputError(
    `${source}: the input exceeds the limit of ${mib} MiB for one run: check fewer files at once, or raise the limit with --max-input-mib <MiB>`,
  );
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

function kindOf(stat: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean }): string {
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice()) return "a device";
  return "not a regular file";
}

/** Reads from an open descriptor until EOF or until `limit` bytes (then one byte more, to know). */
export function readBounded(fd: number, limit: number, onEagain?: () => void): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunkSize = 1024 * 1024;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(chunkSize, limit - total + 1));
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN" && onEagain) {
        onEagain();
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    total += n;
    if (total > limit) break;
  }
  return Buffer.concat(chunks, total);
}

/** A pause for a non-blocking stdin with no data yet (no busy loop). */
const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);

/** Process stdin, bounded (used by the CLI; tests pass text instead). */
export function readStdinBounded(maxBytes: number): Buffer {
  try {
    return readBounded(0, maxBytes, pause);
  } catch (e) {
    // Stdin redirected from a directory (EISDIR) or otherwise unreadable: one line, exit 2.
    if (isSystemError(e)) throw new InputError(`<stdin>: cannot read: ${code(e)}`);
    throw e;
  }
}

/** Charges text read from `source` to the budget; throws when the run goes over it. */
export function charge(budget: InputBudget, source: string, bytes: number): void {
  budget.used += bytes;
  if (budget.used > budget.maxBytes) throw tooLarge(source, budget);
}

export type OpenedPath =
  | { kind: "file" }
  | { kind: "directory"; files: string[] }
  | { kind: "refused"; reason: string };

/**
 * @default 64 KiB per read: the text of a file is handed on in pieces of this size, small enough to
 * be ordinary young objects (a string of a megabyte is allocated in the old generation, and a 50 MiB
 * file read that way leaves over 100 MiB of garbage there for the next full collection).
 */
export const READ_CHUNK_BYTES = 64 * 1024;

/**
 * Opens a path without blocking (O_NONBLOCK: opening a FIFO waits for a writer otherwise) and checks
 * it with fstat. A regular file within the remaining budget is read as the caller asks for it: the
 * generator yields its text in pieces of whole characters (see ./text-encoding.ts), one
 * read each, so the caller can deal with each piece before the next is read. What the path was is
 * the generator's return value. The file is open only while the generator runs.
 */
export function* readInputPath(path: string, budget: InputBudget): Generator<string, OpenedPath, void> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new InputError(`${path}: cannot read: ${code(e)}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { kind: "directory", files: manifestFiles(path) };
    if (!stat.isFile()) return { kind: "refused", reason: kindOf(stat) };
    if (budget.used + stat.size > budget.maxBytes) throw tooLarge(path, budget);
    yield* streamFile(fd, path, budget);
    return { kind: "file" };
  } catch (e) {
    // Only the file system's errors are "cannot read" (the caller's own errors never reach here).
    if (e instanceof InputError || !isSystemError(e)) throw e;
    throw new InputError(`${path}: cannot read: ${code(e)}`);
  } finally {
    closeSync(fd);
  }
}

function isSystemError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === "string";
}

/** Reads an open file to its end in chunks, charging each to the budget (a file may grow while read). */
function* streamFile(fd: number, path: string, budget: InputBudget): Generator<string, void, void> {
  const decoder = new InputDecoder(path);
  const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    charge(budget, path, n);
    const text = decoder.write(buf.subarray(0, n));
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/**
 * Manifest files under a directory, recursively, in name order: the files `kubectl apply -R -f <dir>`
 * reads, so that nothing kubectl would apply is left unchecked. kubectl reads `.json`, `.yaml` and
 * `.yml` files (`.YAML` too here), skips no dot file, dot directory or node_modules, reads a symlink
 * to a file and does not follow a symlink to a directory (no loops). Entries that are not regular
 * files (a FIFO, a symlink to /dev/zero) are listed too: reading them refuses them, loudly.
 */
export function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (MANIFEST_FILE.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

const MANIFEST_FILE = /\.(?:ya?ml|json)$/i;
