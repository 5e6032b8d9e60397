package handlers

import "oktabot/blocks"

// Temporary: the rendering code still in this package, until it moves to
// package blocks.
var (
	esc             = blocks.Esc
	code            = blocks.Code
	clip            = blocks.Clip
	when            = blocks.When
	plural          = blocks.Plural
	mention         = blocks.Mention
	channelRef      = blocks.ChannelRef
	slackID         = blocks.IsSlackID
	slackDate       = blocks.Date
	targetRef       = blocks.TargetRef
	targetsSummary  = blocks.TargetsSummary
	orDash          = blocks.OrDash
	mentionRE       = blocks.MentionRE
	problemText     = blocks.Problem
	problemTextBare = blocks.ProblemBare
	outcomeError    = blocks.OutcomeError
)

var (
	approvalTargets = blocks.ApprovalTargets
	requestLine     = blocks.RequestLine
)

var approvalTargetRefs = blocks.ApprovalTargetRefs
