package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// The processing stages of loki.process that the stand-in implements, each with the semantics
// Alloy's documentation gives it (the same the platform's vitest interpreter,
// test/logging/alloy-interpreter.ts, applies): cri, drop, json, template, labels, static_labels,
// output. A stage or an argument it does not implement fails the start, naming it.

// logEntry is one line going through the pipeline.
type logEntry struct {
	labels    map[string]string // the target's labels, then the stages'
	line      string
	ts        time.Time
	extracted map[string]any
	source    string // the file it came from (the key of partial CRI lines)
}

type stage interface {
	// process changes the entry; false drops it.
	process(e *logEntry) bool
}

// criStage: the CRI log format `<RFC3339Nano time> <stdout|stderr> <P|F> <content>`. It sets the
// timestamp, the `stream` label and extracted value, and the line to the content; partial lines
// (P) are held until their final part (F), at most maxPartialLines of them per file.
type criStage struct {
	maxPartialLines int
	partial         map[string][]string
}

var criLine = regexp.MustCompile(`^(?s)(\S+?) (stdout|stderr) (\S+?) (.*)$`)

func (c *criStage) process(e *logEntry) bool {
	m := criLine.FindStringSubmatch(e.line)
	if m == nil {
		return true // not CRI: left alone
	}
	if ts, err := time.Parse(time.RFC3339Nano, m[1]); err == nil {
		e.ts = ts
	}
	e.extracted["time"], e.extracted["stream"], e.extracted["flags"], e.extracted["content"] = m[1], m[2], m[3], m[4]
	e.labels["stream"] = m[2]
	key := e.source + "\x00" + m[2]
	if strings.Contains(m[3], "P") {
		c.partial[key] = append(c.partial[key], m[4])
		if len(c.partial[key]) < c.maxPartialLines {
			return false
		}
		e.line = strings.Join(c.partial[key], "")
		delete(c.partial, key)
		return true
	}
	e.line = strings.Join(append(c.partial[key], m[4]), "")
	delete(c.partial, key)
	return true
}

// dropStage drops entries older than olderThan, and/or those whose `source` extracted value
// equals `value` or matches `expression`; each drop counts under dropCounterReason.
type dropStage struct {
	olderThan   time.Duration
	source      string
	value       *string
	expression  *regexp.Regexp
	reason      string
	now         func() time.Time
	countDropFn func(reason string)
}

func (d *dropStage) process(e *logEntry) bool {
	drop := false
	conditions := 0
	if d.olderThan > 0 {
		conditions++
		drop = e.ts.Before(d.now().Add(-d.olderThan))
	}
	if d.value != nil || d.expression != nil {
		v, ok := e.extracted[d.source]
		s := stringValue(v)
		match := ok && (d.value != nil && s == *d.value || d.expression != nil && d.expression.MatchString(s))
		if conditions == 0 {
			drop = match
		} else {
			drop = drop && match // every condition given must hold
		}
	}
	if drop {
		d.countDropFn(d.reason)
	}
	return !drop
}

// jsonStage extracts values from the line (or an extracted value) with JMESPath expressions of
// the form `a || b.c` (the first truthy value wins); a line that is not JSON is left alone.
type jsonStage struct {
	names         []string
	paths         [][][]string // per name: alternatives, each a path of keys
	source        string
	dropMalformed bool
}

var jmesKey = regexp.MustCompile(`^(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*")$`)

// parseJMESPath reads `a || b.c || "quoted-key"`; anything else fails the start.
func parseJMESPath(expression string) ([][]string, error) {
	var alternatives [][]string
	for _, alt := range strings.Split(expression, "||") {
		var path []string
		for _, key := range strings.Split(strings.TrimSpace(alt), ".") {
			if !jmesKey.MatchString(key) {
				return nil, fmt.Errorf("the JMESPath expression %q is beyond the stand-in's subset (keys, a.b paths and ||)", expression)
			}
			if strings.HasPrefix(key, `"`) {
				key, _ = strconv.Unquote(key)
			}
			path = append(path, key)
		}
		alternatives = append(alternatives, path)
	}
	return alternatives, nil
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

func (j *jsonStage) process(e *logEntry) bool {
	text := e.line
	if j.source != "" {
		s, ok := e.extracted[j.source].(string)
		if !ok {
			return true
		}
		text = s
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return !j.dropMalformed
	}
	for i, name := range j.names {
		var found any
		for _, path := range j.paths[i] {
			var v any = doc
			for _, key := range path {
				obj, ok := v.(map[string]any)
				if !ok {
					v = nil
					break
				}
				v = obj[key]
			}
			if truthy(v) {
				found = v
				break
			}
		}
		if found != nil {
			e.extracted[name] = found
		}
	}
	return true
}

// stringValue converts an extracted value the way the labels and template stages read it.
func stringValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// templateStage sets extracted[source] to a Go text/template's result; `.Value` is the current
// value, `.Entry` the line, and the other extracted values are fields. Nothing when source is
// absent; an empty result removes it.
type templateStage struct {
	source string
	tmpl   *template.Template
}

var templateFuncs = template.FuncMap{
	"ToLower": strings.ToLower, "ToUpper": strings.ToUpper, "Replace": strings.Replace,
	"Trim": strings.Trim, "TrimLeft": strings.TrimLeft, "TrimRight": strings.TrimRight,
	"TrimPrefix": strings.TrimPrefix, "TrimSuffix": strings.TrimSuffix, "TrimSpace": strings.TrimSpace,
}

func (t *templateStage) process(e *logEntry) bool {
	v, ok := e.extracted[t.source]
	if !ok {
		return true
	}
	data := map[string]any{}
	for k, x := range e.extracted {
		data[k] = stringValue(x)
	}
	data["Value"] = stringValue(v)
	data["Entry"] = e.line
	var out bytes.Buffer
	if err := t.tmpl.Execute(&out, data); err != nil {
		return true // Alloy logs the failure and leaves the value
	}
	if out.Len() == 0 {
		delete(e.extracted, t.source)
	} else {
		e.extracted[t.source] = out.String()
	}
	return true
}

// labelsStage sets label name from extracted[from] (from = the name when empty), when non-empty.
type labelsStage struct{ values map[string]string }

func (l *labelsStage) process(e *logEntry) bool {
	for name, from := range l.values {
		if from == "" {
			from = name
		}
		if s := stringValue(e.extracted[from]); s != "" {
			e.labels[name] = s
		}
	}
	return true
}

type staticLabelsStage struct{ values map[string]string }

func (s *staticLabelsStage) process(e *logEntry) bool {
	for k, v := range s.values {
		e.labels[k] = v
	}
	return true
}

// outputStage replaces the line with an extracted value.
type outputStage struct{ source string }

func (o *outputStage) process(e *logEntry) bool {
	if v, ok := e.extracted[o.source]; ok {
		e.line = stringValue(v)
	}
	return true
}
