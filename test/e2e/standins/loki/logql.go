package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// The part of LogQL the stand-in answers: a stream selector and line filters.
//
//	{app="a", env!="dev", pod=~"web-.*", tier!~"batch|cron"} |= "error" != "health" |~ "5\\d\\d" !~ "GET /ready"
//
// Label matchers are anchored regular expressions (RE2), line filters are not, as in Loki. Anything
// else LogQL has (parsers such as `| json`, label filters, `line_format`, metric queries such as
// `count_over_time(...)`) is refused with a message saying the stand-in does not implement it.

type matchType int

const (
	matchEqual matchType = iota
	matchNotEqual
	matchRegexp
	matchNotRegexp
)

var matchOps = map[string]matchType{"=": matchEqual, "!=": matchNotEqual, "=~": matchRegexp, "!~": matchNotRegexp}

type matcher struct {
	Name  string
	Type  matchType
	Value string
	re    *regexp.Regexp
}

func (m matcher) matches(value string) bool {
	switch m.Type {
	case matchEqual:
		return value == m.Value
	case matchNotEqual:
		return value != m.Value
	case matchRegexp:
		return m.re.MatchString(value)
	default:
		return !m.re.MatchString(value)
	}
}

type lineFilter struct {
	Op    string // |=, !=, |~, !~
	Value string
	re    *regexp.Regexp
}

func (f lineFilter) keeps(line string) bool {
	switch f.Op {
	case "|=":
		return strings.Contains(line, f.Value)
	case "!=":
		return !strings.Contains(line, f.Value)
	case "|~":
		return f.re.MatchString(line)
	default:
		return !f.re.MatchString(line)
	}
}

// logQuery is a parsed log query.
type logQuery struct {
	Matchers []matcher
	Filters  []lineFilter
}

func (q logQuery) selects(ls labelSet) bool {
	for _, m := range q.Matchers {
		v, _ := ls.get(m.Name) // a missing label matches as the empty string
		if !m.matches(v) {
			return false
		}
	}
	return true
}

func (q logQuery) keeps(line string) bool {
	for _, f := range q.Filters {
		if !f.keeps(line) {
			return false
		}
	}
	return true
}

// errUnsupported marks valid LogQL the stand-in does not implement (an HTTP 400 all the same).
type errUnsupported struct{ what string }

func (e errUnsupported) Error() string {
	return "not supported by the Loki stand-in of the e2e: " + e.what +
		" (it answers stream selectors with line filters |=, !=, |~, !~ only)"
}

type parseError struct {
	col int
	msg string
}

func (e parseError) Error() string {
	return fmt.Sprintf("parse error at line 1, col %d: %s", e.col, e.msg)
}

type lexer struct {
	src string
	pos int
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) && unicode.IsSpace(rune(l.src[l.pos])) {
		l.pos++
	}
}

func (l *lexer) fail(format string, a ...any) error {
	return parseError{col: l.pos + 1, msg: fmt.Sprintf(format, a...)}
}

func (l *lexer) eof() bool { l.skipSpace(); return l.pos >= len(l.src) }

func (l *lexer) peek(s string) bool { l.skipSpace(); return strings.HasPrefix(l.src[l.pos:], s) }

func (l *lexer) accept(s string) bool {
	if l.peek(s) {
		l.pos += len(s)
		return true
	}
	return false
}

func (l *lexer) ident() (string, error) {
	l.skipSpace()
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || l.pos > start && c >= '0' && c <= '9' {
			l.pos++
			continue
		}
		break
	}
	if start == l.pos {
		return "", l.fail("syntax error: expected a label name")
	}
	return l.src[start:l.pos], nil
}

// str reads a double-quoted string (Go escapes) or a back-quoted raw string.
func (l *lexer) str() (string, error) {
	l.skipSpace()
	if l.pos >= len(l.src) {
		return "", l.fail("syntax error: unexpected end of query, expected a string")
	}
	switch l.src[l.pos] {
	case '`':
		end := strings.IndexByte(l.src[l.pos+1:], '`')
		if end < 0 {
			return "", l.fail("syntax error: unterminated raw string")
		}
		s := l.src[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		return s, nil
	case '"':
		for i := l.pos + 1; i < len(l.src); i++ {
			switch l.src[i] {
			case '\\':
				i++
			case '"':
				s, err := strconv.Unquote(l.src[l.pos : i+1])
				if err != nil {
					return "", l.fail("syntax error: invalid string %s", l.src[l.pos:i+1])
				}
				l.pos = i + 1
				return s, nil
			}
		}
		return "", l.fail("syntax error: unterminated string")
	}
	return "", l.fail("syntax error: expected a string in double quotes or backquotes")
}

// metricFunctions start a LogQL metric query: refused as unsupported, not as a syntax error.
var metricFunctions = regexp.MustCompile(`^\s*(count_over_time|rate|bytes_over_time|bytes_rate|` +
	`sum_over_time|avg_over_time|max_over_time|min_over_time|first_over_time|last_over_time|` +
	`stdvar_over_time|stddev_over_time|quantile_over_time|absent_over_time|rate_counter|` +
	`sum|avg|min|max|stddev|stdvar|count|topk|bottomk|sort|sort_desc|label_replace|vector)\s*\(`)

// parseQuery parses a log query; a metric query is reported as such (isMetric) and not parsed.
func parseQuery(q string) (query logQuery, isMetric bool, err error) {
	if metricFunctions.MatchString(q) {
		return logQuery{}, true, nil
	}
	l := &lexer{src: q}
	if !l.accept("{") {
		return logQuery{}, false, l.fail("syntax error: a log query starts with a stream selector {...}")
	}
	for !l.accept("}") {
		if l.eof() {
			return logQuery{}, false, l.fail("syntax error: unexpected end of query, expected }")
		}
		if len(query.Matchers) > 0 && !l.accept(",") {
			return logQuery{}, false, l.fail("syntax error: expected , or }")
		}
		if l.accept("}") { // a trailing comma
			break
		}
		m, err := parseMatcher(l)
		if err != nil {
			return logQuery{}, false, err
		}
		query.Matchers = append(query.Matchers, m)
	}
	if len(query.Matchers) == 0 {
		return logQuery{}, false, l.fail("syntax error: the stream selector {} needs at least one matcher")
	}
	if !selectsSomething(query.Matchers) {
		return logQuery{}, false, fmt.Errorf("queries require at least one regexp or equality matcher that " +
			"does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, " +
			"but app=~\".+\" will")
	}
	for !l.eof() {
		var op string
		for _, candidate := range []string{"|=", "!=", "|~", "!~"} {
			if l.accept(candidate) {
				op = candidate
				break
			}
		}
		if op == "" {
			if l.peek("|") {
				return logQuery{}, false, errUnsupported{fmt.Sprintf("the pipeline stage %q", strings.TrimSpace(l.src[l.pos:]))}
			}
			return logQuery{}, false, l.fail("syntax error: unexpected %q after the stream selector", l.src[l.pos:])
		}
		value, err := l.str()
		if err != nil {
			return logQuery{}, false, err
		}
		f := lineFilter{Op: op, Value: value}
		if op == "|~" || op == "!~" {
			if f.re, err = regexp.Compile(value); err != nil {
				return logQuery{}, false, l.fail("invalid regular expression %q: %v", value, err)
			}
		}
		if l.peek("or ") {
			return logQuery{}, false, errUnsupported{"`or` between line filters"}
		}
		query.Filters = append(query.Filters, f)
	}
	return query, false, nil
}

func parseMatcher(l *lexer) (matcher, error) {
	name, err := l.ident()
	if err != nil {
		return matcher{}, err
	}
	var op string
	for _, candidate := range []string{"=~", "!~", "!=", "="} {
		if l.accept(candidate) {
			op = candidate
			break
		}
	}
	if op == "" {
		return matcher{}, l.fail("syntax error: expected =, !=, =~ or !~ after %s", name)
	}
	value, err := l.str()
	if err != nil {
		return matcher{}, err
	}
	m := matcher{Name: name, Type: matchOps[op], Value: value}
	if m.Type == matchRegexp || m.Type == matchNotRegexp {
		if m.re, err = regexp.Compile("^(?:" + value + ")$"); err != nil {
			return matcher{}, l.fail("invalid regular expression %q: %v", value, err)
		}
	}
	return m, nil
}

// selectsSomething: Loki refuses a selector every stream would match (all matchers accept "").
func selectsSomething(ms []matcher) bool {
	for _, m := range ms {
		if (m.Type == matchEqual || m.Type == matchRegexp) && !m.matches("") {
			return true
		}
	}
	return false
}

// parseLabels reads the label text of a protobuf push, `{a="1", b="2"}` (equality matchers only).
func parseLabels(text string) (labelSet, error) {
	q, isMetric, err := parseQuery(text)
	if err == nil && (isMetric || len(q.Filters) > 0) {
		err = fmt.Errorf("not a label set")
	}
	if err != nil {
		return nil, fmt.Errorf("error parsing labels %s: %v", text, err)
	}
	m := map[string]string{}
	for _, matcher := range q.Matchers {
		if matcher.Type != matchEqual {
			return nil, fmt.Errorf("error parsing labels %s: only = in a label set", text)
		}
		m[matcher.Name] = matcher.Value
	}
	return newLabelSet(m), nil
}
