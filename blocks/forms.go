package blocks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/requests"
)

// Modal callback ids, block ids and action ids. An input's block id and
// action id are the same, so errors can be keyed by block id as Slack
// requires.
const (
	CallbackPicker = "okta_pick"
	CallbackAction = "okta_action"

	BlockPick    = "pick"
	BlockTargets = "targets"
	BlockReason  = "reason"
	BlockPublic  = "public"
	ParamPrefix  = "p_"

	// SuggestMinChars is how much a person types before type-ahead asks
	// Okta.
	SuggestMinChars = 2
	// maxMeta is Slack's private_metadata limit.
	maxMeta = 3000
)

// FormMeta travels in a modal's private_metadata: which action, and where
// the command was typed, so the answer goes back there.
type FormMeta struct {
	Action      string `json:"a,omitempty"`
	Channel     string `json:"c,omitempty"`
	ResponseURL string `json:"r,omitempty"`
	// Context is the permalink of the message whose people the form acts
	// on (the message shortcut), recorded with the request.
	Context string `json:"x,omitempty"`
}

// Encode is m as private_metadata, within Slack's limit: the
// response_url is left out when it would not fit.
func (m FormMeta) Encode() string {
	b, _ := json.Marshal(m)
	if len(b) > maxMeta {
		m.ResponseURL = ""
		b, _ = json.Marshal(m)
	}
	return string(b)
}

// DecodeFormMeta reads a form's private_metadata; anything unreadable
// is an empty FormMeta.
func DecodeFormMeta(s string) FormMeta {
	var m FormMeta
	json.Unmarshal([]byte(s), &m)
	return m
}

// Plain is plain text, for labels, buttons and titles.
func Plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// Option is a select option, its value and text kept within Slack's
// limits (150 and 75 characters).
func Option(value, text string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(Clip(value, 150), Plain(Clip(text, 75)), nil)
}

// PickerForm lets the caller choose one of the actions they may run.
func PickerForm(reg *actions.Registry, permitted []string, meta FormMeta) slack.ModalViewRequest {
	may := map[string]bool{}
	for _, n := range permitted {
		may[n] = true
	}
	var opts []*slack.OptionBlockObject
	for _, a := range reg.All() {
		if may[a.Name] && a.Available() {
			o := Option(a.Name, a.Name)
			o.Description = Plain(Clip(a.Summary, 75))
			opts = append(opts, o)
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, Plain("Choose an action"), BlockPick, opts...)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackPicker,
		Title:           Plain("Okta"),
		Submit:          Plain("Next"),
		Close:           Plain("Cancel"),
		PrivateMetadata: meta.Encode(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(BlockPick, Plain("What do you want to do?"), nil, sel),
		}},
	}
}

// ActionForm is an action's form, built from the registry and pre-filled
// with what the command already gave. rule is the approval rule the
// request will wait under, or nil: it may require a reason, and a password
// is then asked for only after approval, so that it is never stored.
func ActionForm(a *actions.Action, prefill actions.Request, meta FormMeta, rule *auth.ApprovalRule) slack.ModalViewRequest {
	return LabelledActionForm(a, prefill, nil, meta, rule)
}

// LabelledActionForm is ActionForm with its pre-filled targets shown by
// labels (an Okta id as "Name <login>"), where labels has one.
func LabelledActionForm(a *actions.Action, prefill actions.Request, labels map[string]string, meta FormMeta, rule *auth.ApprovalRule) slack.ModalViewRequest {
	meta.Action = a.Name
	needReason := rule != nil && rule.RequireReason
	var blocks []slack.Block
	blocks = append(blocks, Context(Esc(a.Summary)))
	if rule != nil {
		note := ":lock: This request waits for approval by " + Esc(strings.Join(rule.Approvers, ", ")) + " before it runs."
		if requests.PasswordParam(a) != nil {
			note += " You will be asked for the new password once it is approved; it is never stored."
		}
		blocks = append(blocks, Context(note))
	}
	if a.Targets != actions.NoTargets {
		blocks = append(blocks, targetsInput(a, prefill.Targets, labels))
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
	if requests.AsksReason(a, rule) {
		in := slack.NewPlainTextInputBlockElement(Plain("e.g. ticket INC-1234"), BlockReason)
		in.InitialValue = prefill.Reason
		in.MaxLength = 500
		b := slack.NewInputBlock(BlockReason, Plain("Reason"), Plain("Recorded in the audit trail and shown to approvers."), in)
		b.Optional = !needReason
		blocks = append(blocks, b)
	}
	pub := slack.NewCheckboxGroupsBlockElement(BlockPublic, Option("true", "Post the result in the channel"))
	if prefill.Public {
		pub.InitialOptions = pub.Options
	}
	b := slack.NewInputBlock(BlockPublic, Plain("Visibility"), Plain("Secrets such as reset links always come to you alone."), pub)
	b.Optional = true
	blocks = append(blocks, b)

	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackAction,
		Title:           Plain(Clip(a.Name, 24)),
		Submit:          Plain("Run"),
		Close:           Plain("Cancel"),
		PrivateMetadata: meta.Encode(),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func targetsInput(a *actions.Action, prefill []string, labels map[string]string) slack.Block {
	label, placeholder := "Users", "Type a name, login or email"
	switch a.Targets {
	case actions.GroupTargets:
		label, placeholder = "Groups", "Type a group name"
	case actions.NameTarget:
		in := slack.NewPlainTextInputBlockElement(Plain("e.g. On-call rota"), BlockTargets)
		label := "Group name"
		if a.TargetName != "" {
			in.Placeholder, label = nil, strings.ToUpper(a.TargetName[:1])+a.TargetName[1:]
		}
		if len(prefill) > 0 {
			in.InitialValue = prefill[0]
		}
		in.MaxLength = 255
		return slack.NewInputBlock(BlockTargets, Plain(label), nil, in)
	}
	sel := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeExternal, Plain(placeholder), BlockTargets)
	minLen := SuggestMinChars
	sel.MinQueryLength = &minLen
	for _, t := range prefill {
		text := t
		if l := labels[t]; l != "" {
			text = l
		}
		sel.InitialOptions = append(sel.InitialOptions, Option(t, text))
	}
	b := slack.NewInputBlock(BlockTargets, Plain(label), nil, sel)
	b.Optional = !a.TargetsRequired
	return b
}

func paramInput(p actions.Param, prefill string) slack.Block {
	id := ParamPrefix + p.Name
	label := Plain(Clip(paramLabel(p), 150))
	var hint *slack.TextBlockObject
	if p.Help != "" {
		hint = Plain(Clip(p.Help, 150))
	}
	var el slack.BlockElement
	switch p.Type {
	case actions.Bool:
		cb := slack.NewCheckboxGroupsBlockElement(id, Option("true", Clip(p.Help, 75)))
		if prefill == "true" {
			cb.InitialOptions = cb.Options
		}
		b := slack.NewInputBlock(id, label, nil, cb)
		b.Optional = true
		return b
	case actions.Choice:
		var opts []*slack.OptionBlockObject
		for _, c := range p.Choices {
			opts = append(opts, Option(c, c))
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
			ms := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, Plain("Choose"), id, opts...)
			ms.InitialOptions = initial
			el = ms
		} else {
			ss := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, Plain("Choose"), id, opts...)
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
			in.Placeholder = Plain("default " + p.Default)
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

// Submission is what a person entered in an action modal.
type Submission struct {
	Targets []string
	// Raw are the parameters' values as entered, by name.
	Raw      map[string]string
	Password actions.Secret
	Reason   string
	Public   bool
}

// ReadSubmission reads an action modal's state.
func ReadSubmission(a *actions.Action, values map[string]map[string]slack.BlockAction) Submission {
	s := Submission{Raw: map[string]string{}}
	get := func(id string) (slack.BlockAction, bool) {
		v, ok := values[id][id]
		return v, ok
	}
	if v, ok := get(BlockTargets); ok {
		if a.Targets == actions.NameTarget {
			s.Targets = []string{v.Value}
		} else {
			for _, o := range v.SelectedOptions {
				s.Targets = append(s.Targets, o.Value)
			}
		}
	}
	if a.Targets == actions.GroupTargets && a.Param("is-id") != nil {
		s.Raw["is-id"] = "true"
	}
	for _, p := range a.Params {
		v, ok := get(ParamPrefix + p.Name)
		if !ok {
			continue
		}
		switch p.Type {
		case actions.Bool:
			s.Raw[p.Name] = fmt.Sprint(len(v.SelectedOptions) > 0)
		case actions.Choice:
			var vals []string
			if p.Multi {
				for _, o := range v.SelectedOptions {
					vals = append(vals, o.Value)
				}
			} else if v.SelectedOption.Value != "" {
				vals = []string{v.SelectedOption.Value}
			}
			s.Raw[p.Name] = strings.Join(vals, ",")
		case actions.Password:
			s.Password = actions.NewSecret(v.Value)
		default:
			s.Raw[p.Name] = v.Value
		}
	}
	if v, ok := get(BlockReason); ok {
		s.Reason = v.Value
	}
	if v, ok := get(BlockPublic); ok {
		s.Public = len(v.SelectedOptions) > 0
	}
	return s
}

// FieldBlock is the input block a request field is entered in.
func FieldBlock(a *actions.Action, field string) string {
	switch {
	case field == "targets":
		return BlockTargets
	case field == "reason":
		return BlockReason
	case a.Param(field) != nil:
		return ParamPrefix + field
	}
	return ""
}
