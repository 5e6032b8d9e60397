package store_test

import (
	"context"
	"reflect"
	"regexp"
	"testing"
	"time"

	"oktabot/store"
)

func TestNewID(t *testing.T) {
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	seen := map[string]bool{}
	for range 1000 {
		id := store.NewID()
		// 26 base32 characters carry 130 bits.
		if len(id) < 26 || !urlSafe.MatchString(id) {
			t.Fatalf("NewID() = %q: want at least 26 URL-safe characters", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestAuditLimit(t *testing.T) {
	for limit, want := range map[int]int{-5: 20, 0: 20, 1: 1, 20: 20, 200: 200, 201: 200, 1 << 40: 200} {
		if got := (store.AuditFilter{Limit: limit}).AuditLimit(); got != want {
			t.Errorf("AuditLimit() with Limit %d = %d, want %d", limit, got, want)
		}
	}
}

func TestStatus(t *testing.T) {
	final := map[store.Status]bool{
		store.StatusPending: false, store.StatusApproved: false, store.StatusRunning: false,
		store.StatusDone: true, store.StatusFailed: true, store.StatusDenied: true, store.StatusExpired: true,
	}
	for s, want := range final {
		if !s.Valid() {
			t.Errorf("%s not Valid", s)
		}
		if s.Final() != want {
			t.Errorf("%s.Final() = %v, want %v", s, s.Final(), want)
		}
	}
	if store.Status("approve").Valid() {
		t.Error(`"approve" is Valid`)
	}
}

// The store never holds a secret: nothing that goes in or out of a Store
// can carry one. Secrets (actions.Secret) are a type whose value lives in a
// closure, so a type-level check suffices: every value crossing the
// interface is built from strings, numbers, times and lists or maps of
// them, with no funcs, interfaces or pointers in which a Secret could hide.
func TestNoSecretsCrossTheInterface(t *testing.T) {
	allowed := map[reflect.Type]bool{
		reflect.TypeFor[context.Context](): true,
		reflect.TypeFor[error]():           true,
		reflect.TypeFor[time.Time]():       true,
		reflect.TypeFor[time.Duration]():   true,
	}
	var check func(path string, typ reflect.Type)
	check = func(path string, typ reflect.Type) {
		if allowed[typ] {
			return
		}
		switch typ.Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int64:
		case reflect.Slice:
			check(path+"[]", typ.Elem())
		case reflect.Map:
			check(path+"[key]", typ.Key())
			check(path+"[value]", typ.Elem())
		case reflect.Struct:
			for i := range typ.NumField() {
				f := typ.Field(i)
				check(path+"."+f.Name, f.Type)
			}
		default:
			t.Errorf("%s has type %s (%s), which could carry a secret", path, typ, typ.Kind())
		}
	}
	iface := reflect.TypeFor[store.Store]()
	for i := range iface.NumMethod() {
		m := iface.Method(i)
		for j := range m.Type.NumIn() {
			check(m.Name+" argument", m.Type.In(j))
		}
		for j := range m.Type.NumOut() {
			check(m.Name+" result", m.Type.Out(j))
		}
	}
}
