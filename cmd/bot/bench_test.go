package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// The bench runs the built binary through every measurement, at small
// sizes, and prints its table and its verdicts; nothing fails to be
// measured, the bot's peak memory included.
func TestBenchShort(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the whole bench at small sizes")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	var out, progress bytes.Buffer
	if err := runBench(context.Background(), []benchBot{processBot{path: bin}}, benchShort, 75, &out, &progress); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out.String(), progress.String())
	}
	got := out.String()
	for _, want := range []string{
		"| 20 `get-user` from 20 people at once, Okta answering in 10 ms: answered / busy | 20 / 0 |",
		"| … Okta calls per answer / answers without factor types (Okta busy) | 2.00 / 0 |",
		"commands/s |", "its floor", "one call after another", "audit bytes per target, `disable-user` on 5 / 20 |",
		"Targets, for (1):", "pass: Okta at 10 ms: 0 busy",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if !regexp.MustCompile("`list-users` of 450 with its CSV: time / peak memory \\| [0-9.]+ m?s / \\+[0-9.]+ MB \\|").MatchString(got) {
		t.Errorf("no listing time and peak memory in:\n%s", got)
	}
	if strings.Contains(got, "error,") {
		t.Errorf("a measurement failed:\n%s", got)
	}
}
