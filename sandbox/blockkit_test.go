package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Every golden reply of the bot's renderer (blocks/testdata) is drawn by
// the page: a block or element type the bot starts to emit fails here
// until web/app.js draws it. The end-to-end side (messages, modals and the
// Home tab of a whole sandbox session) is TestSandboxSession in cmd/bot.
func TestPageRendersEveryBlockKitTypeOfTheGoldens(t *testing.T) {
	blocks, elems := RendererTypes()
	if len(blocks) < 5 || !blocks["section"] || !elems["button"] {
		t.Fatalf("could not read the renderers from web/app.js: blocks %v, elements %v", blocks, elems)
	}
	files, err := filepath.Glob(filepath.Join("..", "blocks", "testdata", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files (%v)", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var msg struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		if err := json.Unmarshal(data, &msg); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if missing := Unrenderable(msg.Blocks); len(missing) > 0 {
			t.Errorf("%s: the page cannot draw %v: add them to BLOCKS or ELEMENTS in sandbox/web/app.js", filepath.Base(f), missing)
		}
		if missing := UndrawnEmoji(string(data)); len(missing) > 0 {
			t.Errorf("%s: the page shows %v as text: add them to EMOJI in sandbox/web/app.js", filepath.Base(f), missing)
		}
	}
}

func TestUndrawnEmojiNamesWhatIsMissing(t *testing.T) {
	if n := len(EmojiNames()); n < 30 || !EmojiNames()["iphone"] {
		t.Fatalf("could not read EMOJI from web/app.js: %d names", n)
	}
	got := UndrawnEmoji(`:white_check_mark: done at 06:07:55, token:software:totp; *:unicorn_face:* and :unicorn_face:`)
	if len(got) != 1 || got[0] != ":unicorn_face:" {
		t.Errorf("UndrawnEmoji = %q", got)
	}
}

func TestUnrenderableNamesWhatIsMissing(t *testing.T) {
	got := Unrenderable(json.RawMessage(`[{"type":"section","accessory":{"type":"datepicker"}},{"type":"video"},{"type":"actions","elements":[{"type":"button"}]}]`))
	want := []string{"block:video", "element:datepicker"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Unrenderable = %q, want %q", got, want)
	}
}
