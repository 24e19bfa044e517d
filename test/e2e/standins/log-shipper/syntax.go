package main

import (
	"fmt"
	"strconv"
	"strings"
)

// A parser of the Alloy configuration syntax, written from its documentation: a body of
// attributes (`name = expression`) and blocks (`name.part "label" { body }`); expressions are
// strings (double-quoted with Go escapes, or back-quoted), numbers, true/false/null, lists, objects
// (`{ key = value, ... }`), references to other components' exports (`discovery.relabel.pods.output`),
// function calls (`sys.env("NODE_NAME")`) and `+`. Other operators are refused with their position.

type pos struct{ line, col int }

func (p pos) String() string { return fmt.Sprintf("%d:%d", p.line, p.col) }

type body struct {
	attrs  []attribute
	blocks []*block
}

type attribute struct {
	name  string
	value expr
	at    pos
}

type block struct {
	name  string // dotted: "loki.process", "stage.cri", "rule"
	label string // "" for an unlabelled block
	body
	at pos
}

type expr interface{ position() pos }

type (
	stringLit struct {
		s  string
		at pos
	}
	numberLit struct {
		n  float64
		at pos
	}
	boolLit struct {
		b  bool
		at pos
	}
	nullLit  struct{ at pos }
	listExpr struct {
		items []expr
		at    pos
	}
	objectExpr struct {
		keys   []string
		values []expr
		at     pos
	}
	// refExpr is an identifier path that is not a call: a component's export.
	refExpr struct {
		path []string
		at   pos
	}
	callExpr struct {
		fn   string
		args []expr
		at   pos
	}
	plusExpr struct {
		left, right expr
		at          pos
	}
)

func (e stringLit) position() pos  { return e.at }
func (e numberLit) position() pos  { return e.at }
func (e boolLit) position() pos    { return e.at }
func (e nullLit) position() pos    { return e.at }
func (e listExpr) position() pos   { return e.at }
func (e objectExpr) position() pos { return e.at }
func (e refExpr) position() pos    { return e.at }
func (e callExpr) position() pos   { return e.at }
func (e plusExpr) position() pos   { return e.at }

type tokenKind int

const (
	tEOF tokenKind = iota
	tIdent
	tString
	tNumber
	tPunct
)

type token struct {
	kind tokenKind
	text string // identifier, decoded string, number text, or punctuation
	at   pos
}

type scanner struct {
	src       string
	i         int
	line, col int
	file      string
}

func (s *scanner) errorf(at pos, format string, a ...any) error {
	return fmt.Errorf("%s:%s: %s", s.file, at, fmt.Sprintf(format, a...))
}

func (s *scanner) advance(n int) {
	for range n {
		if s.src[s.i] == '\n' {
			s.line++
			s.col = 1
		} else {
			s.col++
		}
		s.i++
	}
}

// next returns the next token, skipping space, newlines and comments (// and /* */).
func (s *scanner) next() (token, error) {
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			s.advance(1)
		case strings.HasPrefix(s.src[s.i:], "//"):
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.advance(1)
			}
		case strings.HasPrefix(s.src[s.i:], "/*"):
			end := strings.Index(s.src[s.i+2:], "*/")
			if end < 0 {
				return token{}, s.errorf(pos{s.line, s.col}, "unterminated /* comment")
			}
			s.advance(end + 4)
		default:
			return s.token()
		}
	}
	return token{kind: tEOF, at: pos{s.line, s.col}}, nil
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }

func (s *scanner) token() (token, error) {
	at := pos{s.line, s.col}
	c := s.src[s.i]
	start := s.i
	switch {
	case isIdentStart(c):
		for s.i < len(s.src) && (isIdentStart(s.src[s.i]) || isDigit(s.src[s.i])) {
			s.advance(1)
		}
		return token{tIdent, s.src[start:s.i], at}, nil
	case isDigit(c):
		for s.i < len(s.src) && (isDigit(s.src[s.i]) || s.src[s.i] == '.' || s.src[s.i] == 'e' || s.src[s.i] == 'E') {
			s.advance(1)
		}
		return token{tNumber, s.src[start:s.i], at}, nil
	case c == '"':
		for j := s.i + 1; j < len(s.src); j++ {
			switch s.src[j] {
			case '\\':
				j++
			case '\n':
				return token{}, s.errorf(at, "newline in string")
			case '"':
				text, err := strconv.Unquote(s.src[s.i : j+1])
				if err != nil {
					return token{}, s.errorf(at, "invalid string %s", s.src[s.i:j+1])
				}
				s.advance(j + 1 - s.i)
				return token{tString, text, at}, nil
			}
		}
		return token{}, s.errorf(at, "unterminated string")
	case c == '`':
		end := strings.IndexByte(s.src[s.i+1:], '`')
		if end < 0 {
			return token{}, s.errorf(at, "unterminated raw string")
		}
		text := s.src[s.i+1 : s.i+1+end]
		s.advance(end + 2)
		return token{tString, text, at}, nil
	}
	for _, p := range []string{"==", "!=", "<=", ">=", "&&", "||"} {
		if strings.HasPrefix(s.src[s.i:], p) {
			s.advance(2)
			return token{tPunct, p, at}, nil
		}
	}
	s.advance(1)
	return token{tPunct, string(c), at}, nil
}

type parser struct {
	sc  *scanner
	tok token
}

func parseAlloy(file, src string) (body, error) {
	p := &parser{sc: &scanner{src: src, line: 1, col: 1, file: file}}
	if err := p.advance(); err != nil {
		return body{}, err
	}
	b, err := p.body(true)
	if err != nil {
		return body{}, err
	}
	return b, nil
}

func (p *parser) advance() error {
	t, err := p.sc.next()
	p.tok = t
	return err
}

func (p *parser) is(text string) bool { return p.tok.kind == tPunct && p.tok.text == text }

func (p *parser) expect(text string) error {
	if !p.is(text) {
		return p.sc.errorf(p.tok.at, "expected %q, found %s", text, describe(p.tok))
	}
	return p.advance()
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tString:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// body parses statements until `}` (or end of file at top level).
func (p *parser) body(top bool) (body, error) {
	var b body
	for {
		if top && p.tok.kind == tEOF || !top && p.is("}") {
			return b, nil
		}
		if p.tok.kind != tIdent {
			return b, p.sc.errorf(p.tok.at, "expected an attribute or a block, found %s", describe(p.tok))
		}
		at := p.tok.at
		name := p.tok.text
		if err := p.advance(); err != nil {
			return b, err
		}
		for p.is(".") {
			if err := p.advance(); err != nil {
				return b, err
			}
			if p.tok.kind != tIdent {
				return b, p.sc.errorf(p.tok.at, "expected a name after '.', found %s", describe(p.tok))
			}
			name += "." + p.tok.text
			if err := p.advance(); err != nil {
				return b, err
			}
		}
		switch {
		case p.is("="):
			if strings.Contains(name, ".") {
				return b, p.sc.errorf(at, "an attribute name cannot contain '.': %s", name)
			}
			if err := p.advance(); err != nil {
				return b, err
			}
			value, err := p.expr()
			if err != nil {
				return b, err
			}
			b.attrs = append(b.attrs, attribute{name, value, at})
		case p.is("{") || p.tok.kind == tString:
			blk := &block{name: name, at: at}
			if p.tok.kind == tString {
				blk.label = p.tok.text
				if err := p.advance(); err != nil {
					return b, err
				}
			}
			if err := p.expect("{"); err != nil {
				return b, err
			}
			inner, err := p.body(false)
			if err != nil {
				return b, err
			}
			blk.body = inner
			if err := p.expect("}"); err != nil {
				return b, err
			}
			b.blocks = append(b.blocks, blk)
		default:
			return b, p.sc.errorf(p.tok.at, "expected '=' or a block after %s, found %s", name, describe(p.tok))
		}
	}
}

var unimplementedOperators = map[string]bool{
	"-": true, "*": true, "/": true, "%": true, "^": true, "!": true,
	"==": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true, "&&": true, "||": true,
}

func (p *parser) expr() (expr, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		if p.is("+") {
			at := p.tok.at
			if err := p.advance(); err != nil {
				return nil, err
			}
			right, err := p.primary()
			if err != nil {
				return nil, err
			}
			left = plusExpr{left, right, at}
			continue
		}
		if p.tok.kind == tPunct && unimplementedOperators[p.tok.text] {
			return nil, p.sc.errorf(p.tok.at, "the operator %q is not implemented by the log-shipper stand-in (only +)", p.tok.text)
		}
		return left, nil
	}
}

func (p *parser) primary() (expr, error) {
	t := p.tok
	switch t.kind {
	case tString:
		return stringLit{t.text, t.at}, p.advance()
	case tNumber:
		n, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, p.sc.errorf(t.at, "invalid number %s", t.text)
		}
		return numberLit{n, t.at}, p.advance()
	case tIdent:
		switch t.text {
		case "true", "false":
			return boolLit{t.text == "true", t.at}, p.advance()
		case "null":
			return nullLit{t.at}, p.advance()
		}
		path := []string{t.text}
		if err := p.advance(); err != nil {
			return nil, err
		}
		for p.is(".") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind != tIdent {
				return nil, p.sc.errorf(p.tok.at, "expected a name after '.', found %s", describe(p.tok))
			}
			path = append(path, p.tok.text)
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if !p.is("(") {
			if p.is("[") {
				return nil, p.sc.errorf(p.tok.at, "indexing is not implemented by the log-shipper stand-in")
			}
			return refExpr{path, t.at}, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		var args []expr
		for !p.is(")") {
			if len(args) > 0 {
				if err := p.expect(","); err != nil {
					return nil, err
				}
				if p.is(")") {
					break
				}
			}
			arg, err := p.expr()
			if err != nil {
				return nil, err
			}
			args = append(args, arg)
		}
		return callExpr{strings.Join(path, "."), args, t.at}, p.advance()
	case tPunct:
		switch t.text {
		case "[":
			return p.list()
		case "{":
			return p.object()
		}
	}
	return nil, p.sc.errorf(t.at, "expected an expression, found %s", describe(t))
}

func (p *parser) list() (expr, error) {
	at := p.tok.at
	if err := p.advance(); err != nil {
		return nil, err
	}
	var items []expr
	for !p.is("]") {
		if len(items) > 0 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
			if p.is("]") {
				break
			}
		}
		item, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return listExpr{items, at}, p.advance()
}

func (p *parser) object() (expr, error) {
	o := objectExpr{at: p.tok.at}
	if err := p.advance(); err != nil {
		return nil, err
	}
	for !p.is("}") {
		if len(o.keys) > 0 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
			if p.is("}") {
				break
			}
		}
		if p.tok.kind != tIdent && p.tok.kind != tString {
			return nil, p.sc.errorf(p.tok.at, "expected an object key, found %s", describe(p.tok))
		}
		key := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.expect("="); err != nil {
			return nil, err
		}
		value, err := p.expr()
		if err != nil {
			return nil, err
		}
		o.keys = append(o.keys, key)
		o.values = append(o.values, value)
	}
	return o, p.advance()
}
