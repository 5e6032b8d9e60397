package actions

import (
	"strings"
	"unicode"
)

// isDash reports whether r is a dash a person may have typed for "-":
// Slack's clients, macOS and phones turn "--" into an en or em dash ("smart
// punctuation"), and pasted text brings minus signs and other dashes.
func isDash(r rune) bool {
	switch r {
	case '-', // hyphen-minus
		'\u2010', // hyphen
		'\u2011', // non-breaking hyphen
		'\u2012', // figure dash
		'\u2013', // en dash
		'\u2014', // em dash
		'\u2015', // horizontal bar
		'\u2212', // minus sign
		'\u2E3A', // two-em dash
		'\u2E3B', // three-em dash
		'\uFE58', // small em dash
		'\uFE63', // small hyphen-minus
		'\uFF0D': // fullwidth hyphen-minus
		return true
	}
	return false
}

// trimDashes cuts a leading run of dashes (any of isDash) off s and reports
// how many there were.
func trimDashes(s string) (rest string, n int) {
	for i, r := range s {
		if !isDash(r) {
			return s[i:], n
		}
		n++
	}
	return "", n
}

// flagWord reads an unquoted word as a flag: one or more dashes of any kind
// (so "--x", "—x", "–x", "−−x" and "-x" are all the flag --x), then its
// name, and "=value" when given. Quoted words are never flags: quotes make
// a target or a value of what they hold. A word of dashes alone is a flag
// with no name (which no action has).
func flagWord(w word) (name, value string, hasValue, ok bool) {
	if w.quoted {
		return "", "", false, false
	}
	rest, n := trimDashes(w.text)
	if n == 0 {
		return "", "", false, false
	}
	name, value, hasValue = strings.Cut(rest, "=")
	return strings.ToLower(name), value, hasValue, true
}

// passwordName reports whether a flag name (as typed after its dashes) asks
// to pass a password: --password, --pass, --passwd, --pwd, --new-password,
// --newPassword, --new_pass, --pw, … in any casing. Parameters the action
// declares under such a name that are not passwords (a switch, say) are not
// meant: own says which names those are.
func passwordName(name string, own func(string) bool) bool {
	if own != nil && own(strings.ToLower(name)) {
		return false
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	n := b.String()
	for _, part := range []string{"pass", "pasw", "pwd", "pword", "secret"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	switch strings.TrimPrefix(strings.TrimPrefix(n, "new"), "temp") {
	case "pw", "pin":
		return true
	}
	return false
}

// looksLikePasswordFlag reports whether text, anywhere a word or a value
// may hold it, is a password flag: a run of dashes and a password name
// (passwordName), alone or with "=value". A value may itself be a flag
// ("--reason=--password=x"), so what follows "=" is looked at too.
func looksLikePasswordFlag(text string, own func(string) bool) bool {
	for text != "" {
		rest, n := trimDashes(strings.TrimLeft(strings.TrimSpace(text), "\"'`“”‘’«»"))
		if n == 0 {
			return false
		}
		name, value, _ := strings.Cut(rest, "=")
		if passwordName(name, own) {
			return true
		}
		text = value
	}
	return false
}

// refusePasswords refuses a command line that holds a password flag in any
// spelling, quoted or not, as a flag, a flag's value, a comma-separated
// target or a word inside quotes, before anything of it is used or
// repeated. a is the command's action, or nil when it is not known.
func refusePasswords(a *Action, words []word) error {
	own := func(name string) bool {
		if a == nil {
			return false
		}
		p := a.Param(name)
		return p != nil && p.Type != Password
	}
	for _, w := range words {
		parts := strings.FieldsFunc(w.text, func(r rune) bool { return r == ',' || isSpace(r) })
		for _, part := range parts {
			if looksLikePasswordFlag(part, own) {
				return passwordRefused(a)
			}
		}
	}
	return nil
}

// passwordRefused is the answer to a password typed on a command line. It
// repeats nothing of what was typed.
func passwordRefused(a *Action) error {
	const why = "never on the command line (Slack shows commands to others and keeps them). Nothing was run and what you typed is not repeated here or kept; if it was a real password, choose another."
	if a != nil && passwordParam(a) != nil {
		return Errorf(KindInvalid, "A password is accepted only in the %s form, %s Run `/okta %s` with your targets to open the form.", a.Name, why, a.Name)
	}
	return Errorf(KindInvalid, "A password is accepted only in a form, %s", why)
}

// refuseFormPasswords is refusePasswords for a form's text fields: a
// password flag typed into a target, a parameter or the reason is refused
// the same way, with the field it was found in.
func refuseFormPasswords(a *Action, targets []string, raw map[string]string, reason string) error {
	field := func(name, text string) error {
		if err := refusePasswords(a, []word{{text: text}}); err != nil {
			err.(*Error).Field = name
			return err
		}
		return nil
	}
	for _, t := range targets {
		if err := field("targets", t); err != nil {
			return err
		}
	}
	for _, p := range a.Params {
		if err := field(p.Name, raw[p.Name]); err != nil {
			return err
		}
	}
	return field("reason", reason)
}
