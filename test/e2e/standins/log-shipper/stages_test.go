package main

import (
	"testing"
	"text/template"
	"time"
)

func TestRelabelRules(t *testing.T) {
	mustRule := func(sources []string, sep, regex, target, replacement, action string) relabelRule {
		r, err := newRelabelRule(sources, sep, regex, target, replacement, action)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	in := target{"__meta_kubernetes_pod_uid": "u-1", "__meta_kubernetes_pod_container_name": "php", "__meta_kubernetes_namespace": "platform"}
	out := relabel(in, []relabelRule{
		mustRule([]string{"__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"}, "/", "(.*)", "__path__", "/var/log/pods/*$1/*.log", "replace"),
		mustRule([]string{"__meta_kubernetes_namespace"}, ";", "(.*)", "namespace", "$1", "replace"),
		mustRule([]string{"__meta_kubernetes_pod_label_missing"}, ";", "(.*)", "service", "$1", "replace"),
		mustRule(nil, ";", "__meta_kubernetes_pod_(uid)", "", "pod_$1", "labelmap"),
	})
	if out["__path__"] != "/var/log/pods/*u-1/php/*.log" || out["namespace"] != "platform" || out["pod_uid"] != "u-1" {
		t.Errorf("replace and labelmap: %v", out)
	}
	if _, ok := out["service"]; ok {
		t.Error("a replace with an empty result sets no label")
	}
	if in["namespace"] != "" {
		t.Error("relabel does not change its input")
	}
	keep := mustRule([]string{"__meta_kubernetes_namespace"}, ";", "plat.*", "", "$1", "keep")
	drop := mustRule([]string{"__meta_kubernetes_namespace"}, ";", "plat.*", "", "$1", "drop")
	if relabel(in, []relabelRule{keep}) == nil || relabel(in, []relabelRule{drop}) != nil {
		t.Error("keep and drop")
	}
	if out := relabel(in, []relabelRule{mustRule(nil, ";", "__meta_.*", "", "$1", "labeldrop")}); len(out) != 0 {
		t.Errorf("labeldrop: %v", out)
	}
	if _, err := newRelabelRule(nil, ";", "(.*)", "x", "$1", "hashmod"); err == nil {
		t.Error("an action the stand-in does not implement fails")
	}
}

func entryOf(line string) *logEntry {
	return &logEntry{labels: map[string]string{}, line: line, ts: time.Date(2026, 12, 1, 10, 0, 5, 0, time.UTC), extracted: map[string]any{}, source: "f"}
}

func TestCRIStage(t *testing.T) {
	c := &criStage{maxPartialLines: 100, partial: map[string][]string{}}
	e := entryOf("2026-12-01T10:00:03.123456789Z stderr F {\"level\":\"ERROR\"}")
	if !c.process(e) || e.line != `{"level":"ERROR"}` || e.labels["stream"] != "stderr" ||
		!e.ts.Equal(time.Date(2026, 12, 1, 10, 0, 3, 123456789, time.UTC)) {
		t.Errorf("a full line: %+v", e)
	}
	first, second := entryOf("2026-12-01T10:00:03Z stdout P part one, "), entryOf("2026-12-01T10:00:03Z stdout F part two")
	if c.process(first) {
		t.Error("a partial line is held")
	}
	if !c.process(second) || second.line != "part one, part two" {
		t.Errorf("joined with its final part: %q", second.line)
	}
	plain := entryOf("not a CRI line")
	if !c.process(plain) || plain.line != "not a CRI line" || len(plain.labels) != 0 {
		t.Errorf("a line that is not CRI is left alone: %+v", plain)
	}
	small := &criStage{maxPartialLines: 2, partial: map[string][]string{}}
	small.process(entryOf("2026-12-01T10:00:03Z stdout P a"))
	flushed := entryOf("2026-12-01T10:00:03Z stdout P b")
	if !small.process(flushed) || flushed.line != "ab" {
		t.Errorf("max_partial_lines flushes: %q", flushed.line)
	}
}

func TestDropJSONTemplateLabelsStages(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 12, 1, 10, 0, 5, 0, time.UTC) }
	drops := map[string]int{}
	drop := &dropStage{olderThan: time.Hour, reason: "too_old", now: now, countDropFn: func(r string) { drops[r]++ }}
	old := entryOf("x")
	old.ts = now().Add(-2 * time.Hour)
	if drop.process(old) || !drop.process(entryOf("y")) || drops["too_old"] != 1 {
		t.Errorf("older_than: %v", drops)
	}
	paths, err := parseJMESPath("level_name || level")
	if err != nil {
		t.Fatal(err)
	}
	j := &jsonStage{names: []string{"level"}, paths: [][][]string{paths}}
	tmpl := &templateStage{source: "level", tmpl: template.Must(template.New("t").Funcs(templateFuncs).Parse("{{ ToLower .Value }}"))}
	labels := &labelsStage{values: map[string]string{"level": "", "severity": "level"}}
	for line, want := range map[string]string{
		`{"level":400,"level_name":"ERROR"}`:     "error",
		`{"level":"NOTICE","monolog_level":250}`: "notice",
		`{"level":"","level_name":"","x":1}`:     "",
		`{"level":200}`:                          "200",
		`PHP Fatal error: not JSON`:              "",
	} {
		e := entryOf(line)
		for _, s := range []stage{j, tmpl, labels} {
			if !s.process(e) {
				t.Fatalf("%s dropped", line)
			}
		}
		if e.labels["level"] != want || e.labels["severity"] != want || e.line != line {
			t.Errorf("%s: labels %v, want level %q and the line unchanged", line, e.labels, want)
		}
	}
	nested, _ := parseJMESPath(`context."http-status" || missing`)
	e := entryOf(`{"context":{"http-status":503}}`)
	(&jsonStage{names: []string{"status"}, paths: [][][]string{nested}}).process(e)
	if stringValue(e.extracted["status"]) != "503" {
		t.Errorf("a.b paths and quoted keys: %v", e.extracted)
	}
	static := &staticLabelsStage{values: map[string]string{"cluster": "e2e"}}
	out := &outputStage{source: "status"}
	static.process(e)
	out.process(e)
	if e.labels["cluster"] != "e2e" || e.line != "503" {
		t.Errorf("static_labels and output: %+v", e)
	}
}
