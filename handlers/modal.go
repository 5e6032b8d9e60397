package handlers

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/auth"
)

// Modal callback ids, block ids and action ids. An input's block id and
// action id are the same, so errors can be keyed by block id as Slack
// requires.
const (
	cbPicker = "okta_pick"
	cbAction = "okta_action"

	blockPick    = "pick"
	blockTargets = "targets"
	blockReason  = "reason"
	blockPublic  = "public"
	paramPrefix  = "p_"

	// suggestMinChars is how much a person types before type-ahead asks
	// Okta.
	suggestMinChars = 2
	// maxMeta is Slack's private_metadata limit.
	maxMeta = 3000
)

// modalMeta travels in a modal's private_metadata: which action, and where
// the command was typed, so the answer goes back there.
type modalMeta struct {
	Action      string `json:"a,omitempty"`
	Channel     string `json:"c,omitempty"`
	ResponseURL string `json:"r,omitempty"`
}

func (m modalMeta) encode() string {
	b, _ := json.Marshal(m)
	if len(b) > maxMeta {
		m.ResponseURL = ""
		b, _ = json.Marshal(m)
	}
	return string(b)
}

func decodeMeta(s string) modalMeta {
	var m modalMeta
	json.Unmarshal([]byte(s), &m)
	return m
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// optionText keeps an option's text within Slack's 75 characters.
func option(value, text string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(clip(value, 150), plain(clip(text, 75)), nil)
}

// pickerModal lets the caller choose one of the actions they may run.
func pickerModal(reg *actions.Registry, permitted []string, meta modalMeta) slack.ModalViewRequest {
	may := map[string]bool{}
	for _, n := range permitted {
		may[n] = true
	}
	var opts []*slack.OptionBlockObject
	for _, a := range reg.All() {
		if may[a.Name] && a.Available() {
			o := option(a.Name, a.Name)
			o.Description = plain(clip(a.Summary, 75))
			opts = append(opts, o)
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose an action"), blockPick, opts...)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      cbPicker,
		Title:           plain("Okta"),
		Submit:          plain("Next"),
		Close:           plain("Cancel"),
		PrivateMetadata: meta.encode(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(blockPick, plain("What do you want to do?"), nil, sel),
		}},
	}
}

// actionModal is an action's form, built from the registry and pre-filled
// with what the command already gave. rule is the approval rule the
// request will wait under, or nil: it may require a reason, and a password
// is then asked for only after approval, so that it is never stored.
func actionModal(a *actions.Action, prefill actions.Request, meta modalMeta, rule *auth.ApprovalRule) slack.ModalViewRequest {
	meta.Action = a.Name
	needReason := rule != nil && rule.RequireReason
	var blocks []slack.Block
	blocks = append(blocks, contextBlock(esc(a.Summary)))
	if rule != nil {
		note := ":lock: This request waits for approval by " + esc(strings.Join(rule.Approvers, ", ")) + " before it runs."
		if passwordParam(a) != nil {
			note += " You will be asked for the new password once it is approved; it is never stored."
		}
		blocks = append(blocks, contextBlock(note))
	}
	if a.Targets != actions.NoTargets {
		blocks = append(blocks, targetsInput(a, prefill.Targets))
	}
	for _, p := range a.Params {
		if p.Name == "is-id" && a.Targets == actions.GroupTargets {
			continue // groups are picked by type-ahead, so always by id
		}
		if p.Type == actions.Password && rule != nil {
			continue // asked for after approval
		}
		blocks = append(blocks, paramInput(p, prefill.Values[p.Name]))
	}
	if asksReason(a, rule) {
		in := slack.NewPlainTextInputBlockElement(plain("e.g. ticket INC-1234"), blockReason)
		in.InitialValue = prefill.Reason
		in.MaxLength = 500
		b := slack.NewInputBlock(blockReason, plain("Reason"), plain("Recorded in the audit trail and shown to approvers."), in)
		b.Optional = !needReason
		blocks = append(blocks, b)
	}
	pub := slack.NewCheckboxGroupsBlockElement(blockPublic, option("true", "Post the result in the channel"))
	if prefill.Public {
		pub.InitialOptions = pub.Options
	}
	b := slack.NewInputBlock(blockPublic, plain("Visibility"), plain("Secrets such as reset links always come to you alone."), pub)
	b.Optional = true
	blocks = append(blocks, b)

	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      cbAction,
		Title:           plain(clip(a.Name, 24)),
		Submit:          plain("Run"),
		Close:           plain("Cancel"),
		PrivateMetadata: meta.encode(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// asksReason reports whether an action's form has a reason field: every
// writing action's does, and any action's whose approval rule requires one.
func asksReason(a *actions.Action, rule *auth.ApprovalRule) bool {
	return a.Writes || (rule != nil && rule.RequireReason)
}

// reasonMissing reports whether rule requires a reason that was not given.
func reasonMissing(rule *auth.ApprovalRule, reason string) bool {
	return rule != nil && rule.RequireReason && strings.TrimSpace(reason) == ""
}

func targetsInput(a *actions.Action, prefill []string) slack.Block {
	label, placeholder := "Users", "Type a name, login or email"
	switch a.Targets {
	case actions.GroupTargets:
		label, placeholder = "Groups", "Type a group name"
	case actions.NameTarget:
		in := slack.NewPlainTextInputBlockElement(plain("e.g. On-call rota"), blockTargets)
		if len(prefill) > 0 {
			in.InitialValue = prefill[0]
		}
		in.MaxLength = 255
		return slack.NewInputBlock(blockTargets, plain("Group name"), nil, in)
	}
	sel := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeExternal, plain(placeholder), blockTargets)
	minLen := suggestMinChars
	sel.MinQueryLength = &minLen
	for _, t := range prefill {
		sel.InitialOptions = append(sel.InitialOptions, option(t, t))
	}
	b := slack.NewInputBlock(blockTargets, plain(label), nil, sel)
	b.Optional = !a.TargetsRequired
	return b
}

func paramInput(p actions.Param, prefill string) slack.Block {
	id := paramPrefix + p.Name
	label := plain(clip(paramLabel(p), 150))
	var hint *slack.TextBlockObject
	if p.Help != "" {
		hint = plain(clip(p.Help, 150))
	}
	var el slack.BlockElement
	switch p.Type {
	case actions.Bool:
		cb := slack.NewCheckboxGroupsBlockElement(id, option("true", clip(p.Help, 75)))
		if prefill == "true" {
			cb.InitialOptions = cb.Options
		}
		b := slack.NewInputBlock(id, label, nil, cb)
		b.Optional = true
		return b
	case actions.Choice:
		var opts []*slack.OptionBlockObject
		for _, c := range p.Choices {
			opts = append(opts, option(c, c))
		}
		var initial []*slack.OptionBlockObject
		for _, v := range strings.Split(prefill, ",") {
			for _, o := range opts {
				if o.Value == v {
					initial = append(initial, o)
				}
			}
		}
		if p.Multi {
			ms := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, plain("Choose"), id, opts...)
			ms.InitialOptions = initial
			el = ms
		} else {
			ss := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose"), id, opts...)
			if len(initial) > 0 {
				ss.InitialOption = initial[0]
			}
			el = ss
		}
	default:
		in := slack.NewPlainTextInputBlockElement(nil, id)
		if p.Type != actions.Password {
			in.InitialValue = prefill
		}
		if p.Type == actions.Int && p.Default != "" {
			in.Placeholder = plain("default " + p.Default)
		}
		in.MaxLength = 3000
		if p.Type == actions.Password {
			in.MaxLength = 72
		}
		el = in
	}
	b := slack.NewInputBlock(id, label, hint, el)
	b.Optional = !p.Required
	return b
}

func paramLabel(p actions.Param) string {
	if p.Seed != "" {
		return p.Seed
	}
	return strings.ToUpper(p.Name[:1]) + strings.ReplaceAll(p.Name[1:], "-", " ")
}

// submission is what a person entered in an action modal.
type submission struct {
	targets  []string
	raw      map[string]string
	password actions.Secret
	reason   string
	public   bool
}

// readSubmission reads an action modal's state.
func readSubmission(a *actions.Action, values map[string]map[string]slack.BlockAction) submission {
	s := submission{raw: map[string]string{}}
	get := func(id string) (slack.BlockAction, bool) {
		v, ok := values[id][id]
		return v, ok
	}
	if v, ok := get(blockTargets); ok {
		if a.Targets == actions.NameTarget {
			s.targets = []string{v.Value}
		} else {
			for _, o := range v.SelectedOptions {
				s.targets = append(s.targets, o.Value)
			}
		}
	}
	if a.Targets == actions.GroupTargets && a.Param("is-id") != nil {
		s.raw["is-id"] = "true"
	}
	for _, p := range a.Params {
		v, ok := get(paramPrefix + p.Name)
		if !ok {
			continue
		}
		switch p.Type {
		case actions.Bool:
			s.raw[p.Name] = fmt.Sprint(len(v.SelectedOptions) > 0)
		case actions.Choice:
			var vals []string
			if p.Multi {
				for _, o := range v.SelectedOptions {
					vals = append(vals, o.Value)
				}
			} else if v.SelectedOption.Value != "" {
				vals = []string{v.SelectedOption.Value}
			}
			s.raw[p.Name] = strings.Join(vals, ",")
		case actions.Password:
			s.password = actions.NewSecret(v.Value)
		default:
			s.raw[p.Name] = v.Value
		}
	}
	if v, ok := get(blockReason); ok {
		s.reason = v.Value
	}
	if v, ok := get(blockPublic); ok {
		s.public = len(v.SelectedOptions) > 0
	}
	return s
}

// fieldBlock is the input block a request field is entered in.
func fieldBlock(a *actions.Action, field string) string {
	switch {
	case field == "targets":
		return blockTargets
	case field == "reason":
		return blockReason
	case a.Param(field) != nil:
		return paramPrefix + field
	}
	return ""
}
