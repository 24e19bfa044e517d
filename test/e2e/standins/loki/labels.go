package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A stream's label set, sorted by name, and its canonical text `{a="1", b="2"}` (the form Loki
// prints and takes in a protobuf push).

type label struct{ Name, Value string }

type labelSet []label

var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// newLabelSet sorts `m` and drops empty values (Loki never stores a label with an empty value).
func newLabelSet(m map[string]string) labelSet {
	out := make(labelSet, 0, len(m))
	for k, v := range m {
		if v != "" {
			out = append(out, label{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (ls labelSet) get(name string) (string, bool) {
	for _, l := range ls {
		if l.Name == name {
			return l.Value, true
		}
	}
	return "", false
}

func (ls labelSet) String() string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.Name + "=" + strconv.Quote(l.Value)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (ls labelSet) Map() map[string]string {
	m := make(map[string]string, len(ls))
	for _, l := range ls {
		m[l.Name] = l.Value
	}
	return m
}

// Loki's default limits on a stream's labels (limits_config: max_label_names_per_series,
// max_label_name_length, max_label_value_length).
const (
	maxLabelNames       = 15
	maxLabelNameLength  = 1024
	maxLabelValueLength = 2048
)

// validate applies Loki's checks to a pushed label set.
func (ls labelSet) validate() error {
	if len(ls) == 0 {
		return fmt.Errorf("error at least one label pair is required per stream")
	}
	if len(ls) > maxLabelNames {
		return fmt.Errorf("stream '%s' has %d label names; limit %d", ls, len(ls), maxLabelNames)
	}
	for i, l := range ls {
		if !labelName.MatchString(l.Name) {
			return fmt.Errorf("stream '%s' has invalid label name: '%s'", ls, l.Name)
		}
		if len(l.Name) > maxLabelNameLength {
			return fmt.Errorf("stream '%s' has label name too long: '%s'", ls, l.Name)
		}
		if len(l.Value) > maxLabelValueLength {
			return fmt.Errorf("stream '%s' has label value too long: '%s'", ls, l.Value)
		}
		if i > 0 && ls[i-1].Name == l.Name {
			return fmt.Errorf("stream '%s' has duplicate label name: '%s'", ls, l.Name)
		}
	}
	return nil
}

// withServiceName adds `service_name` as Loki 3 does at ingestion (limits_config
// discover_service_name): the value of the first label of `from` the stream has, else
// "unknown_service"; nothing when the stream has one already or `from` is empty.
func (ls labelSet) withServiceName(from []string) labelSet {
	if len(from) == 0 {
		return ls
	}
	if _, ok := ls.get("service_name"); ok {
		return ls
	}
	value := "unknown_service"
	for _, name := range from {
		if v, ok := ls.get(name); ok {
			value = v
			break
		}
	}
	m := ls.Map()
	m["service_name"] = value
	return newLabelSet(m)
}
