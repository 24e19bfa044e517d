// A file that starts with `{` is read by kubectl as JSON, not YAML: apimachinery's YAMLOrJSONDecoder
// looks at the first non-blank character and, for `{`, decodes the input as a stream of JSON values
// one after another (`{...}{...}` or one per line), where YAML would refuse the second. This splits
// such a stream, arriving in pieces, into the text of each complete value: strings and escapes are
// followed, so a brace inside a string does not count; between values only blanks are allowed.

import { InputError } from "./input-error";

/**
 * True when kubectl would read text starting with `text` as JSON; undefined while it cannot tell (only
 * blanks so far, or a last `{` that may start `{{`). `{{` is an unrendered template, never JSON: it is
 * left to the YAML reader, which says to render it first.
 */
export function startsAsJson(text: string): boolean | undefined {
  const first = text.search(/\S/);
  if (first === -1) return undefined;
  if (text[first] !== "{") return false;
  if (first === text.length - 1) return undefined;
  return text[first + 1] !== "{";
}

/** @default 100 levels, as for YAML (js-yaml's maxDepth): recursion over deeper values would overflow. */
export const MAX_JSON_NESTING = 100;

export interface JsonValueText {
  text: string;
  /** 0-based line of its first character in the whole input. */
  line: number;
}

export class JsonValueSplitter {
  private current: string[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 0;
  private startLine = 0;
  private values = 0;

  constructor(private readonly source: string) {}

  /** The values this piece completes, in order. */
  *write(piece: string): Generator<JsonValueText, void, void> {
    let from = 0;
    for (let i = 0; i < piece.length; i++) {
      const c = piece.charCodeAt(i);
      if (c === 0x0a) this.line++;
      if (this.depth === 0) {
        if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
        if (c !== 0x7b /* { */ && c !== 0x5b /* [ */) throw this.garbage(piece[i] ?? "");
        this.depth = 1;
        this.startLine = this.line;
        from = i;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) {
        if (++this.depth > MAX_JSON_NESTING)
          throw new InputError(
            `${this.source}: document ${this.values + 1}: invalid JSON: nesting deeper than ${MAX_JSON_NESTING} levels (line ${this.line + 1})`,
          );
      } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.depth--;
        if (this.depth === 0) {
          this.current.push(piece.slice(from, i + 1));
          const text = this.current.join("");
          this.current = [];
          this.values++;
          yield { text, line: this.startLine };
        }
      }
    }
    if (this.depth > 0) this.current.push(piece.slice(from));
  }

  /** The input is complete: an unfinished value is an error. */
  end(): void {
    if (this.depth > 0)
      throw new InputError(
        `${this.source}: document ${this.values + 1}: invalid JSON: the input ends inside a value (line ${this.startLine + 1})`,
      );
  }

  private garbage(c: string): InputError {
    return new InputError(
      `${this.source}: invalid JSON at line ${this.line + 1}: ${JSON.stringify(c)} where the next object should start (a file starting with { is read as a stream of JSON objects, as kubectl reads it)`,
    );
  }
}
