import type { Stage } from "../../components/logging/pipeline";

// An interpreter of the generated shipper configurations, for the tests: no Alloy or Promtail
// binary is cheap to build here, so it applies the generated stages (and the Alloy file's relabel
// rules) with the semantics their documentation gives, for exactly the stage kinds and expression
// forms the platform generates: anything else makes it fail, so a new stage needs a new rule.
// test/logging/log-pipeline.test.ts runs it on both shippers' configurations; the e2e's log-shipper
// stand-in (test/e2e/standins/) is checked against it.

/** JMESPath, restricted to identifiers joined by `||` (the first truthy value wins). */
function jmespath(expression: string, document: Record<string, unknown>): unknown {
  const alternatives = expression.split("||").map((a) => a.trim());
  for (const name of alternatives) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`unsupported JMESPath: ${expression}`);
    const value = document[name];
    const falsy =
      value === undefined ||
      value === null ||
      value === false ||
      value === "" ||
      (Array.isArray(value) && value.length === 0) ||
      (typeof value === "object" && value !== null && Object.keys(value).length === 0);
    if (!falsy) return value;
  }
  return null;
}

/** Go text/template, restricted to `{{ ToLower .Value }}`. */
function template(text: string, value: string): string {
  if (text.trim() !== "{{ ToLower .Value }}") throw new Error(`unsupported template: ${text}`);
  return value.toLowerCase();
}

function hours(duration: string): number {
  const m = /^(\d+)h$/.exec(duration);
  if (!m) throw new Error(`unsupported duration: ${duration}`);
  return Number(m[1]);
}

export interface Entry {
  labels: Record<string, string>;
  line: string;
}

/** Runs one raw kubelet log line through the stages; undefined when a stage drops it. */
export function runStages(stages: Stage[], raw: string, now: number): Entry | undefined {
  let line = raw;
  let timestamp = now;
  const extracted: Record<string, string> = {};
  const labels: Record<string, string> = {};
  for (const stage of stages) {
    const [kind, args = {}] = Object.entries(stage)[0] ?? [];
    switch (kind) {
      case "cri": {
        const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(line);
        if (!m) break;
        timestamp = Date.parse(m[1] as string);
        extracted.stream = m[2] as string;
        line = m[4] as string;
        break;
      }
      case "drop":
        if (now - timestamp > hours(args.older_than as string) * 3_600_000) return undefined;
        break;
      case "json": {
        let document: Record<string, unknown>;
        try {
          document = JSON.parse(line);
        } catch {
          break; // not JSON: the stage leaves the entry alone
        }
        for (const [name, expression] of Object.entries(args.expressions as Record<string, string>)) {
          const value = jmespath(expression || name, document);
          if (value !== null) extracted[name] = typeof value === "string" ? value : JSON.stringify(value);
        }
        break;
      }
      case "template": {
        const source = args.source as string;
        if (extracted[source] !== undefined)
          extracted[source] = template(args.template as string, extracted[source]);
        break;
      }
      case "labels":
        for (const [name, from] of Object.entries(args as Record<string, string>)) {
          const value = extracted[from || name];
          if (value) labels[name] = value;
        }
        break;
      default:
        throw new Error(`the interpreter does not know stage "${kind}"`);
    }
  }
  return { labels, line };
}

/** The `loki.process` stages of a generated Alloy file, read back into the stage shape. */
export function alloyStages(config: string): Stage[] {
  const block = /loki\.process "pods" \{\n([\s\S]*?)\n {2}forward_to/.exec(config)?.[1];
  if (!block) throw new Error("no loki.process block");
  const stages: Stage[] = [];
  // Alloy blocks: `stage.<kind> {}` or `stage.<kind> {` ... `}`, one attribute per line.
  for (const m of block.matchAll(/^ {2}stage\.(\w+) \{(\}|\n[\s\S]*?\n {2}\})$/gm)) {
    const args: Stage[string] = {};
    for (const a of (m[2] as string).matchAll(/^\s+(\w+)\s*=\s*(.+)$/gm)) {
      const raw = (a[2] as string).trim();
      args[a[1] as string] = raw.startsWith("{")
        ? Object.fromEntries(
            [...raw.matchAll(/(\w+)\s*=\s*("(?:[^"\\]|\\.)*")/g)].map((kv) => [
              kv[1] as string,
              JSON.parse(kv[2] as string) as string,
            ]),
          )
        : (JSON.parse(raw) as string);
    }
    // Alloy's stage.labels holds Promtail's bare map in its `values` attribute.
    const kind = m[1] as string;
    stages.push({ [kind]: kind === "labels" ? (args.values as Record<string, string>) : args });
  }
  return stages;
}

/**
 * The target labels the `discovery.relabel` rules of a generated Alloy file give a target with
 * `meta` labels: Prometheus' `replace` action (source labels joined by `separator`, default `;`,
 * `replacement` with `$1` the whole joined value, default `$1`; an empty result sets nothing),
 * the only action and regex (the default `(.*)`) the platform generates. Labels starting with
 * `__` are internal and not returned.
 */
export function alloyTargetLabels(config: string, meta: Record<string, string>): Record<string, string> {
  const block = /discovery\.relabel "pods" \{\n([\s\S]*?)\n\}/.exec(config)?.[1];
  if (!block) throw new Error("no discovery.relabel block");
  const labels: Record<string, string> = { ...meta };
  for (const rule of block.matchAll(/^ {2}rule \{\n([\s\S]*?)\n {2}\}$/gm)) {
    const attrs: Record<string, unknown> = {};
    for (const a of (rule[1] as string).matchAll(/^\s+(\w+)\s*=\s*(.+)$/gm)) {
      attrs[a[1] as string] = JSON.parse(a[2] as string);
    }
    const unknown = Object.keys(attrs).filter(
      (k) => !["source_labels", "separator", "target_label", "replacement"].includes(k),
    );
    if (unknown.length > 0) throw new Error(`the interpreter does not know relabel arguments ${unknown}`);
    const joined = (attrs.source_labels as string[])
      .map((l) => labels[l] ?? "")
      .join((attrs.separator as string | undefined) ?? ";");
    const value = ((attrs.replacement as string | undefined) ?? "$1").replaceAll("$1", joined);
    if (value) labels[attrs.target_label as string] = value;
    else delete labels[attrs.target_label as string];
  }
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith("__")));
}
