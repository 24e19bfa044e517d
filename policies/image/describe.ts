// How findings name where they are: the layer by index and the Dockerfile instruction that made it.

import { credentialIn } from "./credentials";
import type { LayerFile, LayerRef } from "./types";

const MAX_INSTRUCTION = 90;

/** An instruction with every `NAME=value` that holds a credential redacted (history can carry them). */
export function sanitizeInstruction(text: string): string {
  return text.replace(
    /([A-Za-z_][A-Za-z0-9_.-]*)=("[^"]*"|'[^']*'|[^\s"']+)/g,
    (whole, name: string, raw: string) => {
      const value = raw.replace(/^["']|["']$/g, "");
      return credentialIn(name, value) ? `${name}=<redacted>` : whole;
    },
  );
}

/** `layer 3 (RUN composer dump-env prod)`: what a developer can find in the Dockerfile. */
export function layerLabel(layer: LayerRef): string {
  const instruction = sanitizeInstruction(layer.createdBy ?? "")
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, "")
    .replace(/^\/bin\/sh -c /, "RUN ")
    .replace(/\s*# buildkit$/, "")
    .replace(/\s+/g, " ")
    .trim();
  if (!instruction) return `layer ${layer.index}`;
  const short =
    instruction.length > MAX_INSTRUCTION ? `${instruction.slice(0, MAX_INSTRUCTION - 1)}…` : instruction;
  return `layer ${layer.index} (${short})`;
}

/**
 * `/app/.env.local in layer 2 (COPY . /app)`, and when a later layer deletes or replaces it:
 * `/app/.env.local in layer 2 (COPY . /app, removed by layer 3: still shipped, every pull gets it)`.
 */
export function fileLabel(file: LayerFile): string {
  const label = layerLabel(file.layer);
  if (!file.removedBy) return `${file.path} in ${label}`;
  const removed = `removed by layer ${file.removedBy.index}: still shipped, every pull gets it`;
  return `${file.path} in ${label.endsWith(")") ? `${label.slice(0, -1)}, ${removed})` : `${label} (${removed})`}`;
}
