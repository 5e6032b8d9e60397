package oktatest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseExpression(t *testing.T) {
	tests := []struct {
		in   string
		want Expr
	}{
		{`status eq "ACTIVE"`, &Compare{Attr: "status", Op: "eq", Value: "ACTIVE"}},
		{`profile.login EQ "a@b.c"`, &Compare{Attr: "profile.login", Op: "eq", Value: "a@b.c"}},
		{`profile.department pr`, &Compare{Attr: "profile.department", Op: "pr"}},
		{`profile.age gt 30`, &Compare{Attr: "profile.age", Op: "gt", Value: float64(30)}},
		{`profile.admin eq true`, &Compare{Attr: "profile.admin", Op: "eq", Value: true}},
		{`profile.nick eq null`, &Compare{Attr: "profile.nick", Op: "eq", Value: nil}},
		{`profile.login eq "x\" or type eq \"OKTA_GROUP"`,
			&Compare{Attr: "profile.login", Op: "eq", Value: `x" or type eq "OKTA_GROUP`}},
		{`profile.name eq "tab\there \u00e9"`, &Compare{Attr: "profile.name", Op: "eq", Value: "tab\there é"}},
		{`a eq "1" or b eq "2" and c eq "3"`, &Logical{Op: "or",
			Left: &Compare{Attr: "a", Op: "eq", Value: "1"},
			Right: &Logical{Op: "and",
				Left:  &Compare{Attr: "b", Op: "eq", Value: "2"},
				Right: &Compare{Attr: "c", Op: "eq", Value: "3"}}}},
		{`(a eq "1" OR b eq "2") AND c eq "3"`, &Logical{Op: "and",
			Left: &Logical{Op: "or",
				Left:  &Compare{Attr: "a", Op: "eq", Value: "1"},
				Right: &Compare{Attr: "b", Op: "eq", Value: "2"}},
			Right: &Compare{Attr: "c", Op: "eq", Value: "3"}}},
		{`  ((status eq "A"))  `, &Compare{Attr: "status", Op: "eq", Value: "A"}},
	}
	for _, tt := range tests {
		got, err := ParseExpression(tt.in)
		if err != nil {
			t.Errorf("ParseExpression(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseExpression(%q) (-want +got):\n%s", tt.in, diff)
		}
		// String renders something that parses to the same tree.
		again, err := ParseExpression(got.String())
		if err != nil || !cmp.Equal(got, again) {
			t.Errorf("round trip of %q via %q: %v, %v", tt.in, got.String(), again, err)
		}
	}
}

func TestParseExpressionErrors(t *testing.T) {
	for _, in := range []string{
		``,
		`   `,
		`status`,
		`status eq`,
		`status eq ACTIVE`,
		`status eq 'ACTIVE'`,
		`status eq "ACTIVE`,
		`status eq "bad \q escape"`,
		`status equals "A"`,
		`status eq "A" and`,
		`status eq "A" or or b eq "B"`,
		`(status eq "A"`,
		`status eq "A")`,
		`not status eq "A"`,
		`"status" eq "A"`,
		`status eq "A" status eq "B"`,
		`sta(tus eq "A"`,
		`profile. eq "A"`,
	} {
		if e, err := ParseExpression(in); err == nil {
			t.Errorf("ParseExpression(%q) = %v, want an error", in, e)
		}
	}
}

func TestEvalExpression(t *testing.T) {
	created := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	u := &user{id: "00uabc", status: "ACTIVE", created: created, lastUpdated: created,
		profile: map[string]any{"login": "Ann@Corp.com", "firstName": "Ann", "tags": []any{"red", "blue"}, "age": float64(41), "empty": ""}}
	tests := []struct {
		rules exprRules
		expr  string
		want  bool
	}{
		{userSearchRules, `profile.login eq "ann@corp.com"`, true},
		{userFilterRules, `profile.login eq "ann@corp.com"`, false},
		{userFilterRules, `profile.login eq "Ann@Corp.com"`, true},
		{userSearchRules, `profile.tags eq "BLUE"`, true},
		{userSearchRules, `profile.tags eq "green"`, false},
		{userSearchRules, `profile.age ge 41 and profile.age lt 42`, true},
		{userSearchRules, `profile.age gt "41"`, false},
		{userSearchRules, `profile.empty pr`, false},
		{userSearchRules, `profile.missing pr`, false},
		{userSearchRules, `profile.missing eq null`, true},
		{userSearchRules, `created gt "2024-01-01T00:00:00.000Z"`, true},
		{userSearchRules, `created lt "2024-03-01T12:00:00Z"`, false},
		{userSearchRules, `created eq "2024-03-01T13:00:00+01:00"`, true},
		{userSearchRules, `activated pr`, false},
		{userFilterRules, `lastUpdated ge "2024-03-01T12:00:00.000Z" and status eq "ACTIVE"`, true},
	}
	for _, tt := range tests {
		e, err := ParseExpression(tt.expr)
		if err == nil {
			err = tt.rules.check(e)
		}
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got := tt.rules.eval(e, u.attr); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.expr, got, tt.want)
		}
	}
}
