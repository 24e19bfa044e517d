package main

import (
	"fmt"
	"regexp"
	"strings"
)

// Prometheus relabelling, as discovery.relabel's `rule` blocks document it: the source labels'
// values joined by `separator` (";") are matched against the fully anchored `regex` ("(.*)"),
// and the action applies. Implemented: replace (the default), keep, drop, labelmap, labeldrop,
// labelkeep; any other action fails the start.

type target map[string]string

type relabelRule struct {
	sourceLabels []string
	separator    string
	regex        *regexp.Regexp
	targetLabel  string
	replacement  string
	action       string
}

var relabelActions = map[string]bool{"replace": true, "keep": true, "drop": true, "labelmap": true, "labeldrop": true, "labelkeep": true}

func newRelabelRule(sourceLabels []string, separator, regex, targetLabel, replacement, action string) (relabelRule, error) {
	if !relabelActions[action] {
		return relabelRule{}, fmt.Errorf("the relabel action %q is not implemented by the log-shipper stand-in", action)
	}
	re, err := regexp.Compile("^(?:" + regex + ")$")
	if err != nil {
		return relabelRule{}, fmt.Errorf("invalid relabel regex %q: %v", regex, err)
	}
	if action == "replace" && targetLabel == "" {
		return relabelRule{}, fmt.Errorf("a replace rule needs target_label")
	}
	return relabelRule{sourceLabels, separator, re, targetLabel, replacement, action}, nil
}

// relabel applies the rules in order; nil when a keep or drop rule removes the target.
func relabel(t target, rules []relabelRule) target {
	out := make(target, len(t))
	for k, v := range t {
		out[k] = v
	}
	for _, r := range rules {
		values := make([]string, len(r.sourceLabels))
		for i, name := range r.sourceLabels {
			values[i] = out[name]
		}
		joined := strings.Join(values, r.separator)
		switch r.action {
		case "replace":
			m := r.regex.FindStringSubmatchIndex(joined)
			if m == nil {
				continue
			}
			name := string(r.regex.ExpandString(nil, r.targetLabel, joined, m))
			value := string(r.regex.ExpandString(nil, r.replacement, joined, m))
			if value == "" {
				delete(out, name)
			} else {
				out[name] = value
			}
		case "keep":
			if !r.regex.MatchString(joined) {
				return nil
			}
		case "drop":
			if r.regex.MatchString(joined) {
				return nil
			}
		case "labelmap":
			mapped := target{}
			for k, v := range out {
				if m := r.regex.FindStringSubmatchIndex(k); m != nil {
					mapped[string(r.regex.ExpandString(nil, r.replacement, k, m))] = v
				}
			}
			for k, v := range mapped {
				out[k] = v
			}
		case "labeldrop":
			for k := range out {
				if r.regex.MatchString(k) {
					delete(out, k)
				}
			}
		case "labelkeep":
			for k := range out {
				if !r.regex.MatchString(k) {
					delete(out, k)
				}
			}
		}
	}
	return out
}
