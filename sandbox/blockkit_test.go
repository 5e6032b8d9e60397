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
	}
}

func TestUnrenderableNamesWhatIsMissing(t *testing.T) {
	got := Unrenderable(json.RawMessage(`[{"type":"section","accessory":{"type":"datepicker"}},{"type":"video"},{"type":"actions","elements":[{"type":"button"}]}]`))
	want := []string{"block:video", "element:datepicker"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Unrenderable = %q, want %q", got, want)
	}
}
