package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Evaluation of the expressions the stand-in reads as values: literals, lists, objects, `+` of
// strings, and sys.env(). References to components are not values here; plan.go follows them.

type evaluator struct {
	file   string
	getenv func(string) string
}

func (ev evaluator) errorf(at pos, format string, a ...any) error {
	return fmt.Errorf("%s:%s: %s", ev.file, at, fmt.Sprintf(format, a...))
}

func (ev evaluator) eval(e expr) (any, error) {
	switch e := e.(type) {
	case stringLit:
		return e.s, nil
	case numberLit:
		return e.n, nil
	case boolLit:
		return e.b, nil
	case nullLit:
		return nil, nil
	case listExpr:
		out := make([]any, len(e.items))
		for i, item := range e.items {
			v, err := ev.eval(item)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case objectExpr:
		out := make(map[string]any, len(e.keys))
		for i, k := range e.keys {
			v, err := ev.eval(e.values[i])
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case plusExpr:
		l, err := ev.eval(e.left)
		if err != nil {
			return nil, err
		}
		r, err := ev.eval(e.right)
		if err != nil {
			return nil, err
		}
		ls, lok := l.(string)
		rs, rok := r.(string)
		if !lok || !rok {
			return nil, ev.errorf(e.at, "the stand-in adds strings only")
		}
		return ls + rs, nil
	case callExpr:
		if e.fn != "sys.env" {
			return nil, ev.errorf(e.at, "the function %s is not implemented by the log-shipper stand-in (only sys.env)", e.fn)
		}
		if len(e.args) != 1 {
			return nil, ev.errorf(e.at, "sys.env takes one argument")
		}
		name, err := ev.str(e.args[0])
		if err != nil {
			return nil, err
		}
		return ev.getenv(name), nil
	case refExpr:
		return nil, ev.errorf(e.at, "a reference to %v is not a value the stand-in can use here", e.path)
	}
	return nil, ev.errorf(e.position(), "unknown expression")
}

func (ev evaluator) str(e expr) (string, error) {
	v, err := ev.eval(e)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", ev.errorf(e.position(), "expected a string")
	}
	return s, nil
}

func (ev evaluator) strList(e expr) ([]string, error) {
	v, err := ev.eval(e)
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, ev.errorf(e.position(), "expected a list of strings")
	}
	out := make([]string, len(items))
	for i, item := range items {
		if out[i], ok = item.(string); !ok {
			return nil, ev.errorf(e.position(), "expected a list of strings")
		}
	}
	return out, nil
}

func (ev evaluator) strMap(e expr) (map[string]string, error) {
	v, err := ev.eval(e)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, ev.errorf(e.position(), "expected an object of strings")
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		switch x := x.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = ""
		default:
			return nil, ev.errorf(e.position(), "expected an object of strings (%s)", k)
		}
	}
	return out, nil
}

func (ev evaluator) boolean(e expr) (bool, error) {
	v, err := ev.eval(e)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, ev.errorf(e.position(), "expected true or false")
	}
	return b, nil
}

func (ev evaluator) integer(e expr) (int, error) {
	v, err := ev.eval(e)
	if err != nil {
		return 0, err
	}
	n, ok := v.(float64)
	if !ok || n != float64(int(n)) {
		return 0, ev.errorf(e.position(), "expected an integer")
	}
	return int(n), nil
}

// duration reads an Alloy duration, a string in Go's form ("168h", "1m30s").
func (ev evaluator) duration(e expr) (time.Duration, error) {
	s, err := ev.str(e)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, ev.errorf(e.position(), "invalid duration %s", strconv.Quote(s))
	}
	return d, nil
}

func osEvaluator(file string) evaluator { return evaluator{file: file, getenv: os.Getenv} }
