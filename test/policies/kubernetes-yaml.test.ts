// The YAML loader of `npm run policy -- check`: scalars resolved as kubectl resolves them (go-yaml
// v2 through sigs.k8s.io/yaml), merge keys, unrendered Helm templates, empty input, and bounded
// resources (byte cap, FIFOs, alias bombs, 125,000 objects).

import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveGoYamlScalar } from "../../policies/runner/go-yaml-schema";
import { inputBudget, READ_CHUNK_BYTES } from "../../policies/runner/input-files";
import {
  ALIAS_EXPANSION_FLOOR,
  BATCH_OBJECTS,
  InputError,
  type KubeObject,
  kubernetesObjectBatches,
  loadKubernetesObjects,
  parseKubernetesYaml,
  parseKubernetesYamlInto,
  splitDocuments,
  YamlStream,
} from "../../policies/runner/kubernetes-yaml";
import { policyCli as cli } from "./policy-cli";

const ROOT = resolve(__dirname, "..", "..");

const tempDir = () => mkdtempSync(join(tmpdir(), "policy-yaml-"));

/** Cartesian product of the case spellings go-yaml v2 lists (resolve.go's resolveMapList). */
const BOOLEANS: Array<[string, boolean]> = [
  ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map(
    (s) => [s, true] as [string, boolean],
  ),
  ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map(
    (s) => [s, false] as [string, boolean],
  ),
];

function value(yamlScalar: string): unknown {
  const [o] = parseKubernetesYaml(`apiVersion: v1\nkind: ConfigMap\nv: ${yamlScalar}\n`, "x.yaml");
  return o?.object.v;
}

describe("scalars as kubectl reads them (go-yaml v2)", () => {
  it.each(BOOLEANS)("%s is the boolean %s", (spelling, expected) => {
    expect(value(spelling)).toBe(expected);
    expect(resolveGoYamlScalar(spelling)).toBe(expected);
  });

  it.each(BOOLEANS)("quoted '%s' stays a string", (spelling) => {
    expect(value(`"${spelling}"`)).toBe(spelling);
    expect(value(`'${spelling}'`)).toBe(spelling);
  });

  it.each([
    // spelling, value (Go strconv.ParseInt(s, 0, 64) after removing underscores, else the YAML float form)
    ["0755", 493],
    ["0o755", 493],
    ["0O17", 15],
    ["0x1F", 31],
    ["0X1f", 31],
    ["-0x10", -16],
    ["0b101", 5],
    ["-0b11", -3],
    ["+12", 12],
    ["1_000", 1000],
    ["1__", 1], // every underscore goes before ParseInt

    ["0", 0],
    ["08", 8],
    ["089", 89],
    ["1e3", 1000],
    ["1.5", 1.5],
    ["-.5", -0.5],
    [".5", 0.5],
    ["1.", 1],
    ["6.02e+23", 6.02e23],
  ])("%s is the number %s", (spelling, expected) => {
    expect(value(spelling)).toBe(expected);
  });

  it.each([
    ["~", null],
    ["null", null],
    ["Null", null],
    ["NULL", null],
    ["", null],
  ])("%j is null", (spelling, expected) => {
    expect(value(spelling)).toBe(expected);
  });

  it.each([
    // Strings go-yaml v2 keeps: sexagesimal (a YAML 1.1 parser would read 190:20:30 as 685230),
    // timestamps (kept as strings when decoding into interface{}), near-misses of every form above.
    "190:20:30",
    "1:20",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "0x",
    "0b2",
    "_1",
    "yess",
    "oN",
    "nO",
    "tRUE",
    "+",
    ".",
    "1.2.3",
    "0o8",
    "=",
  ])("%s stays a string", (spelling) => {
    expect(value(spelling)).toBe(spelling);
  });

  it("refuses .inf and .nan as kubectl's JSON conversion does", () => {
    for (const s of [".inf", "-.Inf", ".NaN"]) {
      expect(() => value(s)).toThrow(/cannot hold it/);
    }
  });

  it("merges << keys, the mapping's own keys winning", () => {
    const [o] = parseKubernetesYaml(
      `apiVersion: v1
kind: Pod
metadata: {name: p}
x-defaults: &sc {allowPrivilegeEscalation: yes, privileged: on, runAsNonRoot: no}
spec:
  containers:
    - name: web
      image: registry.example.com/web:1.0.0
      securityContext:
        <<: *sc
        runAsNonRoot: true
`,
      "m.yaml",
    );
    const spec = o?.object.spec as { containers: Array<{ securityContext: unknown }> } | undefined;
    const sc = spec?.containers[0]?.securityContext;
    expect(sc).toEqual({ allowPrivilegeEscalation: true, privileged: true, runAsNonRoot: true });
  });

  describe("merge keys in go-yaml v2's order (kubectl), not the YAML spec's", () => {
    const merged = (body: string) => {
      const [o] = parseKubernetesYaml(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n${body}`,
        "m.yaml",
      );
      return o?.object.data;
    };
    it.each([
      [
        "a key written before << is overwritten",
        "data:\n  a: own\n  <<: {a: merged, b: merged}\n",
        { a: "merged", b: "merged" },
      ],
      [
        "a key written after << wins",
        "data:\n  <<: {a: merged, b: merged}\n  a: own\n",
        { a: "own", b: "merged" },
      ],
      [
        "of a list of sources the first wins",
        "data:\n  a: own\n  <<: [{a: first}, {a: second, c: second}]\n",
        { a: "first", c: "second" },
      ],
      [
        "two << keys apply in turn",
        "x: &s {a: s}\ndata:\n  <<: {a: one}\n  b: own\n  !!str <<: not-a-merge\n  <<: *s\n",
        { a: "s", b: "own", "<<": "not-a-merge" },
      ],
      [
        "a source's own merges come first",
        "x: &s {a: inner, <<: {a: deeper, d: deeper}}\ndata:\n  <<: *s\n",
        { a: "deeper", d: "deeper" },
      ],
      ["<< as a value is a string", "data:\n  a: <<\n  b: [<<]\n", { a: "<<", b: ["<<"] }],
      ["a quoted << is a key", 'data:\n  "<<": {a: b}\n', { "<<": { a: "b" } }],
      [
        "__proto__ merged stays an own key",
        "data:\n  <<: {__proto__: {x: v}}\n",
        JSON.parse('{"__proto__": {"x": "v"}}'),
      ],
    ])("%s", (_name, body, expected) => {
      const data = merged(body);
      expect(data).toEqual(expected);
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    });

    it.each([
      ["a scalar source", "data:\n  <<: x\n", /needs a mapping or a list of mappings/],
      ["a list holding a scalar", "data:\n  <<: [{a: b}, x]\n", /needs a mapping or a list of mappings/],
      [
        "an integer-like key both written and merged",
        "data:\n  <<: {1: a}\n  1: b\n",
        /key "1" is both written and merged/,
      ],
      [
        "a mapping merged into itself",
        "data: &d\n  a: {<<: *d}\n",
        /merge includes the mapping it is in|contains itself/,
      ],
    ])("refuses %s with one line naming the document", (_name, body, message) => {
      expect(() => merged(body)).toThrow(InputError);
      expect(() => merged(body)).toThrow(message);
    });

    it.each([
      ["a list of sources", (n: number) => `data: {<<: [${Array(n).fill("*a").join(", ")}]}`],
      ["many << keys", (n: number) => `data:\n${Array(n).fill("  <<: *a\n").join("")}`],
    ])("refuses a merge bomb through %s as excessive aliasing, at once", (_name, merges) => {
      const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: 0`).join(", ");
      const body = `x: &a {${keys}}\n${merges(5_000)}\n`;
      expect(() => merged(body)).toThrow(InputError);
      expect(() => merged(body)).toThrow(/merges copy more than 10 times the keys written.*alias bomb/);
    });
  });

  it("gives a typed list's items without kind and apiVersion the list's (DeploymentList -> apps/v1 Deployment)", () => {
    const objects = parseKubernetesYaml(
      "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n  - {metadata: {name: a}}\n  - {apiVersion: v1, kind: Service, metadata: {name: b}}\n",
      "list.yaml",
    );
    expect(objects.map((o) => [o.object.apiVersion, o.object.kind])).toEqual([
      ["apps/v1", "Deployment"],
      ["v1", "Service"],
    ]);
    // A plain List names no item kind: its items must carry their own.
    expect(() =>
      parseKubernetesYaml("apiVersion: v1\nkind: List\nitems: [{metadata: {name: a}}]\n", "l.yaml"),
    ).toThrow(/l\.yaml: document 1, items\[0\]: missing "kind"/);
  });

  it.each([
    ["kind: 5", /"kind" must be a non-empty string, not 5/],
    ["kind: [Pod]", /"kind" must be a non-empty string, not \["Pod"\]/],
    ["kind: Pod\napiVersion: {v: 1}", /"apiVersion" must be a non-empty string, not \{"v":1\}/],
  ])("names a kind or apiVersion of the wrong type (%s)", (body, message) => {
    const text = body.includes("apiVersion") ? body : `apiVersion: v1\n${body}`;
    expect(() => parseKubernetesYaml(`${text}\nmetadata: {name: x}\n`, "t.yaml")).toThrow(message);
  });

  describe("text encodings as go-yaml v2 reads them", () => {
    const yaml =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\u00e9}\ndata: {k: "\u20ac \ud83d\ude80"}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n';
    const load = (bytes: Buffer) => {
      const file = join(tempDir(), "in.yaml");
      writeFileSync(file, bytes);
      return loadKubernetesObjects([file]).map((o) => o.object);
    };
    const utf16be = (text: string) => Buffer.from(text, "utf16le").swap16();
    const expected = load(Buffer.from(yaml));

    it.each([
      ["UTF-8 with a BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(yaml)])],
      [
        "UTF-16LE with a BOM (PowerShell's >)",
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(yaml, "utf16le")]),
      ],
      ["UTF-16BE with a BOM", Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(yaml)])],
      // Characters split across the 64 KiB reads stay whole.
      ["UTF-8 longer than a read", Buffer.from(`# ${"\u20ac".repeat(READ_CHUNK_BYTES)}\n${yaml}`)],
    ])("reads %s as the same objects", (_name, bytes) => {
      expect(expected.map((o) => o.kind)).toEqual(["ConfigMap", "Namespace"]);
      expect(load(bytes)).toEqual(expected);
    });

    it.each([
      [
        "a byte that starts no UTF-8 character",
        Buffer.from([
          ...Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "'),
          0xff,
          0x22,
          0x7d,
          0x0a,
        ]),
      ],
      ["a character cut off at the end", Buffer.concat([Buffer.from(yaml), Buffer.from([0xe2, 0x82])])],
      [
        "UTF-16 with a lone surrogate",
        Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from("kind: ", "utf16le"),
          Buffer.from([0x00, 0xd8, 0x41, 0x00]),
        ]),
      ],
    ])("refuses %s instead of checking replaced text", (_name, bytes) => {
      expect(() => load(bytes)).toThrow(InputError);
      expect(() => load(bytes)).toThrow(
        /in\.yaml: not valid UTF-(8|16LE) \(at or after byte \d+\).*save it as UTF-8/,
      );
    });

    it("refuses invalid UTF-8 on stdin too", () => {
      const bytes = Buffer.from([
        ...Buffer.from("apiVersion: v1\nkind: Namespace\nmetadata: {name: "),
        0xc3,
        0x28,
        0x7d,
      ]);
      expect(() => loadKubernetesObjects(["-"], () => bytes)).toThrow(/<stdin>: not valid UTF-8/);
    });
  });

  it("ends a document at ---#comment as kubectl does, in one piece or many", () => {
    const text =
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---#next\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {hostPID: true}\n";
    const whole = parseKubernetesYaml(text, "h.yaml");
    expect(whole.map((o) => [o.object.kind, o.document, o.line])).toEqual([
      ["Namespace", 1, 1],
      ["Pod", 2, 5],
    ]);
    const out: KubeObject[] = [];
    const stream = new YamlStream("h.yaml", out);
    for (const c of text) stream.write(c);
    stream.end();
    expect(out.map((o) => o.object)).toEqual(whole.map((o) => o.object));
  });

  it("refuses duplicate keys, naming the line (kubectl would keep the last one silently)", () => {
    const text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  hostPID: false\n";
    expect(() => parseKubernetesYaml(text, "dup.yaml")).toThrow(InputError);
    expect(() => parseKubernetesYaml(text, "dup.yaml")).toThrow(
      /dup\.yaml: document 1: invalid YAML: duplicated mapping key \(line 6\).*keep one of them/,
    );
  });

  it("catches privileged: yes, hostNetwork: yes and allowPrivilegeEscalation: no", async () => {
    const yaml = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  hostNetwork: yes
  containers:
    - name: web
      image: registry.example.com/web:1.0.0
      securityContext: {privileged: Yes, allowPrivilegeEscalation: no}
`;
    const r = await cli(["check", "-", "--format", "json"], yaml);
    const policies = JSON.parse(r.stdout).violations.map((v: { policy: string }) => v.policy);
    expect(policies).toContain("no-privileged");
    expect(policies).toContain("no-host-namespaces");
    expect(policies).not.toContain("no-privilege-escalation");
    expect(r.code).toBe(1);
  });
});

describe("documents", () => {
  it("splits at --- and ... lines only, numbering documents as kubectl does", () => {
    const text = "# head\n---\na: 1\n---\n--- |\n  text\n...\nb: '---'\nc: |\n  --- not at column 0\n";
    const docs = [...splitDocuments(text)];
    expect(docs.map((d) => [d.line, d.explicit])).toEqual([
      [0, false],
      [1, true],
      [3, true],
      [4, true],
      [7, false],
    ]);
  });

  it("reports the line of an error in the whole file", () => {
    expect(() =>
      parseKubernetesYaml("apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: [oops\n", "e.yaml"),
    ).toThrow(/^e\.yaml: document 2: invalid YAML: .* \(line \d+\)$/);
  });

  it("reads a file in pieces exactly as the whole text, wherever the pieces are cut", () => {
    // Markers, an end marker, a `----` that is no marker, CRLF lines, a block scalar, comments and
    // multi-byte characters, cut at every offset of a piece size and at random ones.
    const text = [
      "# head comment\n",
      '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: "ünïcode ✓"}\n',
      "----not-a-marker: 1\n",
      "---\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: b}\r\n",
      "--- \napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  f: |\n    --- not at column 0\n",
      "...\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n",
      "---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: e}\n---",
    ].join("");
    const whole: KubeObject[] = [];
    parseKubernetesYamlInto(text, "f.yaml", whole);
    expect(whole.map((o) => o.object.metadata)).toHaveLength(5);
    const cuts = (size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, i) => i * size);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const cutSets = [
      ...[1, 2, 3, 4, 5, 7, 13].map(cuts),
      ...Array.from({ length: 20 }, () => [0, ...Array.from({ length: 6 }, () => random() % text.length)]),
    ];
    for (const set of cutSets) {
      const points = [...new Set([...set, text.length])].sort((a, b) => a - b);
      const out: KubeObject[] = [];
      const stream = new YamlStream("f.yaml", out);
      for (let i = 0; i + 1 < points.length; i++) stream.write(text.slice(points[i], points[i + 1]));
      stream.end();
      expect(out).toEqual(whole);
    }
  });

  it("locates objects by document and line", () => {
    const objects = parseKubernetesYaml(
      "# c\n---\napiVersion: v1\nkind: A\n---\n\napiVersion: v1\nkind: B\n",
      "l.yaml",
    );
    expect(objects.map((o) => [o.document, o.line])).toEqual([
      [1, 3],
      [2, 6],
    ]);
  });
});

describe("input that is not Kubernetes objects yet", () => {
  it.each([
    ["a value", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-env\n"],
    [
      "a quoted value",
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{{ include "x.fullname" . }}"\n',
    ],
    ["a control line", "{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\n{{- end }}\n"],
    ["toYaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  {{- toYaml .Values.data | nindent 2 }}\n"],
    [
      "a template call",
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ template "x.fullname" . }}\n',
    ],
    ["a variable", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ $name }}\n"],
  ])("an unrendered Helm template (%s) is exit 2: render it first", async (_, yaml) => {
    const r = await cli(["check", "-"], yaml);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: <stdin>: document 1: an unrendered Helm template .*render it first with helm template/,
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("a rendered Alertmanager or Prometheus template inside a block scalar is data, not Helm", async () => {
    const yaml = `apiVersion: v1
kind: ConfigMap
metadata: {name: alert-templates, namespace: monitoring}
data:
  slack.tmpl: |
    {{ define "slack.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}
    {{ range .Alerts }}{{ .Annotations.summary }}
    {{ end }}
  summary: "{{ $labels.instance }} is down"
`;
    const r = await cli(["check", "-"], yaml);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it.each([
    ["an empty stdin", ""],
    ["only comments", "# nothing here\n---\n# still nothing\n"],
    ["empty documents", "---\n---\n"],
  ])("%s is exit 2: no Kubernetes objects found", async (_, yaml) => {
    const r = await cli(["check", "-"], yaml);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: no Kubernetes objects found in -/);
  });

  it("an empty directory is exit 2: no Kubernetes objects found", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "README.md"), "# not yaml\n");
    const r = await cli(["check", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: no Kubernetes objects found in ${dir}: empty input, only comments, or a directory without .yaml/.yml/.json files\n`,
    );
  });
});

describe("bounded resources", () => {
  it("caps the bytes of a run and says how to raise the limit", async () => {
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {x: "${"a".repeat(1.5 * 1024 * 1024)}"}\n`;
    const dir = tempDir();
    writeFileSync(join(dir, "big.yaml"), big);
    const r = await cli(["check", join(dir, "big.yaml"), "--max-input-mib", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the input exceeds the limit of 1 MiB for one run");
    expect(r.stderr).toContain("raise the limit with --max-input-mib <MiB>");
    expect((await cli(["check", "-", "--max-input-mib", "1"], big)).stderr).toContain(
      "error: <stdin>: the input exceeds the limit of 1 MiB",
    );
    expect((await cli(["check", join(dir, "big.yaml"), "--max-input-mib", "2"])).code).toBe(0);
  });

  it("refuses stdin redirected from a directory with one line (a real process)", () => {
    const tsx = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    const fd = openSync(tempDir(), "r");
    try {
      const r = spawnSync(process.execPath, [tsx, join(ROOT, "policies", "cli.ts"), "check", "-"], {
        cwd: ROOT,
        stdio: [fd, "pipe", "pipe"],
        encoding: "utf8",
      });
      expect(r.stderr).toBe("error: <stdin>: cannot read: EISDIR\n");
      expect(r.status).toBe(2);
    } finally {
      closeSync(fd);
    }
  }, 60_000);

  it("stops reading endless stdin at the limit (a real process)", async () => {
    const tsx = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
    const child = spawn(
      process.execPath,
      [tsx, join(ROOT, "policies", "cli.ts"), "check", "-", "--max-input-mib", "2"],
      { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const chunk = Buffer.from("a: b\n".repeat(10_000));
    let open = true;
    child.stdin.on("error", () => {
      open = false;
    });
    const feed = () => {
      while (open && child.stdin.write(chunk));
      if (open) child.stdin.once("drain", feed);
    };
    feed();
    const code = await new Promise<number | null>((done) => child.on("close", done));
    expect(stderr).toContain("the input exceeds the limit of 2 MiB");
    expect(code).toBe(2);
  }, 60_000);

  describe("a directory: every file kubectl apply -R -f would read", () => {
    const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\n`;
    function tree(): string {
      const root = tempDir();
      const dir = join(root, "deploy");
      for (const d of [
        dir,
        join(dir, ".hidden"),
        join(dir, "node_modules"),
        join(dir, "sub"),
        join(root, "elsewhere"),
      ])
        mkdirSync(d, { recursive: true });
      writeFileSync(join(dir, "app.yaml"), pod("yaml"));
      writeFileSync(join(dir, "app.yml"), pod("yml"));
      writeFileSync(
        join(dir, "api.json"),
        '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "json"}}',
      );
      writeFileSync(join(dir, ".dotfile.yaml"), pod("dotfile"));
      writeFileSync(join(dir, ".hidden", "x.yaml"), pod("dot-directory"));
      writeFileSync(join(dir, "node_modules", "x.yaml"), pod("node-modules"));
      writeFileSync(join(dir, "sub", "x.YAML"), pod("upper-case-extension"));
      writeFileSync(join(dir, "README.md"), "not a manifest");
      writeFileSync(join(root, "elsewhere", "target.yaml"), pod("symlinked-file"));
      symlinkSync(join(root, "elsewhere", "target.yaml"), join(dir, "link.yaml"));
      // A symlink to a directory is not followed (kubectl does not): no loop.
      symlinkSync(root, join(dir, "loop"));
      symlinkSync(root, join(dir, "loop.yaml"));
      return dir;
    }
    const names = (dir: string) =>
      loadKubernetesObjects([dir]).map((o) => (o.object.metadata as { name: string }).name);

    it("reads .json, .yaml and .yml files, dot files, dot directories, node_modules and symlinked files", () => {
      expect(names(tree()).sort()).toEqual(
        [
          "yaml",
          "yml",
          "json",
          "dotfile",
          "dot-directory",
          "node-modules",
          "upper-case-extension",
          "symlinked-file",
        ].sort(),
      );
    });

    it.each([
      [
        "a symlink to a device",
        (dir: string) => symlinkSync("/dev/zero", join(dir, "zero.yaml")),
        /zero\.yaml: a device/,
      ],
      [
        "a FIFO",
        (dir: string) => {
          if (spawnSync("mkfifo", [join(dir, "pipe.yml")]).status !== 0)
            symlinkSync("/dev/null", join(dir, "pipe.yml"));
        },
        /pipe\.yml: a (FIFO|device)/,
      ],
    ])("refuses %s in it instead of skipping what kubectl would read", (_name, add, message) => {
      const dir = tree();
      add(dir);
      expect(() => names(dir)).toThrow(InputError);
      expect(() => names(dir)).toThrow(message);
    });
  });

  describe("a file starting with { is a stream of JSON objects (kubectl's YAMLOrJSONDecoder)", () => {
    const ns = (name: string) =>
      `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ${JSON.stringify(name)}}}`;
    const text = ` \n${ns("a}{")}${ns('b\\"}')}\n\n${ns("c")}\n`;
    const namesOf = (objects: KubeObject[]) =>
      objects.map((o) => (o.object.metadata as { name: string }).name);

    it("reads concatenated and line-separated objects, braces and quotes in strings included", () => {
      const objects = parseKubernetesYaml(text, "s.json");
      expect(namesOf(objects)).toEqual(["a}{", 'b\\"}', "c"]);
      expect(objects.map((o) => [o.document, o.line])).toEqual([
        [1, 2],
        [2, 2],
        [3, 4],
      ]);
    });

    it("reads it the same in pieces of any size", () => {
      for (const size of [1, 2, 7, 64]) {
        const out: KubeObject[] = [];
        const stream = new YamlStream("s.json", out);
        for (let i = 0; i < text.length; i += size) stream.write(text.slice(i, i + size));
        stream.end();
        expect(namesOf(out)).toEqual(["a}{", 'b\\"}', "c"]);
      }
    });

    it.each([
      [
        "text between objects",
        `${ns("a")} x`,
        /s\.json: invalid JSON at line 1: "x" where the next object should start/,
      ],
      [
        "an unfinished object",
        `${ns("a")}\n{"kind":`,
        /s\.json: document 2: invalid JSON: the input ends inside a value \(line 2\)/,
      ],
      [
        "invalid JSON inside an object",
        '{"kind": Pod}',
        /s\.json: document 1: invalid JSON: .*\(the value starting on line 1\)/,
      ],
      [
        "nesting deeper than 100 levels",
        `{"a": ${"[".repeat(200)}${"]".repeat(200)}}`,
        /document 1: invalid JSON: nesting deeper than 100 levels/,
      ],
      [
        "a number JSON cannot hold",
        '{"apiVersion": "v1", "kind": "Namespace", "x": 1e400}',
        /document 1: x is Infinity/,
      ],
    ])("refuses %s with one line", (_name, input, message) => {
      expect(() => parseKubernetesYaml(input, "s.json")).toThrow(InputError);
      expect(() => parseKubernetesYaml(input, "s.json")).toThrow(message);
    });
  });

  it("refuses a FIFO without blocking on it", async () => {
    const dir = tempDir();
    const fifo = join(dir, "pipe.yaml");
    if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo on this system
    const r = await cli(["check", fifo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${fifo}: a FIFO: only regular files, directories and - (stdin) are read\n`);
  });

  it("refuses a 622-byte alias bomb in milliseconds", () => {
    const levels = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    const lines = [
      "apiVersion: v1",
      "kind: ConfigMap",
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ];
    for (let i = 1; i < levels.length; i++) {
      const prev = `*${levels[i - 1]}`;
      lines.push(`${levels[i]}: &${levels[i]} [${Array(9).fill(prev).join(",")}]`);
    }
    const bomb = `${lines.join("\n")}\n`;
    expect(bomb.length).toBeLessThan(700);
    const started = performance.now();
    expect(() => parseKubernetesYaml(bomb, "bomb.yaml")).toThrow(
      new InputError(
        `bomb.yaml: document 1: aliases expand it to more than 10 times its written size (over ${ALIAS_EXPANSION_FLOOR.toLocaleString("en-US")} nodes): refused as an alias bomb, as kubectl refuses excessive aliasing`,
      ),
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("accepts ordinary anchors and aliases", () => {
    const [o] = parseKubernetesYaml(
      "apiVersion: v1\nkind: ConfigMap\nx: &r {cpu: 10m}\ny: *r\nz: *r\n",
      "ok.yaml",
    );
    expect(o?.object.z).toEqual({ cpu: "10m" });
  });

  it("refuses a recursive alias", () => {
    expect(() => parseKubernetesYaml("apiVersion: v1\nkind: A\nx: &a [1, *a]\n", "r.yaml")).toThrow(
      /r\.yaml: document 1: /,
    );
  });

  it("loads 125,000 objects from one file without overflowing the stack", () => {
    const dir = tempDir();
    const file = join(dir, "many.yaml");
    const doc = (i: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}, namespace: n}\n`;
    writeFileSync(file, Array.from({ length: 125_000 }, (_, i) => doc(i)).join("---\n"));
    const objects = loadKubernetesObjects([file]);
    expect(objects).toHaveLength(125_000);
    expect(objects[124_999]?.document).toBe(125_000);
  }, 60_000);

  it("parses a file as its objects are asked for, in small batches, reading only what that takes", () => {
    const dir = tempDir();
    const file = join(dir, "stream.yaml");
    const doc = (i: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}, namespace: n}\n`;
    const count = 20_000;
    writeFileSync(file, Array.from({ length: count }, (_, i) => doc(i)).join("---\n"));
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(4 * READ_CHUNK_BYTES);
    const budget = inputBudget();
    const batches = kubernetesObjectBatches([file], undefined, { budget });
    const first = batches.next();
    expect(first.done).toBe(false);
    expect(first.value?.length).toBe(BATCH_OBJECTS);
    // One read so far: the rest of the file is read as later batches are asked for.
    expect(budget.used).toBe(READ_CHUNK_BYTES);
    let seen = first.value?.length ?? 0;
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(BATCH_OBJECTS);
      seen += batch.length;
    }
    expect(seen).toBe(count);
    expect(budget.used).toBe(size);
    // The same objects, in the same order, as reading the whole file.
    const all = [...kubernetesObjectBatches([file])].flat();
    expect(all).toEqual(loadKubernetesObjects([file]).map(({ resource: _, ...o }) => o));
  });

  it("expands a List of 125,000 items without overflowing the stack", () => {
    const items = Array.from(
      { length: 125_000 },
      (_, i) => `  - {apiVersion: v1, kind: ConfigMap, metadata: {name: c${i}}}`,
    );
    const objects = parseKubernetesYaml(
      `apiVersion: v1\nkind: List\nitems:\n${items.join("\n")}\n`,
      "list.yaml",
    );
    expect(objects).toHaveLength(125_000);
  }, 60_000);
});
