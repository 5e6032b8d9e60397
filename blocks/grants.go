package blocks

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"oktabot/auth"
	"oktabot/requests"
	"oktabot/store"
)

// Action ids of the buttons in a grant's ending message. A button's value
// is the grant's opaque id and nothing else.
const (
	ActGrantExtend = "grant_extend"
	ActGrantEnd    = "grant_end"
)

// GrantAccess is what a grant gives, to whom: "`HELP_DESK_ADMIN` to `Bob
// Builder <bob@corp.com>`" or "the group `On-call` to `…`".
func GrantAccess(g store.Grant) string {
	what := Code(g.Role)
	if g.GroupID != "" {
		what = "the group " + Code(g.GroupName)
	}
	return what + " to " + Code(OrDash(g.UserLabel))
}

// grantEnd says when a grant ends (or ended): a date in each reader's time
// zone, and how long from now.
func grantEnd(g store.Grant, now time.Time) string {
	s := Date(g.EndsAt)
	if left := g.EndsAt.Sub(now); left > 0 {
		s += " (in " + auth.DurationText(max(left.Round(time.Minute), time.Minute)) + ")"
	}
	return s
}

// Grants lists grants that are still on, those ending first first: their
// id (for /okta revoke), what they give to whom, their end, who asked, and
// whether their removal is under way or failing. all: everyone's, not
// only the caller's; user: only those of this Okta user (as typed).
func Grants(gs []store.Grant, all bool, user string, now time.Time) Reply {
	head := "*Your time-boxed grants*"
	if all {
		head = "*Every time-boxed grant*"
	}
	if user != "" {
		head += " to " + Code(user)
	}
	head += fmt.Sprintf(" · %d still on, ending first first", len(gs))
	lines := make([]string, len(gs))
	for i, g := range gs {
		parts := []string{Code(g.ID), GrantAccess(g), "until " + grantEnd(g, now)}
		if all {
			parts = append(parts, "asked by "+Mention(g.RequesterID))
		}
		switch g.Status {
		case store.GrantGiving:
			parts = append(parts, "_being given_")
		case store.GrantRevoking:
			s := "_being removed_"
			if g.Attempts > 0 {
				s = fmt.Sprintf(":warning: _not removed yet: %s so far, last: %s; oktabot keeps trying_", Plural(g.Attempts, "failed attempt", "failed attempts"), Esc(Clip(g.LastError, 120)))
			}
			parts = append(parts, s)
		}
		lines[i] = strings.Join(parts, " · ")
	}
	empty := "None: nothing you asked for with `--for` is still on."
	if all {
		empty = "None: no access given with `--for` is still on."
	}
	r, _, total := List(head, lines, empty)
	if total > 0 {
		r.Blocks = append(r.Blocks, Context("`/okta revoke GRANT` ends one now."))
	}
	return r
}

// GrantEnding is the direct message to a grant's requester ten minutes
// before its end: Extend asks again, under the same rules (its approval
// included); End now removes it at once.
func GrantEnding(g store.Grant, now time.Time) Reply {
	t := fmt.Sprintf(":hourglass: Your grant %s of %s ends %s, and oktabot then removes it. *Extend* asks again for %s from when it is given, under the same rules (an approval included, if the policy wants one); *End now* removes it at once.",
		Code(g.ID), GrantAccess(g), grantEnd(g, now), Code(auth.DurationText(g.Duration)))
	extend := slack.NewButtonBlockElement(ActGrantExtend, g.ID, Plain("Extend")).WithStyle(slack.StylePrimary)
	confirm := slack.NewConfirmationBlockObject(Plain("End it now?"),
		Plain(Clip(fmt.Sprintf("oktabot removes %s from %s now.", grantWhat(g), g.UserLabel), 300)), Plain("End now"), Plain("Cancel"))
	end := slack.NewButtonBlockElement(ActGrantEnd, g.ID, Plain("End now")).WithStyle(slack.StyleDanger).WithConfirm(confirm)
	return Reply{Text: Fallback(t), Blocks: []slack.Block{Section(t), slack.NewActionBlock("grant_ending", extend, end)}}
}

// grantWhat is a grant's access in plain text.
func grantWhat(g store.Grant) string {
	if g.GroupID != "" {
		return "the group " + g.GroupName
	}
	return g.Role
}

// grantEnded says how a grant ended: at its end, or early, by whom, and
// how late its removal was when it was.
func grantEnded(g store.Grant) string {
	s := "ended " + Date(g.RevokedAt)
	if g.Kept() {
		return "was made permanent by " + Mention(g.EndedBy) + " " + Date(g.RevokedAt)
	}
	if g.EndedBy != "" {
		s = "was ended early by " + Mention(g.EndedBy) + " " + Date(g.RevokedAt)
	} else if late := g.RevokedAt.Sub(g.EndsAt); late >= requests.GrantOverdue {
		s += fmt.Sprintf(" (%s after its end, %s)", auth.DurationText(late.Round(time.Minute)), Date(g.EndsAt))
	}
	return s
}

// GrantRevoked tells a grant's requester that it ended and what oktabot
// removed.
func GrantRevoked(g store.Grant) Reply {
	if g.Kept() {
		return Notice(fmt.Sprintf(":pushpin: Your grant %s of %s %s, who asked to give it for good: its end removes nothing.", Code(g.ID), GrantAccess(g), grantEnded(g)))
	}
	return Notice(fmt.Sprintf(":lock: Your grant %s of %s %s: %s.", Code(g.ID), GrantAccess(g), grantEnded(g), Esc(g.Result)))
}

// GrantRevokedLine is the audit channel's one line for a grant that ended.
func GrantRevokedLine(g store.Grant) string {
	if g.Kept() {
		return fmt.Sprintf(":pushpin: %s grant %s of %s, asked by %s, %s: its end removes nothing", Code(g.Action), Code(g.ID), GrantAccess(g), Mention(g.RequesterID), grantEnded(g))
	}
	return fmt.Sprintf(":lock: %s grant %s of %s, asked by %s, %s: %s", Code(g.Action), Code(g.ID), GrantAccess(g), Mention(g.RequesterID), grantEnded(g), Esc(g.Result))
}

// GrantOverdueLine is the audit channel's one line for a grant whose
// access oktabot could not remove at its end.
func GrantOverdueLine(g store.Grant) string {
	return fmt.Sprintf(":rotating_light: %s grant %s of %s, asked by %s, ended %s, but oktabot could not remove it yet (%s; last: %s). It keeps trying; check it in Okta.",
		Code(g.Action), Code(g.ID), GrantAccess(g), Mention(g.RequesterID), Date(g.EndsAt),
		Plural(g.Attempts, "failed attempt", "failed attempts"), Esc(OrDash(g.LastError)))
}

// GrantEndAnswer answers End now or /okta revoke.
func GrantEndAnswer(g store.Grant, e requests.Ended) Reply {
	switch e {
	case requests.EndedNow:
		return Notice(fmt.Sprintf(":lock: Grant %s of %s is over: %s.", Code(g.ID), GrantAccess(g), Esc(g.Result)))
	case requests.EndRetrying:
		return Notice(fmt.Sprintf(":warning: Grant %s of %s is ended, but Okta did not take the removal yet (%s); oktabot keeps trying, and the audit channel is told if it stays.", Code(g.ID), GrantAccess(g), Esc(OrDash(g.LastError))))
	case requests.EndNotActive:
		switch g.Status {
		case store.GrantRevoked:
			return Notice(fmt.Sprintf(":information_source: Grant %s of %s already %s. Nothing more was done.", Code(g.ID), GrantAccess(g), grantEnded(g)))
		case store.GrantGiving:
			return Notice(fmt.Sprintf(":hourglass: Grant %s of %s is being given right now; nothing was changed. Try again in a moment. (If a bot stopped while giving it, it can be ended from %s, once no giving can still be under way; else it is removed at its end.)",
				Code(g.ID), GrantAccess(g), Date(g.UpdatedAt.Add(store.GivingLapse))))
		}
		return Notice(fmt.Sprintf(":information_source: Grant %s of %s is already being removed. Nothing more was done.", Code(g.ID), GrantAccess(g)))
	case requests.EndRefused:
		return Notice(fmt.Sprintf(":no_entry: Grant %s was asked for by %s: only they may end it, or someone the policy lets run `revoke`. Nothing was changed.", Code(g.ID), Mention(g.RequesterID)))
	case requests.EndUnchecked:
		return Notice(":warning: I could not check whether you may end this grant (Slack did not answer a membership lookup). Nothing was changed; please try again.")
	}
	return Notice(":warning: I could not end this grant (oktabot's database did not answer). Nothing was changed; please try again.")
}

// WithGrantNote adds to a time-boxed request's approval message that its
// clock starts when it runs, and then, for each of grants (those its run
// gave), until when it holds, or when and how it was removed.
func WithGrantNote(r Reply, a store.Approval, grants []store.Grant) Reply {
	d := a.Params["for"]
	if d == "" {
		return r
	}
	note := fmt.Sprintf(":stopwatch: *For %s only:* its clock starts when it runs, not when it was asked; oktabot removes it by itself then.", Esc(d))
	if a.Params["extend"] == "true" {
		note += " What the user already has through a grant of oktabot's is extended instead."
	}
	for _, g := range grants {
		if g.Kept() {
			note += fmt.Sprintf("\n:pushpin: *Made permanent* %s by %s: %s to %s (grant %s); its end removes nothing.", Date(g.RevokedAt), Mention(g.EndedBy), Esc(grantWhat(g)), Esc(g.UserLabel), Code(g.ID))
			continue
		}
		if g.Status == store.GrantRevoked {
			how := "at its end"
			if g.EndedBy != "" {
				how = "ended early by " + Mention(g.EndedBy)
			}
			note += fmt.Sprintf("\n:lock: *Removed* %s, %s: %s to %s (grant %s).", Date(g.RevokedAt), how, Esc(grantWhat(g)), Esc(g.UserLabel), Code(g.ID))
			continue
		}
		note += fmt.Sprintf("\n:stopwatch: *Given until* %s: %s to %s (grant %s).", Date(g.EndsAt), Esc(grantWhat(g)), Esc(g.UserLabel), Code(g.ID))
	}
	out := r
	out.Blocks = make([]slack.Block, 0, len(r.Blocks)+1)
	placed := false
	for i, bl := range r.Blocks {
		out.Blocks = append(out.Blocks, bl)
		if i == 0 {
			out.Blocks = append(out.Blocks, Context(note))
			placed = true
		}
	}
	if !placed {
		out.Blocks = append(out.Blocks, Context(note))
	}
	return out
}
