package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

const chainConfig = `
/* every component the stand-in implements, chained by references */
logging {
  level = "warn"
}

discovery.kubernetes "k" {
  role = "pod"
  namespaces { names = ["a", "b"] }
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("NODE_NAME")
    label = "tier=web"
  }
  selectors {
    role = "node" // not for pods: ignored
    field = "x"
  }
}

discovery.relabel "r" {
  targets = discovery.kubernetes.k.targets
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app"]
    target_label  = "app"
  }
  rule {
    action = "drop"
    source_labels = ["app"]
    regex = "noisy"
  }
}

local.file_match "f" {
  path_targets = discovery.relabel.r.output
  sync_period  = "2s"
}

loki.source.file "s" {
  targets    = local.file_match.f.targets
  forward_to = [loki.process.p.receiver, loki.write.w.receiver,]
}

loki.process "p" {
  stage.static_labels {
    values = { cluster = "e2e", "team" = "platform" }
  }
  stage.output { source = "content" }
  forward_to = [loki.write.w.receiver]
}

loki.write "w" {
  endpoint { url = "http://127.0.0.1:1/loki/api/v1/push" }
  endpoint { url = ` + "`http://127.0.0.2:1/loki/api/v1/push`" + ` }
  external_labels = { origin = "standin" }
}
`

func testPlan(t *testing.T, src string) (*plan, error) {
	t.Helper()
	b, err := parseAlloy("test.alloy", src)
	if err != nil {
		return nil, err
	}
	ev := evaluator{file: "test.alloy", getenv: func(n string) string { return map[string]string{"NODE_NAME": "node-1"}[n] }}
	return buildPlan("test.alloy", b, ev, time.Now, func(string, string) {})
}

func TestPlanFollowsReferences(t *testing.T) {
	p, err := testPlan(t, chainConfig)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.sources) != 1 || len(p.writers) != 1 {
		t.Fatalf("sources %d, writers %d", len(p.sources), len(p.writers))
	}
	s := p.sources[0]
	fm, ok := s.targets.(*fileMatch)
	if !ok || fm.syncPeriod != 2*time.Second {
		t.Fatalf("targets from local.file_match.f every 2s: %#v", s.targets)
	}
	rl := fm.from.(*relabelTargets)
	kp := rl.from.(*kubePods)
	if strings.Join(kp.namespaces, ",") != "a,b" || strings.Join(kp.fieldSelectors, ",") != "spec.nodeName=node-1" ||
		strings.Join(kp.labelSelectors, ",") != "tier=web" || len(rl.rules) != 2 {
		t.Errorf("discovery %+v, rules %d", kp, len(rl.rules))
	}
	if len(s.forwardTo) != 2 {
		t.Fatalf("fan-out to 2 receivers, got %d", len(s.forwardTo))
	}
	proc := s.forwardTo[0].(*processor)
	if len(proc.stages) != 2 || proc.forwardTo[0] != s.forwardTo[1] {
		t.Errorf("loki.process: %d stages, forwarding to the same writer", len(proc.stages))
	}
	w := p.writers[0]
	if len(w.urls) != 2 || w.urls[1] != "http://127.0.0.2:1/loki/api/v1/push" || w.externalLabels["origin"] != "standin" {
		t.Errorf("writer %+v", w)
	}
}

func TestPlanRefusesWhatItDoesNotImplement(t *testing.T) {
	base := "loki.write \"w\" {\n  endpoint { url = \"http://x\" }\n}\n"
	for _, tc := range []struct{ src, want string }{
		{`prometheus.scrape "x" { targets = [] }`, "prometheus.scrape is not implemented"},
		{base + `loki.source.file "s" {
  targets = local.file_match.nope.targets
  forward_to = [loki.write.w.receiver]
}`, "which the file does not declare"},
		{base + `loki.source.file "s" {
  targets = []
  forward_to = [loki.write.w.receiver]
  encoding = "utf-16"
}`, "the argument encoding is not implemented"},
		{base + `loki.process "p" {
  stage.regex { expression = ".*" }
  forward_to = [loki.write.w.receiver]
}`, "the block stage.regex is not implemented"},
		{base + `loki.process "p" {
  stage.json { expressions = { a = "b[0]" } }
  forward_to = [loki.write.w.receiver]
}`, "beyond the stand-in's subset"},
		{base + `loki.process "p" {
  stage.template {
    source = "a"
    template = "{{ sha256 .Value }}"
  }
  forward_to = [loki.write.w.receiver]
}`, "the template is beyond the stand-in"},
		{`discovery.kubernetes "k" { role = "node" }`, "discovers pods only"},
		{`discovery.relabel "r" {
  targets = []
  rule { action = "hashmod" }
}`, "expected a reference"},
		{base, "no loki.source.file"},
		{`loki.write "w" { endpoint { url = 1 - 1 } }`, `the operator "-" is not implemented`},
		{`loki.write "w" { endpoint { url = env("X") } }`, "the function env is not implemented"},
		{`loki.write "w" { endpoint { url = "x }`, "unterminated string"},
		{"loki.write \"w\" { endpoint { url = \"x\n\" } }", "newline in string"},
	} {
		_, err := testPlan(t, tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n got %v, want %q", tc.src, err, tc.want)
		}
	}
}

// TestGeneratedConfig reads the configuration the platform generates (components/logging/
// pipeline.ts, alloyConfig), written to STANDIN_ALLOY_CONFIG by the vitest wrapper
// (test/e2e/standins/standins.test.ts), with the push URL it was generated with.
func TestGeneratedConfig(t *testing.T) {
	path := os.Getenv("STANDIN_ALLOY_CONFIG")
	if path == "" {
		t.Skip("STANDIN_ALLOY_CONFIG not set: run through test/e2e/standins/standins.test.ts")
	}
	b, err := readConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	ev := evaluator{file: path, getenv: func(n string) string { return "node-" + n }}
	p, err := buildPlan(path, b, ev, time.Now, func(string, string) {})
	if err != nil {
		t.Fatalf("the stand-in cannot run the generated configuration: %v", err)
	}
	var urls []string
	for _, w := range p.writers {
		urls = append(urls, w.urls...)
	}
	if want := os.Getenv("STANDIN_EXPECTED_PUSH_URL"); strings.Join(urls, " ") != want {
		t.Errorf("push URLs %v, the pipeline's %q", urls, want)
	}
	var kube *kubePods
	for src := p.sources[0].targets; kube == nil; {
		switch s := src.(type) {
		case *fileMatch:
			src = s.from
		case *relabelTargets:
			src = s.from
		case *kubePods:
			kube = s
		}
	}
	if want := os.Getenv("STANDIN_EXPECTED_NAMESPACES"); strings.Join(kube.namespaces, ",") != want {
		t.Errorf("namespaces %v, the pipeline's %q", kube.namespaces, want)
	}
	if strings.Join(kube.fieldSelectors, ",") != "spec.nodeName=node-NODE_NAME" {
		t.Errorf("the node's pods only, from sys.env(\"NODE_NAME\"): %v", kube.fieldSelectors)
	}
}
