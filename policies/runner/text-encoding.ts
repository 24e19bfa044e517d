// The bytes of an input as the text go-yaml v2 (kubectl) reads: UTF-8, or UTF-16 when the input
// starts with its byte order mark (Windows PowerShell's `>` writes UTF-16LE), a leading BOM dropped.
// Bytes that are not valid in the encoding are refused, as go-yaml refuses them ("invalid leading
// UTF-8 octet"), instead of being replaced by U+FFFD and checked as some other text.

import { TextDecoder } from "node:util";
import { InputError } from "./input-error";

type Encoding = "utf-8" | "utf-16le" | "utf-16be";

function sniff(first: Buffer): Encoding {
  if (first[0] === 0xff && first[1] === 0xfe) return "utf-16le";
  if (first[0] === 0xfe && first[1] === 0xff) return "utf-16be";
  return "utf-8";
}

/** Decodes one input's bytes piece by piece (a character split across pieces is kept whole). */
export class InputDecoder {
  private decoder: TextDecoder | undefined;
  private encoding: Encoding = "utf-8";
  private offset = 0;

  constructor(private readonly source: string) {}

  /** The text of the next piece of bytes (throws InputError on bytes the encoding cannot hold). */
  write(bytes: Buffer): string {
    if (!this.decoder) {
      this.encoding = sniff(bytes);
      this.decoder = new TextDecoder(this.encoding, { fatal: true });
    }
    const start = this.offset;
    this.offset += bytes.length;
    try {
      return this.decoder.decode(bytes, { stream: true });
    } catch {
      throw this.invalid(start);
    }
  }

  /** What is left at the end of the input (an incomplete character is an error). */
  end(): string {
    if (!this.decoder) return "";
    try {
      return this.decoder.decode();
    } catch {
      throw this.invalid(this.offset);
    }
  }

  private invalid(from: number): InputError {
    const name = this.encoding === "utf-8" ? "UTF-8" : this.encoding.toUpperCase();
    return new InputError(
      `${this.source}: not valid ${name} (at or after byte ${from.toLocaleString("en-US")}): kubectl refuses such a file too. Fix: save it as UTF-8`,
    );
  }
}

/** A whole input already in memory (stdin). */
export function decodeInput(bytes: Buffer, source: string): string {
  const decoder = new InputDecoder(source);
  return decoder.write(bytes) + decoder.end();
}
