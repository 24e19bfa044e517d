package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"platform.local/e2e-standins/pushapi"
)

// A fake API server and a fake Loki around the shipper's own pieces: pods discovered with the
// ServiceAccount token, files under a host root read, rotated and removed, lines pushed.

type fakeLoki struct {
	mu      sync.Mutex
	streams []pushapi.Stream
}

func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req pushapi.Request
	if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, "bad push", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.streams = append(f.streams, req.Streams...)
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeLoki) lines() map[string]map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]map[string]string{}
	for _, s := range f.streams {
		for _, e := range s.Entries {
			out[e.Line] = s.Labels
		}
	}
	return out
}

func podList(node string) string {
	return fmt.Sprintf(`{"items":[{
  "metadata":{"name":"content-web-1","namespace":"platform","uid":"uid-1",
    "labels":{"app.kubernetes.io/name":"content","app.kubernetes.io/component":"web"},
    "ownerReferences":[{"kind":"ReplicaSet","name":"content-web","controller":true}]},
  "spec":{"nodeName":%q,"containers":[{"name":"php","image":"content:1"}]},
  "status":{"phase":"Running","podIP":"10.0.0.7","conditions":[{"type":"Ready","status":"True"}],
    "containerStatuses":[{"name":"php","containerID":"containerd://abc"}]}}]}`, node)
}

func TestShipperEndToEnd(t *testing.T) {
	saDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(saDir, "token"), []byte("secret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var apiCalls []string
	var apiMu sync.Mutex
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiMu.Lock()
		apiCalls = append(apiCalls, r.URL.Path+"?"+r.URL.RawQuery)
		apiMu.Unlock()
		if r.Header.Get("Authorization") != "Bearer secret-token" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(podList("node-1")))
	}))
	defer api.Close()
	loki := &fakeLoki{}
	lokiServer := httptest.NewServer(loki)
	defer lokiServer.Close()

	root := t.TempDir()
	logDir := filepath.Join(root, "var/log/pods/platform_content-web-1_uid-1/php")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(logDir, "0.log")
	now := time.Now().UTC()
	cri := func(stream, line string) string {
		return fmt.Sprintf("%s %s F %s\n", now.Format(time.RFC3339Nano), stream, line)
	}
	if err := os.WriteFile(logFile, []byte(cri("stderr", `{"level_name":"ERROR","level":400}`)+"2026-12-01T10:00:00Z stdout F incomplete"), 0o644); err != nil {
		t.Fatal(err)
	}

	config := strings.ReplaceAll(`
discovery.kubernetes "pods" {
  role = "pod"
  namespaces { names = ["platform"] }
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("NODE_NAME")
  }
}
discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "service"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }
}
local.file_match "pods" { path_targets = discovery.relabel.pods.output }
loki.source.file "pods" {
  targets    = local.file_match.pods.targets
  forward_to = [loki.process.pods.receiver]
}
loki.process "pods" {
  stage.cri {}
  stage.json { expressions = { level = "level_name || level" } }
  stage.template {
    source = "level"
    template = "{{ ToLower .Value }}"
  }
  stage.labels { values = { level = "" } }
  forward_to = [loki.write.default.receiver]
}
loki.write "default" { endpoint { url = "LOKI" } }
`, "LOKI", lokiServer.URL+"/loki/api/v1/push")
	b, err := parseAlloy("test.alloy", config)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"NODE_NAME": "node-1", "LOG_SHIPPER_STANDIN_API_SERVER": api.URL, "LOG_SHIPPER_STANDIN_SERVICEACCOUNT_DIR": saDir}
	getenv := func(n string) string { return env[n] }
	m := newMetrics()
	p, err := buildPlan("test.alloy", b, evaluator{file: "test.alloy", getenv: getenv}, time.Now, func(string, string) {})
	if err != nil {
		t.Fatal(err)
	}
	pos, _ := loadPositions(t.TempDir())
	s := &shipper{
		plan: p, writers: map[string]*lokiWriter{}, readers: map[string]*tailer{}, positions: pos, metrics: m,
		now: time.Now, pollInterval: 20 * time.Millisecond,
		disc: &discoverer{hostRoot: root, kube: func() (*kubeClient, error) { return newKubeClient(getenv) }},
	}
	w := newLokiWriter(p.writers[0], m)
	w.batchWait = 20 * time.Millisecond
	s.writers[p.writers[0].name] = w
	wctx, stopWriter := context.WithCancel(context.Background())
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); w.run(wctx) }()
	ctx, cancel := context.WithCancel(context.Background())
	shipped := make(chan struct{})
	go func() { defer close(shipped); s.run(ctx) }()

	waitFor := func(what string, ok func(map[string]map[string]string) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok(loki.lines()) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: Loki received %v", what, loki.lines())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	errorLine := `{"level_name":"ERROR","level":400}`
	waitFor("the first line", func(l map[string]map[string]string) bool { return l[errorLine] != nil })
	labels := loki.lines()[errorLine]
	want := map[string]string{"service": "content", "level": "error", "stream": "stderr", "filename": "/var/log/pods/platform_content-web-1_uid-1/php/0.log"}
	for k, v := range want {
		if labels[k] != v {
			t.Errorf("label %s = %q, want %q (all: %v)", k, labels[k], v, labels)
		}
	}
	for k := range labels {
		if strings.HasPrefix(k, "__") {
			t.Errorf("an internal label was sent: %s", k)
		}
	}
	if _, ok := loki.lines()["incomplete"]; ok {
		t.Error("a line without its newline is not shipped yet")
	}

	// The rest of the line, then the kubelet's rotation: 0.log renamed, a new 0.log.
	f, _ := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0)
	_, _ = f.WriteString(" now complete\n" + cri("stdout", "before rotation"))
	_ = f.Close()
	time.Sleep(100 * time.Millisecond)
	if err := os.Rename(logFile, logFile+".20261201-100000"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(logFile, []byte(cri("stdout", "after rotation")), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor("lines around the rotation", func(l map[string]map[string]string) bool {
		return l["incomplete now complete"] != nil && l["before rotation"] != nil && l["after rotation"] != nil
	})
	cancel()
	<-shipped
	stopWriter()
	<-writerDone
	apiMu.Lock()
	defer apiMu.Unlock()
	if len(apiCalls) == 0 || apiCalls[0] != "/api/v1/namespaces/platform/pods?fieldSelector=spec.nodeName%3Dnode-1" {
		t.Errorf("the API is asked for this node's pods of the namespace: %v", apiCalls)
	}
	if m.get("loki_write_sent_entries_total", "component_id", "loki.write.default") < 4 {
		t.Errorf("sent entries counted: %v", m.values)
	}
}
