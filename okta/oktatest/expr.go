package oktatest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Expr is a parsed Okta filter or search expression: a *Compare or a
// *Logical.
type Expr interface {
	// String renders the expression canonically: lower-case operators,
	// JSON literals, parentheses around every logical operation.
	String() string
	expr()
}

// Compare is "attr op value", or "attr pr" (Value nil).
type Compare struct {
	Attr string // e.g. "profile.login", "status"
	Op   string // lower case: eq ne sw co ew gt ge lt le pr
	// Value is the literal: a string, float64, bool or nil (null, or no
	// literal for pr).
	Value any
}

// Logical is "left and right" or "left or right".
type Logical struct {
	Op          string // "and" or "or"
	Left, Right Expr
}

func (*Compare) expr() {}
func (*Logical) expr() {}

func (c *Compare) String() string {
	if c.Op == "pr" {
		return c.Attr + " pr"
	}
	b, _ := json.Marshal(c.Value)
	return c.Attr + " " + c.Op + " " + string(b)
}

func (l *Logical) String() string {
	return "(" + l.Left.String() + " " + l.Op + " " + l.Right.String() + ")"
}

// ParseExpression parses an Okta filter or search expression the way the
// fake evaluates it: attribute paths, the operators eq ne sw co ew gt ge lt
// le pr (case-insensitive), "and"/"or" (and binds tighter), parentheses,
// and literals that are JSON strings, numbers, true, false or null. A
// string literal is one JSON string, so `profile.login eq "x\" or id eq \"y"`
// compares profile.login with the single value `x" or id eq "y`. Tests use
// it to check that what a client sent is the expression it meant.
func ParseExpression(s string) (Expr, error) {
	p := &exprParser{src: s}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.toks[p.pos].text, p.toks[p.pos].off)
	}
	return e, nil
}

type tokKind int

const (
	tokWord tokKind = iota
	tokString
	tokLParen
	tokRParen
)

type token struct {
	kind tokKind
	text string // the word, or the decoded string
	off  int
}

type exprParser struct {
	src  string
	toks []token
	pos  int
}

func (p *exprParser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			p.toks = append(p.toks, token{tokLParen, "(", i})
			i++
		case c == ')':
			p.toks = append(p.toks, token{tokRParen, ")", i})
			i++
		case c == '"':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '\\' {
					j++
					continue
				}
				if s[j] == '"' {
					break
				}
			}
			if j >= len(s) {
				return fmt.Errorf("unterminated string literal at offset %d", i)
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
				return fmt.Errorf("invalid string literal at offset %d: %v", i, err)
			}
			p.toks = append(p.toks, token{tokString, v, i})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()\"", rune(s[j])) {
				j++
			}
			p.toks = append(p.toks, token{tokWord, s[i:j], i})
			i = j
		}
	}
	return nil
}

func (p *exprParser) peekWord(words ...string) bool {
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != tokWord {
		return false
	}
	for _, w := range words {
		if strings.EqualFold(p.toks[p.pos].text, w) {
			return true
		}
	}
	return false
}

func (p *exprParser) parseOr() (Expr, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.pos++
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "or", Left: left, Right: right}
	}
	return left, nil
}

func (p *exprParser) parseAnd() (Expr, error) {
	left, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.pos++
		right, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "and", Left: left, Right: right}
	}
	return left, nil
}

var exprOps = map[string]bool{"eq": true, "ne": true, "sw": true, "co": true, "ew": true,
	"gt": true, "ge": true, "lt": true, "le": true, "pr": true}

func (p *exprParser) parsePrimary() (Expr, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("unexpected end of expression")
	}
	t := p.toks[p.pos]
	switch t.kind {
	case tokLParen:
		p.pos++
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != tokRParen {
			return nil, fmt.Errorf("missing ) for ( at offset %d", t.off)
		}
		p.pos++
		return e, nil
	case tokWord:
	default:
		return nil, fmt.Errorf("expected an attribute at offset %d, got %q", t.off, t.text)
	}
	if !validAttr(t.text) || strings.EqualFold(t.text, "and") || strings.EqualFold(t.text, "or") || strings.EqualFold(t.text, "not") {
		return nil, fmt.Errorf("invalid attribute %q at offset %d", t.text, t.off)
	}
	p.pos++
	if p.pos >= len(p.toks) || p.toks[p.pos].kind != tokWord {
		return nil, fmt.Errorf("expected an operator after %q", t.text)
	}
	opTok := p.toks[p.pos]
	op := strings.ToLower(opTok.text)
	if !exprOps[op] {
		return nil, fmt.Errorf("unknown operator %q at offset %d", opTok.text, opTok.off)
	}
	p.pos++
	c := &Compare{Attr: t.text, Op: op}
	if op == "pr" {
		return c, nil
	}
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("expected a value after %q %s", t.text, op)
	}
	v := p.toks[p.pos]
	switch v.kind {
	case tokString:
		c.Value = v.text
	case tokWord:
		switch v.text {
		case "true":
			c.Value = true
		case "false":
			c.Value = false
		case "null":
			c.Value = nil
		default:
			f, err := strconv.ParseFloat(v.text, 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, fmt.Errorf("invalid literal %q at offset %d (strings must be quoted)", v.text, v.off)
			}
			c.Value = f
		}
	default:
		return nil, fmt.Errorf("expected a value at offset %d", v.off)
	}
	p.pos++
	return c, nil
}

func validAttr(s string) bool {
	if s == "" || !(unicode.IsLetter(rune(s[0])) || s[0] == '_') {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-:", r)) {
			return false
		}
	}
	return !strings.HasSuffix(s, ".")
}

// Evaluation.

// attrKind says how an attribute's values compare.
type attrKind int

const (
	kindString attrKind = iota
	kindTime
	kindAny // profile attributes: whatever JSON type they hold
)

// exprRules is what an endpoint allows in its expressions.
type exprRules struct {
	// attr reports whether an attribute may be used and how it compares.
	attr func(name string) (attrKind, bool)
	// op reports whether an operator may be used with an attribute.
	op func(attr, op string) bool
	// fold makes string comparisons case-insensitive (search).
	fold bool
}

// check verifies that e only uses what the rules allow.
func (r exprRules) check(e Expr) error {
	switch e := e.(type) {
	case *Logical:
		if err := r.check(e.Left); err != nil {
			return err
		}
		return r.check(e.Right)
	case *Compare:
		kind, ok := r.attr(e.Attr)
		if !ok {
			return fmt.Errorf("unsupported attribute %q", e.Attr)
		}
		if !r.op(e.Attr, e.Op) {
			return fmt.Errorf("unsupported operator %q for %q", e.Op, e.Attr)
		}
		if kind == kindTime && e.Op != "pr" {
			s, isStr := e.Value.(string)
			if !isStr {
				return fmt.Errorf("%q needs a timestamp string", e.Attr)
			}
			if _, err := parseExprTime(s); err != nil {
				return fmt.Errorf("invalid timestamp %q for %q", s, e.Attr)
			}
		}
	}
	return nil
}

func parseExprTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

// eval evaluates e against an object whose attribute values get returns:
// nil or empty for a missing attribute, several for an array attribute.
func (r exprRules) eval(e Expr, get func(attr string) []any) bool {
	switch e := e.(type) {
	case *Logical:
		if e.Op == "and" {
			return r.eval(e.Left, get) && r.eval(e.Right, get)
		}
		return r.eval(e.Left, get) || r.eval(e.Right, get)
	case *Compare:
		vals := get(e.Attr)
		if e.Op == "pr" {
			for _, v := range vals {
				if v != nil && v != "" {
					return true
				}
			}
			return false
		}
		if e.Value == nil && e.Op == "eq" {
			for _, v := range vals {
				if v != nil {
					return false
				}
			}
			return true
		}
		for _, v := range vals {
			if r.compare(v, e.Op, e.Value) {
				return true
			}
		}
	}
	return false
}

func (r exprRules) compare(have any, op string, want any) bool {
	switch h := have.(type) {
	case time.Time:
		ws, ok := want.(string)
		if !ok {
			return false
		}
		w, err := parseExprTime(ws)
		if err != nil {
			return false
		}
		return ordered(h.Compare(w), op)
	case string:
		w, ok := want.(string)
		if !ok {
			return false
		}
		if r.fold {
			h, w = strings.ToLower(h), strings.ToLower(w)
		}
		switch op {
		case "eq":
			return h == w
		case "ne":
			return h != w
		case "sw":
			return strings.HasPrefix(h, w)
		case "ew":
			return strings.HasSuffix(h, w)
		case "co":
			return strings.Contains(h, w)
		}
		return ordered(strings.Compare(h, w), op)
	case float64:
		w, ok := want.(float64)
		if !ok {
			return false
		}
		switch {
		case h < w:
			return ordered(-1, op)
		case h > w:
			return ordered(1, op)
		}
		return ordered(0, op)
	case bool:
		w, ok := want.(bool)
		if !ok {
			return false
		}
		switch op {
		case "eq":
			return h == w
		case "ne":
			return h != w
		}
	}
	return false
}

func ordered(cmp int, op string) bool {
	switch op {
	case "eq":
		return cmp == 0
	case "ne":
		return cmp != 0
	case "gt":
		return cmp > 0
	case "ge":
		return cmp >= 0
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	}
	return false
}

// jsonValues turns a profile value into the values an expression compares:
// numbers as float64, arrays element by element.
func jsonValues(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		var out []any
		for _, e := range v {
			out = append(out, jsonValues(e)...)
		}
		return out
	case []string:
		out := make([]any, 0, len(v))
		for _, e := range v {
			out = append(out, e)
		}
		return out
	case int:
		return []any{float64(v)}
	case int64:
		return []any{float64(v)}
	case float32:
		return []any{float64(v)}
	case json.Number:
		f, _ := v.Float64()
		return []any{f}
	}
	return []any{v}
}
