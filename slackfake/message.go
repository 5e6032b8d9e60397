package slackfake

import (
	"encoding/json"
	"strings"
	"time"
)

// Message is something the bot showed to users.
type Message struct {
	Via          string // "ack", "response_url", "chat.postMessage", "chat.postEphemeral", "chat.update"; "user" for PostAsUser
	Channel      string
	User         string // the recipient of an ephemeral message
	TS, ThreadTS string
	ResponseType string // "ephemeral" or "in_channel" for ack and response_url messages
	Text         string
	Blocks       json.RawMessage
	// ReplaceOriginal and DeleteOriginal are the response_url flags; a
	// replacement keeps the original's Channel and TS.
	ReplaceOriginal, DeleteOriginal bool
	At                              time.Time
}

// Ephemeral reports whether only one user (User) sees the message.
func (m Message) Ephemeral() bool {
	return m.Via == "chat.postEphemeral" || m.ResponseType == "ephemeral"
}

// AllText is what a user reads: the message text, then every text in its
// blocks in reading order, one per line.
func (m Message) AllText() string {
	var out []string
	if m.Text != "" {
		out = append(out, m.Text)
	}
	out = append(out, blocksText(m.Blocks)...)
	return strings.Join(out, "\n")
}

// Buttons are the visible texts of the message's buttons, in order.
func (m Message) Buttons() []string {
	var out []string
	for _, b := range findButtons(m.Blocks) {
		out = append(out, b.text)
	}
	return out
}

// AllText is what a user reads in the view: title, every text in its
// blocks, then the submit and close labels.
func (v View) AllText() string {
	out := []string{}
	if v.Title != "" {
		out = append(out, v.Title)
	}
	out = append(out, blocksText(v.Blocks)...)
	for _, s := range []string{v.Submit, v.Close} {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n")
}

// Buttons are the visible texts of the view's buttons, in order.
func (v View) Buttons() []string {
	var out []string
	for _, b := range findButtons(v.Blocks) {
		out = append(out, b.text)
	}
	return out
}

func decodeBlocks(raw json.RawMessage) []map[string]any {
	if len(raw) == 0 {
		return nil
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil
	}
	arr, _ := v.([]any)
	var out []map[string]any
	for _, b := range arr {
		if m, ok := b.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func blocksText(raw json.RawMessage) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	for _, b := range decodeBlocks(raw) {
		switch b["type"] {
		case "section":
			add(textOf(b["text"]))
			fields, _ := b["fields"].([]any)
			for _, f := range fields {
				add(textOf(f))
			}
			if acc, ok := b["accessory"].(map[string]any); ok {
				out = append(out, elementText(acc)...)
			}
		case "header":
			add(textOf(b["text"]))
		case "context":
			els, _ := b["elements"].([]any)
			for _, e := range els {
				if em, ok := e.(map[string]any); ok && em["type"] != "image" {
					add(textOf(em))
				}
			}
		case "actions":
			els, _ := b["elements"].([]any)
			for _, e := range els {
				if em, ok := e.(map[string]any); ok {
					out = append(out, elementText(em)...)
				}
			}
		case "input":
			add(textOf(b["label"]))
			if em, ok := b["element"].(map[string]any); ok {
				out = append(out, elementText(em)...)
			}
			add(textOf(b["hint"]))
		case "image":
			add(textOf(b["title"]))
		case "markdown":
			add(stringOr(b["text"]))
		case "rich_text":
			var sb strings.Builder
			richText(b["elements"], &sb)
			for _, line := range strings.Split(sb.String(), "\n") {
				add(line)
			}
		}
	}
	return out
}

// elementText is what a user sees of an interactive element.
func elementText(e map[string]any) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	switch e["type"] {
	case "button":
		add(textOf(e["text"]))
	case "checkboxes", "radio_buttons":
		opts, _ := e["options"].([]any)
		for _, o := range opts {
			om, _ := o.(map[string]any)
			add(textOf(om["text"]))
			add(textOf(om["description"]))
		}
	case "overflow", "image":
	default:
		if o, ok := e["initial_option"].(map[string]any); ok {
			add(textOf(o["text"]))
		} else if opts, ok := e["initial_options"].([]any); ok && len(opts) > 0 {
			for _, o := range opts {
				om, _ := o.(map[string]any)
				add(textOf(om["text"]))
			}
		} else if iv := stringOr(e["initial_value"]); iv != "" {
			add(iv)
		} else {
			add(textOf(e["placeholder"]))
		}
	}
	return out
}

func richText(v any, sb *strings.Builder) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			richText(e, sb)
		}
	case map[string]any:
		switch x["type"] {
		case "text":
			sb.WriteString(stringOr(x["text"]))
		case "link":
			if t := stringOr(x["text"]); t != "" {
				sb.WriteString(t)
			} else {
				sb.WriteString(stringOr(x["url"]))
			}
		case "user":
			sb.WriteString("<@" + stringOr(x["user_id"]) + ">")
		case "channel":
			sb.WriteString("<#" + stringOr(x["channel_id"]) + ">")
		case "usergroup":
			sb.WriteString("<!subteam^" + stringOr(x["usergroup_id"]) + ">")
		case "emoji":
			sb.WriteString(":" + stringOr(x["name"]) + ":")
		case "rich_text_section", "rich_text_preformatted", "rich_text_quote":
			richText(x["elements"], sb)
			sb.WriteString("\n")
		case "rich_text_list":
			richText(x["elements"], sb)
		}
	}
}

type buttonRef struct {
	text    string
	blockID string
	element map[string]any
}

func findButtons(raw json.RawMessage) []buttonRef {
	var out []buttonRef
	for _, b := range decodeBlocks(raw) {
		bid := stringOr(b["block_id"])
		var els []any
		switch b["type"] {
		case "actions":
			els, _ = b["elements"].([]any)
		case "section":
			if acc, ok := b["accessory"]; ok {
				els = []any{acc}
			}
		}
		for _, e := range els {
			em, ok := e.(map[string]any)
			if ok && em["type"] == "button" {
				out = append(out, buttonRef{text: textOf(em["text"]), blockID: bid, element: em})
			}
		}
	}
	return out
}
