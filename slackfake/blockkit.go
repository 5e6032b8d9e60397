package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// Block Kit limits (reference/slack.md §4).
const (
	maxMessageText     = 40000
	maxBlocksMessage   = 50
	maxBlocksModal     = 100
	maxSectionText     = 3000
	maxSectionFields   = 10
	maxFieldText       = 2000
	maxHeaderText      = 150
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxURL             = 3000
	maxID              = 255
	maxActionsElements = 25
	maxContextElements = 10
	maxSelectOptions   = 100
	maxOptionText      = 75
	maxOptionValue     = 150
	maxChoiceOptions   = 10 // checkboxes, radio_buttons
	maxOverflowOptions = 5
	maxViewTitle       = 24 // title, submit, close
	maxPrivateMetadata = 3000
	maxMarkdownText    = 12000
	maxAltText         = 2000
	maxLabel           = 2000
	maxPlaceholder     = 150
	maxInputLength     = 3000
)

type surface int

const (
	surfaceMessage surface = iota
	surfaceModal
)

// decodeJSON decodes one JSON value, keeping numbers as json.Number.
func decodeJSON(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

// truncateText cuts message text at Slack's 40,000 characters.
func truncateText(s string) (string, bool) {
	if utf8.RuneCountInString(s) <= maxMessageText {
		return s, false
	}
	r := []rune(s)
	return string(r[:maxMessageText]), true
}

// validator collects Block Kit errors in Slack's form:
// "must be less than 3001 characters [json-pointer:/blocks/0/text/text]".
type validator struct {
	errs []string
}

func (v *validator) errf(ptr, format string, args ...any) {
	v.errs = append(v.errs, fmt.Sprintf(format, args...)+" [json-pointer:"+ptr+"]")
}

func nchars(s string) int { return utf8.RuneCountInString(s) }

func (v *validator) length(ptr, s string, min, max int) {
	n := nchars(s)
	if n < min {
		v.errf(ptr, "must be more than %d characters", min-1)
	}
	if max > 0 && n > max {
		v.errf(ptr, "must be less than %d characters", max+1)
	}
}

func (v *validator) object(ptr string, val any) (map[string]any, bool) {
	m, ok := val.(map[string]any)
	if !ok {
		v.errf(ptr, "must be an object")
	}
	return m, ok
}

// optString checks an optional string field; it reports whether it is set.
func (v *validator) optString(ptr string, m map[string]any, key string, max int) (string, bool) {
	val, ok := m[key]
	if !ok || val == nil {
		return "", false
	}
	s, ok := val.(string)
	if !ok {
		v.errf(ptr+"/"+key, "must be a string")
		return "", false
	}
	v.length(ptr+"/"+key, s, 0, max)
	return s, true
}

func (v *validator) reqString(ptr string, m map[string]any, key string, min, max int) (string, bool) {
	val, ok := m[key]
	if !ok || val == nil {
		v.errf(ptr, "missing required field: %s", key)
		return "", false
	}
	s, ok := val.(string)
	if !ok {
		v.errf(ptr+"/"+key, "must be a string")
		return "", false
	}
	v.length(ptr+"/"+key, s, min, max)
	return s, true
}

func (v *validator) optBool(ptr string, m map[string]any, key string) {
	if val, ok := m[key]; ok && val != nil {
		if _, ok := val.(bool); !ok {
			v.errf(ptr+"/"+key, "must be a boolean")
		}
	}
}

func (v *validator) optInt(ptr string, m map[string]any, key string, min, max int64) (int64, bool) {
	val, ok := m[key]
	if !ok || val == nil {
		return 0, false
	}
	n, isNum := val.(json.Number)
	i, err := n.Int64()
	if !isNum || err != nil {
		v.errf(ptr+"/"+key, "must be an integer")
		return 0, false
	}
	if i < min {
		v.errf(ptr+"/"+key, "must be at least %d", min)
	}
	if max >= 0 && i > max {
		v.errf(ptr+"/"+key, "must be at most %d", max)
	}
	return i, true
}

// array checks an array's length; it returns nil when val is not an array.
func (v *validator) array(ptr string, val any, min, max int) []any {
	arr, ok := val.([]any)
	if !ok {
		v.errf(ptr, "must be an array")
		return nil
	}
	if len(arr) < min {
		v.errf(ptr, "must provide at least %d items", min)
	}
	if max > 0 && len(arr) > max {
		v.errf(ptr, "no more than %d items allowed", max)
	}
	return arr
}

// text checks a text composition object.
func (v *validator) text(ptr string, val any, max int, plainOnly bool) {
	m, ok := v.object(ptr, val)
	if !ok {
		return
	}
	typ, _ := m["type"].(string)
	switch typ {
	case "plain_text":
		v.optBool(ptr, m, "emoji")
	case "mrkdwn":
		if plainOnly {
			v.errf(ptr+"/type", "must be plain_text")
		}
		v.optBool(ptr, m, "verbatim")
	case "":
		v.errf(ptr, "missing required field: type")
	default:
		v.errf(ptr+"/type", "unsupported type: %s", typ)
	}
	v.reqString(ptr, m, "text", 1, max)
}

func (v *validator) optText(ptr string, m map[string]any, key string, max int, plainOnly bool) {
	if val, ok := m[key]; ok && val != nil {
		v.text(ptr+"/"+key, val, max, plainOnly)
	}
}

func (v *validator) reqText(ptr string, m map[string]any, key string, max int, plainOnly bool) {
	val, ok := m[key]
	if !ok || val == nil {
		v.errf(ptr, "missing required field: %s", key)
		return
	}
	v.text(ptr+"/"+key, val, max, plainOnly)
}

// blocks checks a blocks array for a message or a modal.
func (v *validator) blocks(ptr string, val any, surf surface) {
	max := maxBlocksMessage
	if surf == surfaceModal {
		max = maxBlocksModal
	}
	arr := v.array(ptr, val, 0, max)
	ids := map[string]bool{}
	for i, b := range arr {
		v.block(fmt.Sprintf("%s/%d", ptr, i), b, surf, ids)
	}
}

func (v *validator) blockID(ptr string, m map[string]any, ids map[string]bool) {
	id, ok := v.optString(ptr, m, "block_id", maxID)
	if !ok {
		return
	}
	if id == "" {
		v.errf(ptr+"/block_id", "must be more than 0 characters")
		return
	}
	if ids[id] {
		v.errf(ptr+"/block_id", "duplicate block_id: %s", id)
	}
	ids[id] = true
}

func (v *validator) block(ptr string, val any, surf surface, ids map[string]bool) {
	m, ok := v.object(ptr, val)
	if !ok {
		return
	}
	v.blockID(ptr, m, ids)
	actionIDs := map[string]bool{}
	typ, _ := m["type"].(string)
	switch typ {
	case "section":
		_, hasText := m["text"]
		_, hasFields := m["fields"]
		if !hasText && !hasFields {
			v.errf(ptr, "must provide either text or fields")
		}
		v.optText(ptr, m, "text", maxSectionText, false)
		if f, ok := m["fields"]; ok && f != nil {
			for i, fv := range v.array(ptr+"/fields", f, 1, maxSectionFields) {
				v.text(fmt.Sprintf("%s/fields/%d", ptr, i), fv, maxFieldText, false)
			}
		}
		if acc, ok := m["accessory"]; ok && acc != nil {
			v.element(ptr+"/accessory", acc, ctxAccessory, actionIDs)
		}
		v.optBool(ptr, m, "expand")
	case "header":
		v.reqText(ptr, m, "text", maxHeaderText, true)
	case "divider":
	case "context":
		for i, e := range v.array(ptr+"/elements", m["elements"], 1, maxContextElements) {
			ep := fmt.Sprintf("%s/elements/%d", ptr, i)
			em, ok := v.object(ep, e)
			if !ok {
				continue
			}
			switch et, _ := em["type"].(string); et {
			case "image":
				v.image(ep, em)
			case "plain_text", "mrkdwn":
				v.text(ep, em, 0, false)
			default:
				v.errf(ep+"/type", "unsupported type: %s", et)
			}
		}
	case "actions":
		for i, e := range v.array(ptr+"/elements", m["elements"], 1, maxActionsElements) {
			v.element(fmt.Sprintf("%s/elements/%d", ptr, i), e, ctxActions, actionIDs)
		}
	case "input":
		v.reqText(ptr, m, "label", maxLabel, true)
		v.optText(ptr, m, "hint", maxLabel, true)
		v.optBool(ptr, m, "optional")
		v.optBool(ptr, m, "dispatch_action")
		if e, ok := m["element"]; ok && e != nil {
			v.element(ptr+"/element", e, ctxInput, actionIDs)
		} else {
			v.errf(ptr, "missing required field: element")
		}
	case "image":
		v.image(ptr, m)
		v.optText(ptr, m, "title", maxAltText, true)
	case "rich_text":
		for i, e := range v.array(ptr+"/elements", m["elements"], 0, 0) {
			ep := fmt.Sprintf("%s/elements/%d", ptr, i)
			if em, ok := v.object(ep, e); ok {
				switch et, _ := em["type"].(string); et {
				case "rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote":
				default:
					v.errf(ep+"/type", "unsupported type: %s", et)
				}
			}
		}
	case "markdown":
		v.reqString(ptr, m, "text", 1, maxMarkdownText)
	case "":
		v.errf(ptr, "missing required field: type")
	default:
		v.errf(ptr+"/type", "unsupported type: %s", typ)
	}
}

func (v *validator) image(ptr string, m map[string]any) {
	_, hasURL := v.optString(ptr, m, "image_url", maxURL)
	_, hasFile := m["slack_file"]
	if !hasURL && !hasFile {
		v.errf(ptr, "missing required field: image_url")
	}
	v.reqString(ptr, m, "alt_text", 1, maxAltText)
}

type elemCtx int

const (
	ctxActions elemCtx = iota
	ctxAccessory
	ctxInput
)

var selectTypes = []string{
	"static_select", "external_select", "users_select", "conversations_select", "channels_select",
	"multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select", "multi_channels_select",
}

// allowedElements lists the element types each place takes.
var allowedElements = func() map[elemCtx]map[string]bool {
	set := func(types ...string) map[string]bool {
		m := map[string]bool{}
		for _, t := range append(types, selectTypes...) {
			m[t] = true
		}
		return m
	}
	return map[elemCtx]map[string]bool{
		ctxActions:   set("button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons", "timepicker", "workflow_button", "rich_text_input"),
		ctxAccessory: set("button", "checkboxes", "datepicker", "image", "overflow", "radio_buttons", "timepicker", "workflow_button"),
		ctxInput:     set("checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input", "number_input", "plain_text_input", "radio_buttons", "rich_text_input", "timepicker", "url_text_input"),
	}
}()

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (v *validator) element(ptr string, val any, ctx elemCtx, actionIDs map[string]bool) {
	m, ok := v.object(ptr, val)
	if !ok {
		return
	}
	typ, _ := m["type"].(string)
	if typ == "" {
		v.errf(ptr, "missing required field: type")
		return
	}
	known := false
	for _, set := range allowedElements {
		known = known || set[typ]
	}
	if !known {
		v.errf(ptr+"/type", "unsupported type: %s", typ)
		return
	}
	if !allowedElements[ctx][typ] {
		v.errf(ptr+"/type", "unsupported type: %s (not allowed here)", typ)
		return
	}
	if id, ok := v.optString(ptr, m, "action_id", maxID); ok {
		if id == "" {
			v.errf(ptr+"/action_id", "must be more than 0 characters")
		} else if actionIDs[id] {
			v.errf(ptr+"/action_id", "duplicate action_id: %s", id)
		}
		actionIDs[id] = true
	}
	if c, ok := m["confirm"]; ok && c != nil {
		v.confirm(ptr+"/confirm", c)
	}
	v.optText(ptr, m, "placeholder", maxPlaceholder, true)
	switch typ {
	case "button":
		v.reqText(ptr, m, "text", maxButtonText, true)
		v.optString(ptr, m, "value", maxButtonValue)
		v.optString(ptr, m, "url", maxURL)
		v.optString(ptr, m, "accessibility_label", maxButtonText)
		if st, ok := v.optString(ptr, m, "style", 0); ok && st != "primary" && st != "danger" {
			v.errf(ptr+"/style", "must be one of primary, danger")
		}
	case "static_select", "multi_static_select":
		opts, hasOpts := m["options"]
		groups, hasGroups := m["option_groups"]
		values := map[string]bool{}
		switch {
		case hasOpts && hasGroups:
			v.errf(ptr, "must provide either options or option_groups, not both")
		case hasOpts:
			for i, o := range v.array(ptr+"/options", opts, 1, maxSelectOptions) {
				values[v.option(fmt.Sprintf("%s/options/%d", ptr, i), o, true)] = true
			}
		case hasGroups:
			for i, g := range v.array(ptr+"/option_groups", groups, 1, maxSelectOptions) {
				gp := fmt.Sprintf("%s/option_groups/%d", ptr, i)
				if gm, ok := v.object(gp, g); ok {
					v.reqText(gp, gm, "label", maxOptionText, true)
					for k, o := range v.array(gp+"/options", gm["options"], 1, maxSelectOptions) {
						values[v.option(fmt.Sprintf("%s/options/%d", gp, k), o, true)] = true
					}
				}
			}
		default:
			v.errf(ptr, "missing required field: options")
		}
		v.initialOptions(ptr, m, values, typ == "multi_static_select", true)
		if typ == "multi_static_select" {
			v.optInt(ptr, m, "max_selected_items", 1, -1)
		}
	case "external_select", "multi_external_select":
		v.optInt(ptr, m, "min_query_length", 0, -1)
		v.initialOptions(ptr, m, nil, typ == "multi_external_select", true)
		if typ == "multi_external_select" {
			v.optInt(ptr, m, "max_selected_items", 1, -1)
		}
	case "users_select":
		v.optString(ptr, m, "initial_user", 0)
	case "conversations_select":
		v.optString(ptr, m, "initial_conversation", 0)
		v.optBool(ptr, m, "default_to_current_conversation")
		v.optBool(ptr, m, "response_url_enabled")
	case "checkboxes", "radio_buttons":
		values := map[string]bool{}
		for i, o := range v.array(ptr+"/options", m["options"], 1, maxChoiceOptions) {
			values[v.option(fmt.Sprintf("%s/options/%d", ptr, i), o, false)] = true
		}
		v.initialOptions(ptr, m, values, typ == "checkboxes", false)
	case "overflow":
		for i, o := range v.array(ptr+"/options", m["options"], 1, maxOverflowOptions) {
			v.option(fmt.Sprintf("%s/options/%d", ptr, i), o, true)
		}
	case "plain_text_input":
		v.optString(ptr, m, "initial_value", 0)
		v.optBool(ptr, m, "multiline")
		minL, hasMin := v.optInt(ptr, m, "min_length", 0, maxInputLength)
		maxL, hasMax := v.optInt(ptr, m, "max_length", 1, -1)
		if hasMin && hasMax && minL > maxL {
			v.errf(ptr+"/min_length", "must be less than or equal to max_length")
		}
	case "datepicker":
		if d, ok := v.optString(ptr, m, "initial_date", 0); ok && !dateRE.MatchString(d) {
			v.errf(ptr+"/initial_date", "must be a date in the format YYYY-MM-DD")
		}
	case "image":
		v.image(ptr, m)
	}
}

// option checks an option object and returns its value.
func (v *validator) option(ptr string, val any, plainOnly bool) string {
	m, ok := v.object(ptr, val)
	if !ok {
		return ""
	}
	v.reqText(ptr, m, "text", maxOptionText, plainOnly)
	value, _ := v.reqString(ptr, m, "value", 1, maxOptionValue)
	v.optText(ptr, m, "description", maxOptionText, plainOnly)
	v.optString(ptr, m, "url", maxURL)
	return value
}

func (v *validator) initialOptions(ptr string, m map[string]any, values map[string]bool, multi, plainOnly bool) {
	check := func(p string, o any) {
		val := v.option(p, o, plainOnly)
		if values != nil && val != "" && !values[val] {
			v.errf(p, "must match one of the options")
		}
	}
	if multi {
		if iv, ok := m["initial_options"]; ok && iv != nil {
			for i, o := range v.array(ptr+"/initial_options", iv, 0, 0) {
				check(fmt.Sprintf("%s/initial_options/%d", ptr, i), o)
			}
		}
		return
	}
	if o, ok := m["initial_option"]; ok && o != nil {
		check(ptr+"/initial_option", o)
	}
}

func (v *validator) confirm(ptr string, val any) {
	m, ok := v.object(ptr, val)
	if !ok {
		return
	}
	v.reqText(ptr, m, "title", 100, true)
	v.reqText(ptr, m, "text", 300, false)
	v.reqText(ptr, m, "confirm", 30, true)
	v.reqText(ptr, m, "deny", 30, true)
}

// view checks a modal view object.
func (v *validator) view(ptr string, val any) {
	m, ok := v.object(ptr, val)
	if !ok {
		return
	}
	if typ, _ := m["type"].(string); typ != "modal" {
		if typ == "" {
			v.errf(ptr, "missing required field: type")
		} else {
			v.errf(ptr+"/type", "unsupported type: %s", typ)
		}
	}
	v.reqText(ptr, m, "title", maxViewTitle, true)
	v.optText(ptr, m, "submit", maxViewTitle, true)
	v.optText(ptr, m, "close", maxViewTitle, true)
	v.optString(ptr, m, "callback_id", maxID)
	v.optString(ptr, m, "private_metadata", maxPrivateMetadata)
	v.optString(ptr, m, "external_id", maxID)
	v.optBool(ptr, m, "clear_on_close")
	v.optBool(ptr, m, "notify_on_close")
	blocks, ok := m["blocks"]
	if !ok || blocks == nil {
		v.errf(ptr, "missing required field: blocks")
		return
	}
	v.blocks(ptr+"/blocks", blocks, surfaceModal)
	if arr, ok := blocks.([]any); ok {
		for _, b := range arr {
			if bm, ok := b.(map[string]any); ok && bm["type"] == "input" {
				if sub, ok := m["submit"]; !ok || sub == nil {
					v.errf(ptr, "missing required field: submit (required when blocks contain an input block)")
				}
				break
			}
		}
	}
}

// homeView checks a Home tab view (views.publish): type home, no title,
// submit or close, up to 100 blocks and no input blocks.
func (v *validator) homeView(ptr string, val any) {
	m, ok := v.object(ptr, val)
	if !ok {
		return
	}
	if typ, _ := m["type"].(string); typ != "home" {
		v.errf(ptr+"/type", "unsupported type: %s (views.publish takes a home view)", typ)
	}
	for _, f := range []string{"title", "submit", "close"} {
		if _, ok := m[f]; ok {
			v.errf(ptr+"/"+f, "%s is not allowed in a home view", f)
		}
	}
	v.optString(ptr, m, "callback_id", maxID)
	v.optString(ptr, m, "private_metadata", maxPrivateMetadata)
	v.optString(ptr, m, "external_id", maxID)
	blocks, ok := m["blocks"]
	if !ok || blocks == nil {
		v.errf(ptr, "missing required field: blocks")
		return
	}
	v.blocks(ptr+"/blocks", blocks, surfaceModal)
	if arr, ok := blocks.([]any); ok {
		for i, b := range arr {
			if bm, ok := b.(map[string]any); ok && bm["type"] == "input" {
				v.errf(fmt.Sprintf("%s/blocks/%d", ptr, i), "input blocks are not allowed in a home view")
			}
		}
	}
}

// optionsResponse checks a block_suggestion ack payload.
func (v *validator) optionsResponse(m map[string]any) {
	if opts, ok := m["options"]; ok {
		for i, o := range v.array("/options", opts, 0, maxSelectOptions) {
			v.option(fmt.Sprintf("/options/%d", i), o, true)
		}
	}
	if groups, ok := m["option_groups"]; ok {
		for i, g := range v.array("/option_groups", groups, 0, maxSelectOptions) {
			gp := fmt.Sprintf("/option_groups/%d", i)
			if gm, ok := v.object(gp, g); ok {
				v.reqText(gp, gm, "label", maxOptionText, true)
				for k, o := range v.array(gp+"/options", gm["options"], 1, maxSelectOptions) {
					v.option(fmt.Sprintf("%s/options/%d", gp, k), o, true)
				}
			}
		}
	}
}

// fillIDsLocked gives blocks without block_id, and interactive elements
// without action_id, ids as Slack does, and returns the blocks as JSON.
// s.mu must be held.
func (s *Server) fillIDsLocked(blocks any) json.RawMessage {
	arr, _ := blocks.([]any)
	for _, b := range arr {
		m, ok := b.(map[string]any)
		if !ok {
			continue
		}
		if id, _ := m["block_id"].(string); id == "" {
			m["block_id"] = s.randIDLocked()
		}
		fill := func(e any) {
			em, ok := e.(map[string]any)
			if !ok {
				return
			}
			if t, _ := em["type"].(string); t == "image" || t == "plain_text" || t == "mrkdwn" {
				return
			}
			if id, _ := em["action_id"].(string); id == "" {
				em["action_id"] = s.randIDLocked()
			}
		}
		switch m["type"] {
		case "actions":
			els, _ := m["elements"].([]any)
			for _, e := range els {
				fill(e)
			}
		case "section":
			if acc, ok := m["accessory"]; ok {
				fill(acc)
			}
		case "input":
			fill(m["element"])
		}
	}
	if blocks == nil {
		return nil
	}
	out, err := json.Marshal(blocks)
	if err != nil {
		return nil
	}
	return out
}

// randIDLocked makes a short Slack-looking id ("a1B2c").
func (s *Server) randIDLocked() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	s.seq++
	n := uint64(s.seq) * 0x9e3779b97f4a7c15
	b := make([]byte, 5)
	for i := range b {
		b[i] = alphabet[n%uint64(len(alphabet))]
		n /= uint64(len(alphabet))
	}
	return string(b) + strconv.Itoa(s.seq%10)
}
