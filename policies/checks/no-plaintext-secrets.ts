// no-plaintext-secrets: prevents "what survives the build" (field notes 2). `composer dump-env
// prod` compiled 25 variables, admin passwords and API tokens among them, into an image layer. A
// literal credential in a container's env value, in its args/command, or in a ConfigMap is the same
// mistake one layer later: it lands in Git, in the Pulumi state, in `kubectl get -o yaml` and in
// every log of a rendered manifest. Credentials travel as Secrets (valueFrom.secretKeyRef,
// envFrom.secretRef) or a CSI secret volume. The judgement (lib/secrets.ts): under any name, a
// credential shape (URL or connection string with a password, PEM key, GitHub/GitLab/Slack/AWS/
// Stripe/OpenAI/Vault tokens, JWTs, Azure AccountKey=/SharedAccessKey=/SAS sig=, bcrypt hashes);
// under a name that holds a credential (DB_PASSWORD, APP_SECRET, API_KEY, SECRET_KEY_BASE), any
// literal that could be one; under a name only about one (SECRET_ROTATION_DAYS, TOKEN_TTL,
// *_PASSWORD_FILE, passwordKey), only a random-looking value. Numbers, durations, booleans, URLs
// without userinfo, file paths and references (${X}, $(X), %env(X)%, vault:...) are never
// credentials. Precision and recall on 500 real variables: policies/COVERAGE.md. Values are never
// echoed.

import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configMapData, literalEnv } from "../lib/env";
import { plain, type Rec, rec, strs } from "../lib/json";
import { T } from "../lib/k8s";
import { configSchema, type Reporter, redact, reporter, type Target, targetOf } from "../lib/report";
import {
  credentialByName,
  credentialShape,
  isReferenceValue,
  literalCredential,
  scanConfigText,
} from "../lib/secrets";
import { words } from "../lib/shell";
import { type ContainerRef, workloadOf } from "../lib/workload";

const POLICY = "no-plaintext-secrets";
const FIX_ENV =
  "Fix: store it in a Secret and reference it with env[].valueFrom.secretKeyRef (or envFrom.secretRef, or a CSI secret volume); rotate it, it has been exposed.";

/**
 * Every command line the container spec carries: command/args, and the exec handlers of its probes
 * and lifecycle hooks (all stored in the pod spec, readable by anyone who can read the pod).
 */
function commandLines(c: ContainerRef): Array<{ where: string; argv: string[] }> {
  const out = [{ where: "command/args carry", argv: [...strs(c.spec.command), ...strs(c.spec.args)] }];
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const exec = rec(rec(c.spec[probe])?.exec);
    if (exec) out.push({ where: `${probe}.exec.command carries`, argv: strs(exec.command) });
  }
  for (const hook of ["postStart", "preStop"]) {
    const exec = rec(rec(rec(c.spec.lifecycle)?.[hook])?.exec);
    if (exec) out.push({ where: `lifecycle.${hook}.exec.command carries`, argv: strs(exec.command) });
  }
  return out;
}

function checkArgs(c: ContainerRef, target: Target, r: Reporter): void {
  for (const { where, argv } of commandLines(c)) checkCommandLine(c, where, argv, target, r);
}

function checkCommandLine(c: ContainerRef, where: string, argv: string[], target: Target, r: Reporter): void {
  const flagged = new Set<string>();
  const flag = (what: string) => {
    if (flagged.has(what)) return;
    flagged.add(what);
    r.violation(
      target,
      `${where} ${what}: process arguments are visible to anyone who can read the pod spec or ps. ${FIX_ENV}`,
      {
        container: c,
      },
    );
  };
  // Each argv element, plus the words of shell scripts inside them.
  const tokens = argv.flatMap((a) => (/\s/.test(a) ? words(a) : [a]));
  tokens.forEach((tok, i) => {
    const assign = /^(?:--?)?([A-Za-z][A-Za-z0-9_.-]*)=(.+)$/.exec(tok);
    if (assign) {
      const name = assign[1] ?? "";
      const value = assign[2] ?? "";
      if (literalCredential(name, value)) flag(`a literal value for ${name} (${redact(value)})`);
      return;
    }
    const opt = /^--([A-Za-z][A-Za-z0-9_-]*)$/.exec(tok);
    const next = tokens[i + 1];
    if (opt && next !== undefined && !next.startsWith("-") && literalCredential(opt[1] ?? "", next)) {
      flag(`a literal value for --${opt[1]} (${redact(next)})`);
    }
  });
  if (/\b(mysql|mysqldump|mariadb|mariadb-dump)\b/.test(tokens.join(" "))) {
    for (const tok of tokens) {
      if (/^-p[^\s]+$/.test(tok) && !isReferenceValue(tok.slice(2)))
        flag(`a MySQL password in ${tok.slice(0, 2)}... (${redact(tok.slice(2))})`);
    }
  }
  const shape = credentialShape(argv.join(" "));
  if (shape) flag(shape);
}

function checkEnv(c: ContainerRef, target: Target, r: Reporter): void {
  for (const e of literalEnv(c)) {
    if (e.value === undefined) continue;
    const found = literalCredential(e.name, e.value);
    if (found) {
      const what = found.byShape ? `${found.what} as a literal value` : found.what;
      r.violation(target, `${e.from} ${e.name} holds ${what} (${redact(e.value)}). ${FIX_ENV}`, {
        container: c,
      });
    }
  }
}

function checkConfigMap(props: Rec, target: Target, r: Reporter): void {
  const fix =
    "Fix: ConfigMaps are for non-sensitive configuration; move it to a Secret (and reference it from the file with an env placeholder).";
  for (const [key, value] of Object.entries(configMapData(props))) {
    const shape = credentialShape(value);
    if (shape) {
      r.violation(target, `data.${key} contains ${shape} (${redact(value)}). ${fix}`);
      continue;
    }
    if (!value.includes("\n")) {
      const found = credentialByName(key, value);
      if (found) r.violation(target, `data.${key} holds ${found.what} (${redact(value)}). ${fix}`);
      continue;
    }
    for (const f of scanConfigText(value)) {
      r.violation(target, `data.${key}, line ${f.line}: ${f.key} is set to ${f.what}. ${fix}`);
    }
  }
}

export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: POLICY,
  description: "No credentials as literals in container env, args/command or ConfigMaps.",
  enforcementLevel: "mandatory",
  configSchema: configSchema(),
  validateResource: (args, report) => {
    const w = workloadOf(args.type, args.props);
    if (!w && args.type !== T.configMap) return;
    const props = w ? w.props : plain(args.props);
    const target = targetOf(args.type, args.name, props, args.urn);
    const r = reporter(POLICY, args, report, "resource");
    if (!w) {
      checkConfigMap(props, target, r);
      return;
    }
    for (const c of w.containers) {
      checkEnv(c, target, r);
      checkArgs(c, target, r);
    }
  },
};
