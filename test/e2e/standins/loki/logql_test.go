package main

import (
	"errors"
	"strings"
	"testing"
)

func TestParseQuerySelectorsAndFilters(t *testing.T) {
	q, isMetric, err := parseQuery(`{service="content", level!="debug", pod=~"web-.*", stream!~"std(in|out)",} |= "refused" != ` + "`health`" + ` |~ "5\\d\\d" !~ "GET /ready"`)
	if err != nil || isMetric {
		t.Fatalf("parse: %v (metric %v)", err, isMetric)
	}
	if len(q.Matchers) != 4 || len(q.Filters) != 4 {
		t.Fatalf("got %d matchers and %d filters", len(q.Matchers), len(q.Filters))
	}
	ls := newLabelSet(map[string]string{"service": "content", "level": "error", "pod": "web-1", "stream": "stderr"})
	if !q.selects(ls) {
		t.Errorf("should select %s", ls)
	}
	for _, other := range []map[string]string{
		{"service": "content", "level": "debug", "pod": "web-1", "stream": "stderr"},
		{"service": "content", "level": "error", "pod": "worker-1", "stream": "stderr"},
		{"service": "content", "level": "error", "pod": "web-1", "stream": "stdout"},
		{"service": "contentx", "level": "error", "pod": "web-1", "stream": "stderr"},
	} {
		if q.selects(newLabelSet(other)) {
			t.Errorf("should not select %v", other)
		}
	}
	if !q.keeps("connection refused with 503") {
		t.Error("line filters should keep a refused 503")
	}
	for _, line := range []string{"connection refused", "refused 503 health", "refused 503 GET /ready", "all good 503"} {
		if q.keeps(line) {
			t.Errorf("line filters should drop %q", line)
		}
	}
}

func TestParseQueryMatcherSemantics(t *testing.T) {
	q, _, err := parseQuery(`{service="a", team=""}`)
	if err != nil {
		t.Fatal(err)
	}
	if !q.selects(newLabelSet(map[string]string{"service": "a"})) {
		t.Error(`team="" should match a stream without team`)
	}
	if q.selects(newLabelSet(map[string]string{"service": "a", "team": "x"})) {
		t.Error(`team="" should not match team="x"`)
	}
	anchored, _, _ := parseQuery(`{service=~"con"}`)
	if anchored.selects(newLabelSet(map[string]string{"service": "content"})) {
		t.Error("label regexps are anchored")
	}
	unanchored, _, _ := parseQuery(`{service="a"} |~ "fus"`)
	if !unanchored.keeps("refused") {
		t.Error("line filter regexps are not anchored")
	}
}

func TestParseQueryRefusals(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{``, "starts with a stream selector"},
		{`service="a"`, "starts with a stream selector"},
		{`{}`, "at least one matcher"},
		{`{a=~".*"}`, "empty-compatible"},
		{`{a!="x"}`, "empty-compatible"},
		{`{a="x"`, "unexpected end"},
		{`{a=x}`, "expected a string"},
		{`{a=="x"}`, "expected a string"},
		{`{a="x"} |= "y`, "unterminated"},
		{`{a="x"} error`, "unexpected"},
		{`{a=~"("}`, "invalid regular expression"},
		{`{1a="x"}`, "expected a label name"},
	} {
		_, _, err := parseQuery(tc.query)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.query, err, tc.want)
		}
	}
	for _, q := range []string{`{a="x"} | json`, `{a="x"} | level="error"`, `{a="x"} |= "a" or "b"`} {
		_, _, err := parseQuery(q)
		var unsupported errUnsupported
		if !errors.As(err, &unsupported) {
			t.Errorf("%s: got %v, want the stand-in's 'not supported'", q, err)
		}
	}
	if _, isMetric, err := parseQuery(`count_over_time({a="x"}[5m])`); err != nil || !isMetric {
		t.Errorf("a metric query is recognised as one: %v %v", isMetric, err)
	}
}

func TestParseLabels(t *testing.T) {
	ls, err := parseLabels(`{service="content", level="error"}`)
	if err != nil || ls.String() != `{level="error", service="content"}` {
		t.Fatalf("got %s, %v", ls, err)
	}
	if _, err := parseLabels(`{service=~"c.*"}`); err == nil {
		t.Error("a label set has only =")
	}
}
