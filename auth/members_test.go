package auth

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMembers(t *testing.T) {
	p, err := Load(filepath.Join("..", "policy.example.yml"), known)
	if err != nil {
		t.Fatal(err)
	}
	users, groups := p.Members("oncall")
	if !cmp.Equal(users, []string{"U0123ONCALL"}) || !cmp.Equal(groups, []string{"S0456ONCALLGROUP"}) {
		t.Errorf("Members(oncall) = %q, %q", users, groups)
	}
	if users, groups := p.Members("nobody"); users != nil || groups != nil {
		t.Errorf("Members(nobody) = %q, %q, want nothing", users, groups)
	}
}
