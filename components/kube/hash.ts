import { createHash } from "node:crypto";

/** Short content hash for names and checksum annotations: changes when the content changes. */
export function shortHash(...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 8);
}
