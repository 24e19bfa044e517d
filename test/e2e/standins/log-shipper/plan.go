package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"time"
)

// From the parsed Alloy file to what the stand-in runs: each loki.source.file with the chain of
// components its `targets` come from (discovery.kubernetes -> discovery.relabel -> local.file_match,
// in any order the references give) and the receivers its entries go to (loki.process ->
// loki.write). Everything is read from the file: namespaces, field selectors, relabel rules, stages
// and the push URL. A component, block or attribute the stand-in does not implement fails the
// start with its position, rather than being ignored.

// targetSource yields the current targets of a chain.
type targetSource interface{ id() string }

type kubePods struct {
	name           string
	namespaces     []string // empty: all namespaces
	fieldSelectors []string
	labelSelectors []string
}

type relabelTargets struct {
	name  string
	from  targetSource
	rules []relabelRule
}

type fileMatch struct {
	name       string
	from       targetSource
	syncPeriod time.Duration
}

func (k *kubePods) id() string       { return k.name }
func (r *relabelTargets) id() string { return r.name }
func (f *fileMatch) id() string      { return f.name }

// receiver takes entries: a processor or a writer.
type receiver interface{ id() string }

type processor struct {
	name      string
	stages    []stage
	forwardTo []receiver
}

type writer struct {
	name           string
	urls           []string
	externalLabels map[string]string
}

func (p *processor) id() string { return p.name }
func (w *writer) id() string    { return w.name }

type fileSource struct {
	name        string
	targets     targetSource
	forwardTo   []receiver
	tailFromEnd bool
}

type plan struct {
	sources []*fileSource
	writers []*writer
}

type planner struct {
	ev         evaluator
	components map[string]*block
	sources    map[string]targetSource
	receivers  map[string]receiver
	building   map[string]bool
	now        func() time.Time
	countDrop  func(component, reason string)
}

// Components the stand-in implements, and the top-level configuration blocks it accepts.
var implemented = map[string]bool{
	"discovery.kubernetes": true, "discovery.relabel": true, "local.file_match": true,
	"loki.source.file": true, "loki.process": true, "loki.write": true,
}

func buildPlan(file string, b body, ev evaluator, now func() time.Time, countDrop func(component, reason string)) (*plan, error) {
	p := &planner{
		ev: ev, components: map[string]*block{}, sources: map[string]targetSource{},
		receivers: map[string]receiver{}, building: map[string]bool{}, now: now, countDrop: countDrop,
	}
	if len(b.attrs) > 0 {
		return nil, ev.errorf(b.attrs[0].at, "unexpected top-level attribute %s", b.attrs[0].name)
	}
	for _, blk := range b.blocks {
		if blk.name == "logging" && blk.label == "" {
			continue // Alloy's own logging: the stand-in logs start-up, errors and shutdown only
		}
		if !implemented[blk.name] {
			return nil, ev.errorf(blk.at, "the component %s is not implemented by the log-shipper stand-in (it runs %s)",
				blk.name, strings.Join(sortedKeys(implemented), ", "))
		}
		if blk.label == "" {
			return nil, ev.errorf(blk.at, "%s needs a label", blk.name)
		}
		id := blk.name + "." + blk.label
		if p.components[id] != nil {
			return nil, ev.errorf(blk.at, "%s is declared twice", id)
		}
		p.components[id] = blk
	}
	out := &plan{}
	for _, id := range sortedKeys(p.components) {
		blk := p.components[id]
		switch blk.name {
		case "loki.source.file":
			s, err := p.fileSource(id, blk)
			if err != nil {
				return nil, err
			}
			out.sources = append(out.sources, s)
		case "loki.write":
			r, err := p.receiver(id)
			if err != nil {
				return nil, err
			}
			out.writers = append(out.writers, r.(*writer))
		case "loki.process":
			// Built even when nothing forwards to it, as Alloy evaluates every component.
			if _, err := p.receiver(id); err != nil {
				return nil, err
			}
		default:
			if _, err := p.targets(id); err != nil {
				return nil, err
			}
		}
	}
	if len(out.sources) == 0 {
		return nil, fmt.Errorf("%s: no loki.source.file: nothing to ship", file)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// args checks a block's attributes and sub-blocks against what the stand-in implements.
func (p *planner) args(blk *block, attrs []string, blocks []string) (map[string]expr, error) {
	allowed := map[string]bool{}
	for _, a := range attrs {
		allowed[a] = true
	}
	out := map[string]expr{}
	for _, a := range blk.attrs {
		if !allowed[a.name] {
			return nil, p.ev.errorf(a.at, "%s: the argument %s is not implemented by the log-shipper stand-in", blk.name, a.name)
		}
		out[a.name] = a.value
	}
	allowedBlocks := map[string]bool{}
	for _, b := range blocks {
		allowedBlocks[b] = true
	}
	for _, b := range blk.blocks {
		if !allowedBlocks[b.name] {
			return nil, p.ev.errorf(b.at, "%s: the block %s is not implemented by the log-shipper stand-in", blk.name, b.name)
		}
	}
	return out, nil
}

func require(p *planner, blk *block, args map[string]expr, names ...string) error {
	for _, n := range names {
		if args[n] == nil {
			return p.ev.errorf(blk.at, "%s %q: %s is required", blk.name, blk.label, n)
		}
	}
	return nil
}

// reference resolves `component.export` to the component's id, checking the export's name.
func (p *planner) reference(e expr, export string) (string, error) {
	ref, ok := e.(refExpr)
	if !ok || len(ref.path) < 2 {
		return "", p.ev.errorf(e.position(), "expected a reference to a component's %s", export)
	}
	id := strings.Join(ref.path[:len(ref.path)-1], ".")
	if p.components[id] == nil {
		return "", p.ev.errorf(ref.at, "%s refers to %s, which the file does not declare", strings.Join(ref.path, "."), id)
	}
	if got := ref.path[len(ref.path)-1]; got != export {
		return "", p.ev.errorf(ref.at, "%s: expected %s.%s", strings.Join(ref.path, "."), id, export)
	}
	return id, nil
}

// targetExports: the export through which each kind of component hands on its targets.
var targetExports = map[string]string{
	"discovery.kubernetes": "targets", "discovery.relabel": "output", "local.file_match": "targets",
}

// targetsOf resolves a reference to targets (discovery.relabel.x.output, local.file_match.x.targets...).
func (p *planner) targetsOf(e expr) (targetSource, error) {
	ref, ok := e.(refExpr)
	if !ok || len(ref.path) < 2 {
		return nil, p.ev.errorf(e.position(), "expected a reference to a component's targets")
	}
	id := strings.Join(ref.path[:len(ref.path)-1], ".")
	blk := p.components[id]
	if blk == nil {
		return nil, p.ev.errorf(ref.at, "%s refers to %s, which the file does not declare", strings.Join(ref.path, "."), id)
	}
	if targetExports[blk.name] == "" {
		return nil, p.ev.errorf(ref.at, "%s: targets come from discovery.kubernetes, discovery.relabel or local.file_match", strings.Join(ref.path, "."))
	}
	id, err := p.reference(e, targetExports[blk.name])
	if err != nil {
		return nil, err
	}
	return p.targets(id)
}

func (p *planner) references(e expr, export string) ([]string, error) {
	list, ok := e.(listExpr)
	if !ok {
		return nil, p.ev.errorf(e.position(), "expected a list of %s references", export)
	}
	var ids []string
	for _, item := range list.items {
		id, err := p.reference(item, export)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (p *planner) enter(id string) error {
	if p.building[id] {
		return fmt.Errorf("%s is part of a reference cycle", id)
	}
	p.building[id] = true
	return nil
}

func (p *planner) fileSource(id string, blk *block) (*fileSource, error) {
	args, err := p.args(blk, []string{"targets", "forward_to", "tail_from_end"}, nil)
	if err != nil {
		return nil, err
	}
	if err := require(p, blk, args, "targets", "forward_to"); err != nil {
		return nil, err
	}
	s := &fileSource{name: id}
	if args["tail_from_end"] != nil {
		if s.tailFromEnd, err = p.ev.boolean(args["tail_from_end"]); err != nil {
			return nil, err
		}
	}
	if s.targets, err = p.targetsOf(args["targets"]); err != nil {
		return nil, err
	}
	ids, err := p.references(args["forward_to"], "receiver")
	if err != nil {
		return nil, err
	}
	for _, rid := range ids {
		r, err := p.receiver(rid)
		if err != nil {
			return nil, err
		}
		s.forwardTo = append(s.forwardTo, r)
	}
	return s, nil
}

// targets builds the target source `id` exports (its `targets` or `output`).
func (p *planner) targets(id string) (targetSource, error) {
	if s := p.sources[id]; s != nil {
		return s, nil
	}
	if err := p.enter(id); err != nil {
		return nil, err
	}
	blk := p.components[id]
	var src targetSource
	var err error
	switch blk.name {
	case "discovery.kubernetes":
		src, err = p.kubePods(id, blk)
	case "discovery.relabel":
		src, err = p.relabel(id, blk)
	case "local.file_match":
		src, err = p.fileMatch(id, blk)
	default:
		err = p.ev.errorf(blk.at, "%s does not export targets", id)
	}
	if err != nil {
		return nil, err
	}
	p.sources[id] = src
	return src, nil
}

func (p *planner) kubePods(id string, blk *block) (targetSource, error) {
	args, err := p.args(blk, []string{"role"}, []string{"namespaces", "selectors"})
	if err != nil {
		return nil, err
	}
	if err := require(p, blk, args, "role"); err != nil {
		return nil, err
	}
	role, err := p.ev.str(args["role"])
	if err != nil {
		return nil, err
	}
	if role != "pod" {
		return nil, p.ev.errorf(args["role"].position(), "discovery.kubernetes role %q: the stand-in discovers pods only", role)
	}
	k := &kubePods{name: id}
	for _, sub := range blk.blocks {
		switch sub.name {
		case "namespaces":
			a, err := p.args(sub, []string{"names", "own_namespace"}, nil)
			if err != nil {
				return nil, err
			}
			if a["own_namespace"] != nil {
				return nil, p.ev.errorf(sub.at, "namespaces: own_namespace is not implemented by the log-shipper stand-in")
			}
			if a["names"] != nil {
				if k.namespaces, err = p.ev.strList(a["names"]); err != nil {
					return nil, err
				}
			}
		case "selectors":
			a, err := p.args(sub, []string{"role", "field", "label"}, nil)
			if err != nil {
				return nil, err
			}
			if a["role"] == nil {
				return nil, p.ev.errorf(sub.at, "selectors: role is required")
			}
			r, err := p.ev.str(a["role"])
			if err != nil {
				return nil, err
			}
			if r != "pod" {
				continue // selectors of other roles do not apply to pods
			}
			if a["field"] != nil {
				f, err := p.ev.str(a["field"])
				if err != nil {
					return nil, err
				}
				k.fieldSelectors = append(k.fieldSelectors, f)
			}
			if a["label"] != nil {
				l, err := p.ev.str(a["label"])
				if err != nil {
					return nil, err
				}
				k.labelSelectors = append(k.labelSelectors, l)
			}
		}
	}
	return k, nil
}

func (p *planner) relabel(id string, blk *block) (targetSource, error) {
	args, err := p.args(blk, []string{"targets"}, []string{"rule"})
	if err != nil {
		return nil, err
	}
	if err := require(p, blk, args, "targets"); err != nil {
		return nil, err
	}
	from, err := p.targetsOf(args["targets"])
	if err != nil {
		return nil, err
	}
	r := &relabelTargets{name: id, from: from}
	for _, sub := range blk.blocks {
		rule, err := p.rule(sub)
		if err != nil {
			return nil, err
		}
		r.rules = append(r.rules, rule)
	}
	return r, nil
}

func (p *planner) rule(blk *block) (relabelRule, error) {
	a, err := p.args(blk, []string{"source_labels", "separator", "regex", "target_label", "replacement", "action"}, nil)
	if err != nil {
		return relabelRule{}, err
	}
	str := func(name, def string) (string, error) {
		if a[name] == nil {
			return def, nil
		}
		return p.ev.str(a[name])
	}
	var sources []string
	if a["source_labels"] != nil {
		if sources, err = p.ev.strList(a["source_labels"]); err != nil {
			return relabelRule{}, err
		}
	}
	// Defaults from discovery.relabel's documentation.
	separator, err1 := str("separator", ";")
	regex, err2 := str("regex", "(.*)")
	targetLabel, err3 := str("target_label", "")
	replacement, err4 := str("replacement", "$1")
	action, err5 := str("action", "replace")
	for _, e := range []error{err1, err2, err3, err4, err5} {
		if e != nil {
			return relabelRule{}, e
		}
	}
	rule, err := newRelabelRule(sources, separator, regex, targetLabel, replacement, strings.ToLower(action))
	if err != nil {
		return relabelRule{}, p.ev.errorf(blk.at, "%v", err)
	}
	return rule, nil
}

func (p *planner) fileMatch(id string, blk *block) (targetSource, error) {
	args, err := p.args(blk, []string{"path_targets", "sync_period"}, nil)
	if err != nil {
		return nil, err
	}
	if err := require(p, blk, args, "path_targets"); err != nil {
		return nil, err
	}
	from, err := p.targetsOf(args["path_targets"])
	if err != nil {
		return nil, err
	}
	f := &fileMatch{name: id, from: from, syncPeriod: 10 * time.Second}
	if args["sync_period"] != nil {
		if f.syncPeriod, err = p.ev.duration(args["sync_period"]); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// receiver builds the component `id` whose `receiver` a forward_to names.
func (p *planner) receiver(id string) (receiver, error) {
	if r := p.receivers[id]; r != nil {
		return r, nil
	}
	if err := p.enter(id); err != nil {
		return nil, err
	}
	blk := p.components[id]
	var r receiver
	var err error
	switch blk.name {
	case "loki.process":
		r, err = p.processor(id, blk)
	case "loki.write":
		r, err = p.writer(id, blk)
	default:
		err = p.ev.errorf(blk.at, "%s does not export a receiver", id)
	}
	if err != nil {
		return nil, err
	}
	p.receivers[id] = r
	return r, nil
}

func (p *planner) processor(id string, blk *block) (receiver, error) {
	stageNames := []string{"stage.cri", "stage.drop", "stage.json", "stage.template", "stage.labels", "stage.static_labels", "stage.output"}
	args, err := p.args(blk, []string{"forward_to"}, stageNames)
	if err != nil {
		return nil, err
	}
	if err := require(p, blk, args, "forward_to"); err != nil {
		return nil, err
	}
	proc := &processor{name: id}
	for _, sub := range blk.blocks {
		s, err := p.stage(id, sub)
		if err != nil {
			return nil, err
		}
		proc.stages = append(proc.stages, s)
	}
	ids, err := p.references(args["forward_to"], "receiver")
	if err != nil {
		return nil, err
	}
	for _, rid := range ids {
		r, err := p.receiver(rid)
		if err != nil {
			return nil, err
		}
		proc.forwardTo = append(proc.forwardTo, r)
	}
	return proc, nil
}

func (p *planner) stage(component string, blk *block) (stage, error) {
	switch blk.name {
	case "stage.cri":
		a, err := p.args(blk, []string{"max_partial_lines"}, nil)
		if err != nil {
			return nil, err
		}
		s := &criStage{maxPartialLines: 100, partial: map[string][]string{}}
		if a["max_partial_lines"] != nil {
			if s.maxPartialLines, err = p.ev.integer(a["max_partial_lines"]); err != nil {
				return nil, err
			}
		}
		return s, nil
	case "stage.drop":
		a, err := p.args(blk, []string{"older_than", "drop_counter_reason", "source", "value", "expression"}, nil)
		if err != nil {
			return nil, err
		}
		s := &dropStage{reason: "drop_stage", now: p.now, countDropFn: func(reason string) { p.countDrop(component, reason) }}
		if a["older_than"] != nil {
			if s.olderThan, err = p.ev.duration(a["older_than"]); err != nil {
				return nil, err
			}
		}
		if a["drop_counter_reason"] != nil {
			if s.reason, err = p.ev.str(a["drop_counter_reason"]); err != nil {
				return nil, err
			}
		}
		if a["source"] != nil {
			if s.source, err = p.ev.str(a["source"]); err != nil {
				return nil, err
			}
		}
		if a["value"] != nil {
			v, err := p.ev.str(a["value"])
			if err != nil {
				return nil, err
			}
			s.value = &v
		}
		if a["expression"] != nil {
			x, err := p.ev.str(a["expression"])
			if err != nil {
				return nil, err
			}
			if s.expression, err = regexp.Compile(x); err != nil {
				return nil, p.ev.errorf(a["expression"].position(), "invalid expression: %v", err)
			}
		}
		if s.olderThan == 0 && s.value == nil && s.expression == nil {
			return nil, p.ev.errorf(blk.at, "stage.drop: the stand-in needs older_than, value or expression")
		}
		return s, nil
	case "stage.json":
		a, err := p.args(blk, []string{"expressions", "source", "drop_malformed"}, nil)
		if err != nil {
			return nil, err
		}
		if err := require(p, blk, a, "expressions"); err != nil {
			return nil, err
		}
		exprs, err := p.ev.strMap(a["expressions"])
		if err != nil {
			return nil, err
		}
		s := &jsonStage{}
		for _, name := range sortedKeys(exprs) {
			expression := exprs[name]
			if expression == "" {
				expression = name
			}
			paths, err := parseJMESPath(expression)
			if err != nil {
				return nil, p.ev.errorf(a["expressions"].position(), "%v", err)
			}
			s.names = append(s.names, name)
			s.paths = append(s.paths, paths)
		}
		if a["source"] != nil {
			if s.source, err = p.ev.str(a["source"]); err != nil {
				return nil, err
			}
		}
		if a["drop_malformed"] != nil {
			if s.dropMalformed, err = p.ev.boolean(a["drop_malformed"]); err != nil {
				return nil, err
			}
		}
		return s, nil
	case "stage.template":
		a, err := p.args(blk, []string{"source", "template"}, nil)
		if err != nil {
			return nil, err
		}
		if err := require(p, blk, a, "source", "template"); err != nil {
			return nil, err
		}
		source, err := p.ev.str(a["source"])
		if err != nil {
			return nil, err
		}
		text, err := p.ev.str(a["template"])
		if err != nil {
			return nil, err
		}
		tmpl, err := template.New(source).Option("missingkey=zero").Funcs(templateFuncs).Parse(text)
		if err != nil {
			return nil, p.ev.errorf(a["template"].position(), "the template is beyond the stand-in (functions: %s): %v",
				strings.Join(sortedKeys(templateFuncs), ", "), err)
		}
		return &templateStage{source: source, tmpl: tmpl}, nil
	case "stage.labels", "stage.static_labels":
		a, err := p.args(blk, []string{"values"}, nil)
		if err != nil {
			return nil, err
		}
		if err := require(p, blk, a, "values"); err != nil {
			return nil, err
		}
		values, err := p.ev.strMap(a["values"])
		if err != nil {
			return nil, err
		}
		if blk.name == "stage.labels" {
			return &labelsStage{values: values}, nil
		}
		return &staticLabelsStage{values: values}, nil
	case "stage.output":
		a, err := p.args(blk, []string{"source"}, nil)
		if err != nil {
			return nil, err
		}
		if err := require(p, blk, a, "source"); err != nil {
			return nil, err
		}
		source, err := p.ev.str(a["source"])
		if err != nil {
			return nil, err
		}
		return &outputStage{source: source}, nil
	}
	return nil, p.ev.errorf(blk.at, "the stage %s is not implemented by the log-shipper stand-in", blk.name)
}

func (p *planner) writer(id string, blk *block) (receiver, error) {
	args, err := p.args(blk, []string{"external_labels"}, []string{"endpoint"})
	if err != nil {
		return nil, err
	}
	w := &writer{name: id}
	if args["external_labels"] != nil {
		if w.externalLabels, err = p.ev.strMap(args["external_labels"]); err != nil {
			return nil, err
		}
	}
	for _, sub := range blk.blocks {
		a, err := p.args(sub, []string{"url"}, nil)
		if err != nil {
			return nil, err
		}
		if err := require(p, sub, a, "url"); err != nil {
			return nil, err
		}
		url, err := p.ev.str(a["url"])
		if err != nil {
			return nil, err
		}
		w.urls = append(w.urls, url)
	}
	if len(w.urls) == 0 {
		return nil, p.ev.errorf(blk.at, "%s has no endpoint", id)
	}
	return w, nil
}
