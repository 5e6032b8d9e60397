package sandbox

import "strings"

// The page's walkthrough: things to try, in stories, each step a person
// typing a command where they would, looking somewhere, or time passing.
// A click on a step puts the page there (the command in the composer, to
// send or change).

// step is one thing to try.
type step struct {
	As      string `json:"as"`                // who: a person's Slack id
	Channel string `json:"channel,omitempty"` // where: a channel id, "dm" (their messages with oktabot) or "home"
	Command string `json:"command,omitempty"` // what to type there
	Skip    string `json:"skip,omitempty"`    // or: how far to move the clock
	Text    string `json:"text"`              // what to look at (mrkdwn, as the page draws it)
}

// story is a few steps that go together.
type story struct {
	Title string `json:"title"`
	Steps []step `json:"steps"`
}

func short(login string) string { return strings.TrimSuffix(login, "@"+domain) }

// demoTour is the walkthrough of the sandbox's own policy and org.
var demoTour = []story{
	{Title: "Look around", Steps: []step{
		{As: "U0PRIYA", Channel: chIncident, Command: "/okta help", Text: "What on-call may run: each person sees their own (try Maria, then Alex)."},
		{As: "U0PRIYA", Channel: chIncident, Command: "/okta get-user " + short(loginLockedOut), Text: "A user card, for Priya only: locked out, with Okta Verify."},
	}},
	{Title: "A stolen laptop: an approval", Steps: []step{
		{As: "U0PRIYA", Channel: "dm", Command: `/okta disable-user olivia.anderson --reason "INC-2041: laptop stolen"`, Text: "It waits for security, in #approvals."},
		{As: "U0SAM", Channel: chApprovals, Text: "Sam approves it (or denies it, saying why). Priya hears back in her direct messages; #audit gets a line."},
	}},
	{Title: "An MFA fatigue attack: a reminder, then break glass", Steps: []step{
		{As: "U0PRIYA", Channel: chIncident, Command: "/okta user-activity " + short(loginCompromised) + " --since 2h", Text: "Push after push denied, then one approved from Frankfurt, and a session there."},
		{As: "U0PRIYA", Channel: chIncident, Command: "/okta contain " + short(loginCompromised) + ` --reason "INC-2042: MFA fatigue, signed in from Frankfurt"`, Text: "Suspend, end his sessions, revoke his tokens: it waits for security. Nobody answers…"},
		{As: "U0SAM", Channel: chApprovals, Skip: "5m", Text: "After 5 minutes the approvers are reminded, in the request's thread."},
		{As: "U0PRIYA", Channel: "dm", Skip: "5m", Text: "After 10, Priya may *Break glass*: it asks why, runs at once, tells security loudly, and waits for an approver's *Reviewed* (`/okta audit --break-glass`)."},
	}},
	{Title: "The helpdesk proves who is calling", Steps: []step{
		{As: "U0MARIA", Channel: chIncident, Command: "/okta unlock-user " + short(loginLockedOut), Text: "Noah gets an Okta Verify push (📱 Phones, on the right) and Maria, in her direct messages, the number to ask him to tap. Tap it on his phone: he is unlocked. A wrong number or *No, it's not me* leaves him locked, and #audit is told."},
		{As: "U0MARIA", Channel: chIncident, Command: "/okta unlock-user " + short(loginLockedNoPush), Text: "Mateo has no Okta Verify: not run, saying why."},
		{As: "U0MARIA", Channel: chIncident, Command: "/okta set-password", Text: "A form; the password is never typed in a command, and Sophia Moreau's phone, say, is asked first."},
		{As: "U0MARIA", Channel: chIncident, Command: "/okta verify-user sophia.moreau", Text: "Is the caller really Sophia? The push alone, before anything else."},
	}},
	{Title: "A lost phone: the approval stands in, with step-up", Steps: []step{
		{As: "U0MARIA", Channel: chIncident, Command: "/okta reset-factors " + short(loginLostPhone) + ` --device-lost --reason "HD-311: phone lost"`, Text: "No push can reach Lucas: his reset waits for security instead."},
		{As: "U0JORDAN", Channel: chApprovals, Text: "Jordan approves: his own phone asks first (`step_up: push`). Tap the number his direct messages show."},
	}},
	{Title: "An admin role for an afternoon: step-up and a time-boxed grant", Steps: []step{
		{As: "U0JORDAN", Channel: chIncident, Command: "/okta assign-role " + short(loginCover) + ` --role HELP_DESK_ADMIN --for 1h --reason "covering the helpdesk queue"`, Text: "Admin roles are given for a time only (`require_duration`), after approval."},
		{As: "U0SAM", Channel: chApprovals, Text: "Sam approves with Okta Verify on his admin account's phone (the policy's `people:` map)."},
		{As: "U0JORDAN", Channel: chIncident, Command: "/okta grants", Text: "The grant and its end."},
		{As: "U0JORDAN", Channel: "dm", Skip: "1h", Text: "An hour later the role is gone (the Okta panel shows it), Jordan is told, and #audit too."},
	}},
	{Title: "On-call adds a colleague for a shift", Steps: []step{
		{As: "U0PRIYA", Channel: chIncident, Command: "/okta add-to-group " + short(loginResponder) + ` --group "` + groupResponders + `" --for 30m`, Text: "On-call gives group memberships for a time only, at most 12h."},
		{As: "U0PRIYA", Channel: "dm", Skip: "20m", Text: "10 minutes before the end, Priya may *Extend* it or *End now*."},
		{As: "U0PRIYA", Channel: "dm", Skip: "10m", Text: "At the end Hana is out of the group, and Priya is told."},
	}},
	{Title: "Outside the policy", Steps: []step{
		{As: "U0ALEX", Channel: chIncident, Command: `/okta disable-user isabella.alvarez --reason "just because"`, Text: "Refused; nothing reaches Okta, and #audit is told."},
		{As: "U0SAM", Channel: chIncident, Command: "/okta audit --limit 10", Text: "Every request, decision and outcome, recorded."},
	}},
}

// policyTour is the walkthrough of a policy of one's own (--policy): each
// person's help, and where the pushes and the clock are.
func policyTour(people []Person) []story {
	s := story{Title: "Your policy"}
	for _, p := range people {
		s.Steps = append(s.Steps, step{As: p.ID, Channel: chIncident, Command: "/okta help", Text: "What " + p.Name + " may run (" + p.Role + ")."})
	}
	return []story{s}
}
