// Random access to the members of an uncompressed tar archive on disk (`docker save`, `podman save`,
// an OCI layout packed as a tar): one pass over the headers, seeking past the data, so a 2 GB
// archive is indexed by reading a few kilobytes per member and each layer is then streamed from
// its offset. Understands ustar, pax extended headers (path, size) and GNU long names.

import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { Readable } from "node:stream";

export interface TarMember {
  name: string;
  offset: number;
  size: number;
}

const BLOCK = 512;

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString("utf8");
}

function octal(header: Buffer, start: number, length: number): number {
  // GNU base-256 for sizes of 8 GiB and more.
  if ((header[start] ?? 0) & 0x80) {
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + (header[i] ?? 0);
    return n;
  }
  const text = field(header, start, length).trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const length = Number.parseInt(data.subarray(pos, space).toString("ascii"), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, pos + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}

export class TarIndexError extends Error {}

/** Members of an archive by normalised name (`./manifest.json` is `manifest.json`). */
export class TarIndex {
  readonly members = new Map<string, TarMember>();

  constructor(readonly file: string) {
    const fd = openSync(file, "r");
    try {
      this.scan(fd);
    } finally {
      closeSync(fd);
    }
  }

  private scan(fd: number): void {
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    let pax: Record<string, string> = {};
    for (;;) {
      const n = readSync(fd, header, 0, BLOCK, pos);
      if (n === 0) return; // archives may end without the two zero blocks
      if (n < BLOCK) throw new TarIndexError(`${this.file}: truncated tar header at byte ${pos}`);
      if (header.every((b) => b === 0)) return;
      const magic = field(header, 257, 6);
      if (magic !== "ustar" && magic !== "ustar ") {
        // Old v7 archives have no magic; their checksum still has to hold.
        if (!this.checksumOk(header))
          throw new TarIndexError(`${this.file}: not a tar archive (byte ${pos})`);
      }
      const type = String.fromCharCode(header[156] || 0x30);
      let size = octal(header, 124, 12);
      if (pax.size !== undefined) size = Number(pax.size);
      const dataStart = pos + BLOCK;
      const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
      if (type === "x" || type === "L") {
        const data = Buffer.alloc(size);
        readSync(fd, data, 0, size, dataStart);
        if (type === "x") pax = paxRecords(data);
        else longName = data.toString("utf8").replace(/\0+$/, "");
        pos = next;
        continue;
      }
      if (type === "g") {
        pos = next;
        continue;
      }
      const prefix = field(header, 345, 155);
      const base = field(header, 0, 100);
      const name = pax.path ?? longName ?? (prefix ? `${prefix}/${base}` : base);
      if (type === "0" || type === "\0" || type === "7") {
        this.members.set(normalise(name), { name, offset: dataStart, size });
      }
      longName = undefined;
      pax = {};
      pos = next;
    }
  }

  private checksumOk(header: Buffer): boolean {
    const stored = octal(header, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
    return sum === stored;
  }

  has(name: string): boolean {
    return this.members.has(normalise(name));
  }

  /** A stream of one member's bytes. */
  open(name: string): Readable {
    const m = this.members.get(normalise(name));
    if (!m) throw new TarIndexError(`${this.file}: no member ${name}`);
    if (m.size === 0) return Readable.from([]);
    return createReadStream(this.file, { start: m.offset, end: m.offset + m.size - 1 });
  }

  size(name: string): number {
    return this.members.get(normalise(name))?.size ?? 0;
  }
}

function normalise(name: string): string {
  return name.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
}
