// image-dotenv-credentials: `.env.local.php` (what `composer dump-env prod` compiles), `.env`,
// `.env.local`, `.env.<env>`, `.env.<env>.local` holding credential values in any layer. The series
// found 25 credentials compiled into a layer; deleting the file in a later layer does not help,
// the earlier layer still ships it. Values are never echoed.

import { redact } from "../../lib/report";
import { scanConfigText } from "../../lib/secrets";
import { credentialIn } from "../credentials";
import { fileLabel } from "../describe";
import type { ImageCheck } from "../types";

const DOTENV = /^\.env(\.[A-Za-z0-9_-]+)*(\.local)?(\.php)?$/;

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function isDotenvFile(path: string): boolean {
  const base = baseName(path);
  // Example files document names, they are meant to be shipped.
  return DOTENV.test(base) && !/\.(dist|example|sample|template)$/.test(base);
}

/** `'KEY' => 'value'` pairs of the PHP array `composer dump-env` writes. */
function phpArrayPairs(text: string): Array<{ key: string; value: string; line: number }> {
  const out: Array<{ key: string; value: string; line: number }> = [];
  const pair =
    /(['"])([A-Za-z0-9_.-]+)\1\s*=>\s*(?:(['"])((?:\\.|(?!\3)[^\\])*)\3|([0-9.]+|true|false|null))/g;
  for (const m of text.matchAll(pair)) {
    const line = text.slice(0, m.index).split("\n").length;
    const raw = m[4] ?? m[5] ?? "";
    out.push({ key: m[2] ?? "", value: raw.replace(/\\(['"\\])/g, "$1"), line });
  }
  return out;
}

/** `KEY=value` lines of a dotenv file, quotes and trailing comments removed. */
function dotenvPairs(text: string): Array<{ key: string; value: string; line: number }> {
  const out: Array<{ key: string; value: string; line: number }> = [];
  text.split("\n").forEach((line, i) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) return;
    let value = (m[2] ?? "").trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, "");
    out.push({ key: m[1] ?? "", value, line: i + 1 });
  });
  return out;
}

export const dotenvCredentials: ImageCheck = {
  id: "image-dotenv-credentials",
  description: "No credential values in .env, .env.local, .env.<env>(.local) or .env.local.php in any layer.",
  severity: "mandatory",
  wantsContent: isDotenvFile,
  onFile(file, _ctx, report) {
    if (!isDotenvFile(file.path) || file.content === undefined) return;
    const text = file.content.toString("utf8");
    const pairs = file.path.endsWith(".php") ? phpArrayPairs(text) : dotenvPairs(text);
    const found = pairs
      .map((p) => ({ ...p, what: credentialIn(p.key, p.value) }))
      .filter((p) => p.what !== undefined);
    // The scanner of ConfigMap files sees what the pair parsers may not (YAML-ish, odd quoting).
    if (found.length === 0 && !file.path.endsWith(".php")) {
      for (const f of scanConfigText(text)) found.push({ key: f.key, value: "", line: f.line, what: f.what });
    }
    if (found.length === 0) return;
    const shown = found
      .slice(0, 8)
      .map((p) => `${p.key} (line ${p.line}${p.value ? `, ${redact(p.value)}` : ""})`)
      .join(", ");
    const more = found.length > 8 ? ` and ${found.length - 8} more` : "";
    const fix = file.path.endsWith(".php")
      ? "Fix: do not run `composer dump-env` in the image build (or run it at release time in the pod); "
      : "Fix: keep only non-secret defaults in the committed .env, add .env.*.local to .dockerignore; ";
    report({
      path: file.path,
      layer: file.layer,
      message: `${fileLabel(file)} holds ${found.length} credential value${found.length === 1 ? "" : "s"}: ${shown}${more}. ${fix}credentials reach the pod at run time from Secrets (the spec's \`secrets\`); rotate every one of them, they have been shipped.`,
    });
  },
};
