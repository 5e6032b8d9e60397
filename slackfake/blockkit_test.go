package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func repeat(n int) string { return strings.Repeat("a", n) }

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func plain(s string) map[string]any  { return map[string]any{"type": "plain_text", "text": s} }
func mrkdwn(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }
func section(s string) map[string]any {
	return map[string]any{"type": "section", "text": mrkdwn(s)}
}
func button(text, value string) map[string]any {
	return map[string]any{"type": "button", "text": plain(text), "value": value, "action_id": "b-" + text}
}
func opt(text, value string) map[string]any {
	return map[string]any{"text": plain(text), "value": value}
}
func opts(n int) []any {
	var out []any
	for k := range n {
		out = append(out, opt(fmt.Sprint("o", k), fmt.Sprint("v", k)))
	}
	return out
}
func actions(els ...any) map[string]any { return map[string]any{"type": "actions", "elements": els} }
func input(blockID string, el map[string]any) map[string]any {
	return map[string]any{"type": "input", "block_id": blockID, "label": plain("Label"), "element": el}
}
func n(count int, v any) []any {
	out := make([]any, count)
	for k := range out {
		out[k] = v
	}
	return out
}

func TestMessageBlockLimits(t *testing.T) {
	cases := []struct {
		name   string
		blocks any
		want   []string // nil: valid
	}{
		{"valid mix", []any{
			map[string]any{"type": "header", "text": plain(repeat(150))},
			map[string]any{"type": "section", "text": mrkdwn(repeat(3000)), "fields": n(10, mrkdwn(repeat(2000))), "accessory": button("Go", repeat(2000))},
			map[string]any{"type": "divider"},
			map[string]any{"type": "context", "elements": n(10, mrkdwn("c"))},
			map[string]any{"type": "actions", "elements": []any{
				button(repeat(75), "v"),
				map[string]any{"type": "static_select", "action_id": "s", "placeholder": plain("p"), "options": opts(100)},
				map[string]any{"type": "overflow", "action_id": "o", "options": opts(5)},
				map[string]any{"type": "checkboxes", "action_id": "c", "options": opts(10)},
				map[string]any{"type": "radio_buttons", "action_id": "r", "options": opts(10), "initial_option": opt("o3", "v3")},
				map[string]any{"type": "datepicker", "action_id": "d", "initial_date": "2025-01-02"},
				map[string]any{"type": "users_select", "action_id": "u"},
				map[string]any{"type": "conversations_select", "action_id": "cs"},
				map[string]any{"type": "external_select", "action_id": "e", "min_query_length": 0},
				map[string]any{"type": "multi_external_select", "action_id": "me"},
				map[string]any{"type": "multi_static_select", "action_id": "ms", "options": opts(3)},
			}},
			map[string]any{"type": "image", "image_url": "https://x/y.png", "alt_text": "x"},
			map[string]any{"type": "rich_text", "elements": []any{map[string]any{"type": "rich_text_section", "elements": []any{}}}},
			map[string]any{"type": "markdown", "text": repeat(12000)},
			input("in", map[string]any{"type": "plain_text_input", "action_id": "t", "min_length": 3000}),
		}, nil},
		{"51 blocks", n(51, map[string]any{"type": "divider"}), []string{"no more than 50 items allowed [json-pointer:/blocks]"}},
		{"section text too long", []any{section(repeat(3001))}, []string{"must be less than 3001 characters [json-pointer:/blocks/0/text/text]"}},
		{"section text empty", []any{section("")}, []string{"must be more than 0 characters [json-pointer:/blocks/0/text/text]"}},
		{"section without text", []any{map[string]any{"type": "section"}}, []string{"must provide either text or fields [json-pointer:/blocks/0]"}},
		{"11 fields", []any{map[string]any{"type": "section", "fields": n(11, mrkdwn("f"))}}, []string{"no more than 10 items allowed [json-pointer:/blocks/0/fields]"}},
		{"field too long", []any{map[string]any{"type": "section", "fields": []any{mrkdwn(repeat(2001))}}}, []string{"must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]"}},
		{"header too long", []any{map[string]any{"type": "header", "text": plain(repeat(151))}}, []string{"must be less than 151 characters [json-pointer:/blocks/0/text/text]"}},
		{"header mrkdwn", []any{map[string]any{"type": "header", "text": mrkdwn("h")}}, []string{"must be plain_text [json-pointer:/blocks/0/text/type]"}},
		{"button text", []any{actions(button(repeat(76), "v"))}, []string{"must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"}},
		{"button value", []any{actions(button("b", repeat(2001)))}, []string{"must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]"}},
		{"button url", []any{actions(map[string]any{"type": "button", "text": plain("b"), "url": repeat(3001)})}, []string{"must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]"}},
		{"button style", []any{actions(map[string]any{"type": "button", "text": plain("b"), "style": "green"})}, []string{"must be one of primary, danger [json-pointer:/blocks/0/elements/0/style]"}},
		{"action_id too long", []any{actions(map[string]any{"type": "button", "text": plain("b"), "action_id": repeat(256)})}, []string{"must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]"}},
		{"duplicate action_id", []any{actions(button("b", "1"), button("b", "2"))}, []string{"duplicate action_id: b-b [json-pointer:/blocks/0/elements/1/action_id]"}},
		{"block_id too long", []any{map[string]any{"type": "divider", "block_id": repeat(256)}}, []string{"must be less than 256 characters [json-pointer:/blocks/0/block_id]"}},
		{"duplicate block_id", []any{map[string]any{"type": "divider", "block_id": "x"}, map[string]any{"type": "divider", "block_id": "x"}}, []string{"duplicate block_id: x [json-pointer:/blocks/1/block_id]"}},
		{"26 actions", []any{actions(n(26, map[string]any{"type": "button", "text": plain("b")})...)}, []string{"no more than 25 items allowed [json-pointer:/blocks/0/elements]"}},
		{"empty actions", []any{map[string]any{"type": "actions", "elements": []any{}}}, []string{"must provide at least 1 items [json-pointer:/blocks/0/elements]"}},
		{"11 context", []any{map[string]any{"type": "context", "elements": n(11, mrkdwn("c"))}}, []string{"no more than 10 items allowed [json-pointer:/blocks/0/elements]"}},
		{"101 options", []any{actions(map[string]any{"type": "static_select", "options": opts(101)})}, []string{"no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]"}},
		{"option text", []any{actions(map[string]any{"type": "static_select", "options": []any{opt(repeat(76), "v")}})}, []string{"must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]"}},
		{"option value", []any{actions(map[string]any{"type": "static_select", "options": []any{opt("o", repeat(151))}})}, []string{"must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]"}},
		{"initial option not an option", []any{actions(map[string]any{"type": "static_select", "options": opts(2), "initial_option": opt("x", "x")})}, []string{"must match one of the options [json-pointer:/blocks/0/elements/0/initial_option]"}},
		{"11 checkboxes", []any{actions(map[string]any{"type": "checkboxes", "options": opts(11)})}, []string{"no more than 10 items allowed [json-pointer:/blocks/0/elements/0/options]"}},
		{"11 radios", []any{actions(map[string]any{"type": "radio_buttons", "options": opts(11)})}, []string{"no more than 10 items allowed [json-pointer:/blocks/0/elements/0/options]"}},
		{"6 overflow", []any{actions(map[string]any{"type": "overflow", "options": opts(6)})}, []string{"no more than 5 items allowed [json-pointer:/blocks/0/elements/0/options]"}},
		{"unknown block", []any{map[string]any{"type": "sektion"}}, []string{"unsupported type: sektion [json-pointer:/blocks/0/type]"}},
		{"unknown element", []any{actions(map[string]any{"type": "slider"})}, []string{"unsupported type: slider [json-pointer:/blocks/0/elements/0/type]"}},
		{"input element in actions", []any{actions(map[string]any{"type": "plain_text_input"})}, []string{"unsupported type: plain_text_input (not allowed here) [json-pointer:/blocks/0/elements/0/type]"}},
		{"button in input", []any{input("i", button("b", "v"))}, []string{"unsupported type: button (not allowed here) [json-pointer:/blocks/0/element/type]"}},
		{"input without label", []any{map[string]any{"type": "input", "element": map[string]any{"type": "plain_text_input"}}}, []string{"missing required field: label [json-pointer:/blocks/0]"}},
		{"min_length", []any{input("i", map[string]any{"type": "plain_text_input", "min_length": 3001})}, []string{"must be at most 3000 [json-pointer:/blocks/0/element/min_length]"}},
		{"bad date", []any{actions(map[string]any{"type": "datepicker", "initial_date": "4 March"})}, []string{"must be a date in the format YYYY-MM-DD [json-pointer:/blocks/0/elements/0/initial_date]"}},
		{"image without alt", []any{map[string]any{"type": "image", "image_url": "https://x"}}, []string{"missing required field: alt_text [json-pointer:/blocks/0]"}},
		{"markdown too long", []any{map[string]any{"type": "markdown", "text": repeat(12001)}}, []string{"must be less than 12001 characters [json-pointer:/blocks/0/text]"}},
		{"text not an object", []any{map[string]any{"type": "section", "text": "hi"}}, []string{"must be an object [json-pointer:/blocks/0/text]"}},
		{"confirm", []any{actions(map[string]any{"type": "button", "text": plain("b"), "confirm": map[string]any{"title": plain(repeat(101)), "text": plain("t"), "confirm": plain("y"), "deny": plain("n")}})}, []string{"must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]"}},
		{"not an array", map[string]any{}, []string{"must be an array [json-pointer:/blocks]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := decodeJSON([]byte(js(tc.blocks)))
			if err != nil {
				t.Fatal(err)
			}
			var val validator
			val.blocks("/blocks", v, surfaceMessage)
			if diff := cmp.Diff(tc.want, val.errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestViewLimits(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{"type": "modal", "title": plain("Title"), "submit": plain("Go"), "close": plain("Cancel"),
			"blocks": []any{input("in", map[string]any{"type": "plain_text_input", "action_id": "t"})}}
	}
	with := func(k string, v any) map[string]any {
		m := base()
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name string
		view map[string]any
		want []string
	}{
		{"valid", base(), nil},
		{"100 blocks", with("blocks", n(100, map[string]any{"type": "divider"})), nil},
		{"101 blocks", with("blocks", n(101, map[string]any{"type": "divider"})), []string{"no more than 100 items allowed [json-pointer:/view/blocks]"}},
		{"title", with("title", plain(repeat(25))), []string{"must be less than 25 characters [json-pointer:/view/title/text]"}},
		{"submit", with("submit", plain(repeat(25))), []string{"must be less than 25 characters [json-pointer:/view/submit/text]"}},
		{"close", with("close", plain(repeat(25))), []string{"must be less than 25 characters [json-pointer:/view/close/text]"}},
		{"no submit with input", with("submit", nil), []string{"missing required field: submit (required when blocks contain an input block) [json-pointer:/view]"}},
		{"callback_id", with("callback_id", repeat(256)), []string{"must be less than 256 characters [json-pointer:/view/callback_id]"}},
		{"private_metadata", with("private_metadata", repeat(3001)), []string{"must be less than 3001 characters [json-pointer:/view/private_metadata]"}},
		{"not modal", with("type", "home"), []string{"unsupported type: home [json-pointer:/view/type]"}},
		{"no title", with("title", nil), []string{"missing required field: title [json-pointer:/view]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := decodeJSON([]byte(js(tc.view)))
			var val validator
			val.view("/view", v)
			if diff := cmp.Diff(tc.want, val.errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAllTextAndButtons(t *testing.T) {
	blocks := js([]any{
		map[string]any{"type": "header", "text": plain("Disable alice?")},
		map[string]any{"type": "section", "text": mrkdwn("*Requested by* <@U2BOB>"), "fields": []any{mrkdwn("Reason"), mrkdwn("left")}, "accessory": button("Details", "d")},
		map[string]any{"type": "context", "elements": []any{map[string]any{"type": "image", "image_url": "x", "alt_text": "alt"}, plain("ctx")}},
		map[string]any{"type": "rich_text", "elements": []any{map[string]any{"type": "rich_text_section", "elements": []any{
			map[string]any{"type": "text", "text": "see "}, map[string]any{"type": "link", "url": "https://x"}}}}},
		actions(button("Approve", "a"), button("Deny", "d"), map[string]any{"type": "static_select", "placeholder": plain("Pick"), "options": opts(1)}),
	})
	m := Message{Text: "fallback", Blocks: json.RawMessage(blocks)}
	want := "fallback\nDisable alice?\n*Requested by* <@U2BOB>\nReason\nleft\nDetails\nctx\nsee https://x\nApprove\nDeny\nPick"
	if got := m.AllText(); got != want {
		t.Errorf("AllText:\n%s\nwant:\n%s", got, want)
	}
	if diff := cmp.Diff([]string{"Details", "Approve", "Deny"}, m.Buttons()); diff != "" {
		t.Errorf("Buttons (-want +got):\n%s", diff)
	}
}
