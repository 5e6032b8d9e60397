package sandbox

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// RendererTypes are the Block Kit block and element types the page draws:
// the keys of BLOCKS and ELEMENTS in web/app.js.
func RendererTypes() (blocks, elements map[string]bool) {
	src, err := webFiles.ReadFile("web/app.js")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return objectKeys(string(src), "BLOCKS"), objectKeys(string(src), "ELEMENTS")
}

// EmojiNames are the Slack emoji the page draws: the keys of EMOJI in
// web/app.js (the others show as their :name:).
func EmojiNames() map[string]bool {
	src, err := webFiles.ReadFile("web/app.js")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	body := string(src)
	if start := strings.Index(body, "const EMOJI = {"); start >= 0 {
		body = body[start:]
		if end := strings.Index(body, "\n};"); end >= 0 {
			body = body[:end]
		}
	} else {
		return nil
	}
	out := map[string]bool{}
	for _, m := range emojiKeyRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = true
	}
	return out
}

var emojiKeyRE = regexp.MustCompile(`([a-z0-9_+-]+): "`)

// emojiRE finds a Slack emoji in text: :name: after a space, a quote or
// markup (not "token:software:totp", nor a time's ":07:").
var emojiRE = regexp.MustCompile(`(?:^|[\s"(>*_])(:[a-z][a-z0-9_+-]*:)`)

// UndrawnEmoji lists the emoji in text that the page shows as their
// :name:, sorted.
func UndrawnEmoji(text string) []string {
	known := EmojiNames()
	seen := map[string]bool{}
	for _, m := range emojiRE.FindAllStringSubmatch(text, -1) {
		if name := strings.Trim(m[1], ":"); !known[name] {
			seen[m[1]] = true
		}
	}
	out := make([]string, 0, len(seen))
	for e := range seen {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

var methodRE = regexp.MustCompile(`(?m)^  ([a-z_]+)\(`)

// objectKeys reads the method names of `const NAME = { … };` (two-space
// indented, one per renderer).
func objectKeys(src, name string) map[string]bool {
	start := strings.Index(src, "const "+name+" = {")
	if start < 0 {
		return nil
	}
	body := src[start:]
	if end := strings.Index(body, "\n};"); end >= 0 {
		body = body[:end]
	}
	out := map[string]bool{}
	for _, m := range methodRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = true
	}
	return out
}

// Unrenderable lists the block and element types in blocks (a JSON array
// of blocks, as the bot sends them) that the page cannot draw, as
// "block:TYPE" or "element:TYPE", sorted.
func Unrenderable(blocks json.RawMessage) []string {
	var list []any
	if json.Unmarshal(blocks, &list) != nil {
		return nil
	}
	known, elems := RendererTypes()
	missing := map[string]bool{}
	for _, b := range list {
		bm, _ := b.(map[string]any)
		if t, _ := bm["type"].(string); !known[t] {
			missing["block:"+t] = true
		}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				if t, ok := x["type"].(string); ok && !elems[t] {
					missing["element:"+t] = true
				}
			}
		}
		for _, k := range []string{"elements", "accessory", "element"} {
			walk(bm[k])
		}
	}
	out := make([]string, 0, len(missing))
	for k := range missing {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
