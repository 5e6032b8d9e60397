package blocks

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
)

// The message shortcut's form: the people named in a message, and which
// action to run on them.
const (
	// CallbackScopeShortcut is the message shortcut's callback id
	// (manifest.yml).
	CallbackScopeShortcut = "okta_message_people"
	// CallbackScope is the form it opens.
	CallbackScope = "okta_scope"
)

// ScopePeople are the people found in a message, for its form.
type ScopePeople struct {
	// Link is the message's permalink.
	Link string
	// Found is how many people the message names; Taken how many of them
	// were looked up (at most the cap).
	Found, Taken int
	// IDs are the Okta users they resolved to, Labels one per id.
	IDs, Labels []string
	// Unresolved are those that are not exactly one Okta user, with why.
	Unresolved []actions.Outcome
	// Looking: they are still being looked up.
	Looking bool
}

// ScopeForm is the message shortcut's form: the people in the message as
// targets (the caller may remove some), those left out and why, and a
// picker of the actions on users the caller may run (permitted). Its
// inputs follow once an action is picked (LabelledActionForm).
func ScopeForm(reg *actions.Registry, permitted []string, p ScopePeople, meta FormMeta) slack.ModalViewRequest {
	meta.Context = p.Link
	var out []slack.Block
	head := fmt.Sprintf("People named in %s: %s.", messageRef(p.Link), people(p.Found))
	if p.Taken < p.Found {
		head += fmt.Sprintf(" Only the first %d are taken.", p.Taken)
	}
	out = append(out, Context(head))
	view := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: CallbackScope, Title: Plain("Okta: people"), Close: Plain("Cancel"),
	}
	switch {
	case p.Looking:
		out = append(out, Section(":hourglass_flowing_sand: Looking them up in Slack and Okta…"))
	case len(p.IDs) == 0:
		out = append(out, Section("None of them is a person in Okta that I can act on."))
	default:
		sel := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeExternal, Plain("People"), BlockTargets)
		minLen := SuggestMinChars
		sel.MinQueryLength = &minLen
		for i, id := range p.IDs {
			sel.InitialOptions = append(sel.InitialOptions, Option(id, p.Labels[i]))
		}
		out = append(out, slack.NewInputBlock(BlockTargets, Plain(fmt.Sprintf("Users (%d)", len(p.IDs))), Plain("Remove anyone the action should leave alone."), sel))
		var opts []*slack.OptionBlockObject
		may := map[string]bool{}
		for _, n := range permitted {
			may[n] = true
		}
		for _, a := range reg.All() {
			if may[a.Name] && a.Available() && a.Targets == actions.UserTargets {
				o := Option(a.Name, a.Name)
				o.Description = Plain(Clip(a.Summary, 75))
				opts = append(opts, o)
			}
		}
		pick := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, Plain("Choose an action"), BlockPick, opts...)
		out = append(out, slack.NewInputBlock(BlockPick, Plain("What do you want to do to them?"), nil, pick))
		view.Submit = Plain("Next")
	}
	if len(p.Unresolved) > 0 {
		var lines []string
		for _, o := range p.Unresolved {
			lines = append(lines, OutcomeError(o.Target, o.Err))
		}
		out = append(out, Section(Clip(fmt.Sprintf("*Left out (%d)*\n", len(p.Unresolved))+strings.Join(lines, "\n"), 3000)))
	}
	view.PrivateMetadata = meta.Encode()
	view.Blocks = slack.Blocks{BlockSet: out}
	return view
}

func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d people", n)
}

// messageRef links a message by its permalink.
func messageRef(link string) string {
	if strings.HasPrefix(link, "https://") {
		return "<" + link + "|this message>"
	}
	return "this message"
}
