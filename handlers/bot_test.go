package handlers

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestSafelyTurnsAPanicIntoALogLine(t *testing.T) {
	var logs bytes.Buffer
	b := New(Config{Logger: zerolog.New(&logs)})
	if !b.safely("E123", func() { panic("nil view state") }) {
		t.Error("safely did not report the panic")
	}
	for _, want := range []string{`"envelope_id":"E123"`, `"panic":"nil view state"`, `"stack":`, "abandoned"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %s lacks %s", logs.String(), want)
		}
	}
	ran := false
	if b.safely("E124", func() { ran = true }) || !ran {
		t.Error("safely did not run f, or reported a panic that did not happen")
	}
}
