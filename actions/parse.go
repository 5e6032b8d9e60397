package actions

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"oktabot/internal/duration"
	"oktabot/internal/suggest"
)

// MaxTargets bounds how many targets one request may name.
const MaxTargets = 500

// maxLimit bounds --limit values.
const maxLimit = 10000

// Parsed is a command line turned into a request. Missing lists the
// required values that were not given ("targets" or parameter names); a
// caller that can ask for them (a modal) does, others refuse.
type Parsed struct {
	Request Request
	Missing []string
}

// Parse turns the text after the slash command into a request for one of
// the registry's actions:
//
//	<action> [target…] [--flag[=value]…] [--reason "…"] [--public]
//
// text is what the caller typed: the caller undoes Slack's escaping once,
// before Parse, which does not undo it again (so "&amp;" typed stays
// "&amp;"). Targets are separated by spaces or commas; double quotes
// (straight or curly, as Slack clients type them) group words. A flag
// starts with "--" or any run of dashes that Slack clients and phones make
// of it (en and em dashes, minus signs, …; see flagWord).
//
// A password on the command line, in any spelling (--password, --pass,
// --new-password, a look-alike dash, quoted, any casing), is refused before
// anything else is looked at. Errors are *Error of KindInvalid with a
// message for the caller; they never repeat such a password.
func (r *Registry) Parse(text string) (Parsed, error) {
	words, err := tokenize(text)
	if err != nil {
		return Parsed{}, err
	}
	if len(words) == 0 {
		return Parsed{}, Errorf(KindInvalid, "no action given")
	}
	name := strings.ToLower(words[0].text)
	a := r.Lookup(name)
	if err := refusePasswords(a, words); err != nil {
		return Parsed{}, err
	}
	if a == nil {
		return Parsed{}, r.unknownAction(name)
	}
	req := Request{Action: a, Values: map[string]string{}}
	seen := map[string]bool{}
	var targets []string
	for i := 1; i < len(words); i++ {
		w := words[i]
		flag, value, hasValue, isFlag := flagWord(w)
		if !isFlag {
			targets = append(targets, splitTargets(w)...)
			continue
		}
		switch flag {
		case "public":
			b, err := parseBool("public", value, hasValue)
			if err != nil {
				return Parsed{}, err
			}
			req.Public = b
			continue
		case "reason":
			if !hasValue {
				if i+1 >= len(words) {
					return Parsed{}, Errorf(KindInvalid, "--reason needs a value, e.g. --reason \"ticket INC-123\"")
				}
				i++
				value = words[i].text
			}
			req.Reason = strings.TrimSpace(value)
			continue
		case "scope":
			if a.Targets != UserTargets {
				return Parsed{}, Errorf(KindInvalid, "--scope adds the people named in a Slack message; %s does not act on users", a.Name)
			}
			if !hasValue {
				if i+1 >= len(words) {
					return Parsed{}, Errorf(KindInvalid, "--scope needs a message link (Slack: the message's ⋯ menu → Copy link)")
				}
				i++
				value = words[i].text
			}
			if req.Context != "" {
				return Parsed{}, Errorf(KindInvalid, "--scope is given twice")
			}
			req.Context = strings.TrimSpace(value)
			continue
		}
		p := a.Param(flag)
		if p == nil {
			return Parsed{}, unknownFlag(a, flag)
		}
		if p.Type == Password {
			return Parsed{}, passwordRefused(a)
		}
		if seen[p.Name] {
			return Parsed{}, Errorf(KindInvalid, "--%s is given twice", p.Name)
		}
		seen[p.Name] = true
		if p.Type == Bool {
			b, err := parseBool(p.Name, value, hasValue)
			if err != nil {
				return Parsed{}, err
			}
			req.Values[p.Name] = strconv.FormatBool(b)
			continue
		}
		if !hasValue {
			if _, _, _, next := flagWord(words[min(i+1, len(words)-1)]); i+1 >= len(words) || next {
				return Parsed{}, Errorf(KindInvalid, "--%s needs a value", p.Name)
			}
			i++
			value = words[i].text
		}
		v, err := p.normalize(value)
		if err != nil {
			return Parsed{}, err
		}
		req.Values[p.Name] = v
	}
	req.Targets = dedupe(targets)
	return complete(req)
}

// Build makes a request from a form's values, with the checks Parse makes
// on a command line. raw holds each parameter's text as entered (booleans
// as "true" or "false"; empty means not given); the password, for actions
// that take one, comes separately so that it never sits among the values.
// A value's error names its parameter in Error.Field.
func (r *Registry) Build(a *Action, targets []string, raw map[string]string, password Secret, reason string, public bool) (Parsed, error) {
	if err := refuseFormPasswords(a, targets, raw, reason); err != nil {
		return Parsed{}, err
	}
	req := Request{Action: a, Values: map[string]string{}, Password: password, Reason: strings.TrimSpace(reason), Public: public}
	var clean []string
	for _, t := range targets {
		if t = strings.TrimSpace(t); t != "" {
			clean = append(clean, t)
		}
	}
	req.Targets = dedupe(clean)
	for _, p := range a.Params {
		v, ok := raw[p.Name]
		if !ok || strings.TrimSpace(v) == "" || p.Type == Password {
			continue
		}
		if p.Type == Bool {
			b, err := parseBool(p.Name, v, true)
			if err != nil {
				return Parsed{}, err
			}
			req.Values[p.Name] = strconv.FormatBool(b)
			continue
		}
		n, err := p.normalize(v)
		if err != nil {
			return Parsed{}, err
		}
		req.Values[p.Name] = n
	}
	parsed, err := complete(req)
	if err != nil {
		return Parsed{}, err
	}
	if p := passwordParam(a); p != nil && !password.IsZero() {
		parsed.Missing = slices.DeleteFunc(parsed.Missing, func(m string) bool { return m == p.Name })
	}
	return parsed, nil
}

func passwordParam(a *Action) *Param {
	for i := range a.Params {
		if a.Params[i].Type == Password {
			return &a.Params[i]
		}
	}
	return nil
}

// complete checks the targets, fills in defaults and lists what is missing.
func complete(req Request) (Parsed, error) {
	a := req.Action
	var missing []string
	switch a.Targets {
	case NoTargets:
		if len(req.Targets) > 0 {
			return Parsed{}, &Error{Kind: KindInvalid, Field: "targets", Message: fmt.Sprintf("%s takes no targets, but got %s", a.Name, quoteList(req.Targets))}
		}
	case NameTarget:
		if len(req.Targets) > 1 {
			return Parsed{}, &Error{Kind: KindInvalid, Field: "targets", Message: fmt.Sprintf("%s takes one name; put a name with spaces in quotes, e.g. \"On-call rota\"", a.Name)}
		}
	}
	if len(req.Targets) > MaxTargets {
		return Parsed{}, &Error{Kind: KindInvalid, Field: "targets", Message: fmt.Sprintf("%d targets is more than the %d one request may name", len(req.Targets), MaxTargets)}
	}
	if a.TargetsRequired && len(req.Targets) == 0 && req.Context == "" {
		missing = append(missing, "targets")
	}
	for _, p := range a.Params {
		if _, ok := req.Values[p.Name]; ok {
			continue
		}
		if p.Required {
			missing = append(missing, p.Name)
			continue
		}
		if p.Default != "" {
			req.Values[p.Name] = p.Default
		}
	}
	return Parsed{Request: req, Missing: missing}, nil
}

// normalize checks a flag value against the parameter's type and returns
// its canonical form.
func (p *Param) normalize(value string) (string, error) {
	v, err := p.normalizeValue(strings.TrimSpace(value))
	var e *Error
	if errors.As(err, &e) {
		e.Field = p.Name
	}
	return v, err
}

func (p *Param) normalizeValue(value string) (string, error) {
	switch p.Type {
	case Duration:
		d, err := duration.Parse(value)
		if err != nil || d <= 0 {
			return "", Errorf(KindInvalid, "--%s takes a duration such as 30m, 2h or 7d, not %q", p.Name, value)
		}
		return duration.Text(d), nil
	case Int:
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 {
			return "", Errorf(KindInvalid, "--%s must be a whole number of at least 1, not %q", p.Name, value)
		}
		if n > maxLimit {
			return "", Errorf(KindInvalid, "--%s may be at most %d", p.Name, maxLimit)
		}
		return strconv.Itoa(n), nil
	case Choice:
		vals := []string{value}
		if p.Multi {
			vals = splitList(value)
		}
		if len(vals) == 0 || vals[0] == "" {
			return "", Errorf(KindInvalid, "--%s needs a value: one of %s", p.Name, strings.Join(p.Choices, ", "))
		}
		for i, v := range vals {
			c, ok := choose(p.Choices, v)
			if !ok {
				return "", Errorf(KindInvalid, "%q is not a valid --%s; choose from %s", v, p.Name, strings.Join(p.Choices, ", "))
			}
			vals[i] = c
		}
		return strings.Join(dedupe(vals), ","), nil
	default:
		if p.Multi {
			vals := splitList(value)
			if len(vals) == 0 {
				return "", Errorf(KindInvalid, "--%s needs a value", p.Name)
			}
			return strings.Join(dedupe(vals), ","), nil
		}
		if value == "" {
			return "", Errorf(KindInvalid, "--%s needs a value", p.Name)
		}
		return value, nil
	}
}

func choose(choices []string, v string) (string, bool) {
	for _, c := range choices {
		if strings.EqualFold(c, v) {
			return c, true
		}
	}
	return "", false
}

func parseBool(name, value string, hasValue bool) (bool, error) {
	if !hasValue {
		return true, nil
	}
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, &Error{Kind: KindInvalid, Field: name, Message: fmt.Sprintf("--%s is a switch: give it alone, or as --%s=true or --%s=false", name, name, name)}
}

func (r *Registry) unknownAction(name string) error {
	msg := fmt.Sprintf("there is no action %q", name)
	if s := suggest.Closest(name, r.Names()); s != "" {
		msg += fmt.Sprintf("; did you mean `%s`?", s)
	}
	return Errorf(KindInvalid, "%s Try `/okta help`.", msg)
}

func unknownFlag(a *Action, flag string) error {
	var names []string
	for _, p := range a.Params {
		if p.Type != Password {
			names = append(names, "--"+p.Name)
		}
	}
	names = append(names, "--reason", "--public")
	if a.Targets == UserTargets {
		names = append(names, "--scope")
	}
	msg := fmt.Sprintf("%s has no flag --%s", a.Name, flag)
	if s := suggest.Closest("--"+flag, names); s != "" {
		msg += fmt.Sprintf("; did you mean `%s`?", s)
	}
	return Errorf(KindInvalid, "%s (flags: %s)", msg, strings.Join(names, " "))
}

type word struct {
	text   string
	quoted bool
}

// tokenize splits on unquoted white space. Quoted text keeps its spaces
// and commas:
//   - double quotes, straight or curly (Slack clients curl them); inside,
//     \" is a literal quote, so Okta expressions can be written
//     --filter "status eq \"ACTIVE\"";
//   - single quotes, straight or curly, opening at the start of a word and
//     closing at its end, so --search 'profile.department eq "Sales"' works
//     and an apostrophe inside a word (o'brien) stays a letter.
func tokenize(s string) ([]word, error) {
	var (
		words  []word
		cur    strings.Builder
		inWord bool
		quoted bool
		quote  rune // 0, '"' or '\''
	)
	flush := func() {
		if inWord {
			words = append(words, word{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		inWord, quoted = false, false
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '"':
			switch {
			case r == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\'):
				i++
				cur.WriteRune(rs[i])
			case isDoubleQuote(r):
				quote = 0
			default:
				cur.WriteRune(r)
			}
		case quote == '\'':
			if (r == '\'' || r == '’') && (i+1 == len(rs) || isSpace(rs[i+1])) {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case isDoubleQuote(r):
			quote = '"'
			inWord, quoted = true, true
		case (r == '\'' || r == '‘') && !inWord:
			quote = '\''
			inWord, quoted = true, true
		case isSpace(r):
			flush()
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, Errorf(KindInvalid, "a quote is not closed")
	}
	flush()
	return words, nil
}

func isDoubleQuote(r rune) bool { return r == '"' || r == '“' || r == '”' }

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0'
}

// splitTargets splits an unquoted word on commas; a quoted word is one
// target.
func splitTargets(w word) []string {
	if w.quoted {
		if t := strings.TrimSpace(w.text); t != "" {
			return []string{t}
		}
		return nil
	}
	var out []string
	for _, t := range strings.Split(w.text, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		k := strings.ToLower(s)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

func quoteList(in []string) string {
	q := make([]string, len(in))
	for i, s := range in {
		q[i] = strconv.Quote(s)
	}
	sort.Strings(q)
	return strings.Join(q, ", ")
}
