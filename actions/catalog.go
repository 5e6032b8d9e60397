package actions

// Default returns the registry of every action oktabot knows: the fourteen
// Okta actions of the seed and the bot's own audit log. Each parameter names
// the seed parameter it comes from. The seed's "Also Run On Scope" is a
// property of its original host and has no meaning in Slack.
func Default() *Registry {
	sendEmail := func(seed, help string) Param {
		return Param{Name: "send-email", Seed: seed, Type: Bool, Default: "false", Help: help}
	}
	return NewRegistry(
		&Action{
			Name:    "ping",
			Summary: "Check that Okta answers, who the bot logs in as and how fast",
			Run:     runPing,
		},
		&Action{
			Name:            "get-user",
			Summary:         "Show users: status (locked out or not), name, login, email, key dates and MFA factor types",
			Targets:         UserTargets,
			TargetsRequired: true,
			Run:             runGetUser,
		},
		&Action{
			Name:    "list-users",
			Summary: "List users, optionally matching a query, filter or search",
			Params: []Param{
				{Name: "query", Seed: "Query", Type: String, Help: "prefix of first name, last name or email"},
				{Name: "filter", Seed: "Filter", Type: String, Help: `Okta filter expression, e.g. status eq "ACTIVE"`},
				{Name: "search", Seed: "Search", Type: String, Help: `Okta search expression, e.g. profile.department eq "Sales"`},
				{Name: "limit", Seed: "Limit", Type: Int, Default: "200", Help: "at most this many users"},
			},
			Run: runListUsers,
		},
		&Action{
			Name:            "list-user-groups",
			Summary:         "List the groups users belong to",
			Targets:         UserTargets,
			TargetsRequired: true,
			Run:             runListUserGroups,
		},
		&Action{
			Name:            "get-group",
			Summary:         "Show groups by id or exact name",
			Targets:         GroupTargets,
			TargetsRequired: true,
			Params: []Param{
				{Name: "is-id", Seed: "Is Id", Type: Bool, Default: "false", Help: "the targets are group ids, not names"},
			},
			Run: runGetGroup,
		},
		&Action{
			Name:            "add-group",
			Summary:         "Create an Okta group",
			Targets:         NameTarget,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "description", Seed: "Group Description", Type: String, Help: "what the group is for"},
			},
			Run: runAddGroup,
		},
		&Action{
			Name:            "list-roles",
			Summary:         "List the admin roles assigned to users",
			Targets:         UserTargets,
			TargetsRequired: true,
			Run:             runListRoles,
		},
		&Action{
			Name:            "assign-role",
			Summary:         "Assign admin roles to users",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "role", Seed: "Role Types", Type: Choice, Multi: true, Required: true, Choices: RoleTypes, Help: "role types to assign"},
				forParam, extendParam,
			},
			Run: runAssignRole,
		},
		&Action{
			Name:            "unassign-role",
			Summary:         "Remove admin roles from users",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "role", Seed: "Role IDs Or Names", Type: String, Multi: true, Required: true, Help: "role assignment ids (with --is-id) or role types"},
				{Name: "is-id", Seed: "Is Id", Type: Bool, Default: "false", Help: "the roles are assignment ids, not types"},
			},
			Run: runUnassignRole,
		},
		&Action{
			Name:    "list-providers",
			Summary: "List identity providers",
			Params: []Param{
				{Name: "query", Seed: "Query", Type: String, Help: "part of the provider's name"},
				{Name: "type", Seed: "Type", Type: Choice, Choices: IdentityProviderTypes, Help: "only providers of this type"},
				{Name: "limit", Seed: "Limit", Type: Int, Default: "20", Help: "at most this many providers"},
			},
			Run: runListProviders,
		},
		&Action{
			Name:            "enable-user",
			Summary:         "Unsuspend users, or activate them with --activate",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "activate", Seed: "Is Activate", Type: Bool, Default: "false", Help: "activate (staged or deprovisioned users) instead of unsuspending"},
				sendEmail("Send Email If Activate", "email the activation link to the user instead of returning it to you"),
			},
			Run:     runEnableUser,
			Secrets: func(v map[string]string) bool { return v["activate"] == "true" && v["send-email"] != "true" },
		},
		&Action{
			Name:            "disable-user",
			Summary:         "Suspend users, or deactivate them with --deactivate",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "deactivate", Seed: "Is Deactivate", Type: Bool, Default: "false", Help: "deactivate instead of suspending"},
				sendEmail("Send Email If Deactivate", "email the admin about the deactivation"),
			},
			Run: runDisableUser,
		},
		&Action{
			Name:            "reset-password",
			Summary:         "Start a password reset: a one-time link for you, or an email to the user",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				sendEmail("Send Email", "email the reset link to the user instead of returning it to you"),
			},
			Run:     runResetPassword,
			Secrets: func(v map[string]string) bool { return v["send-email"] != "true" },
		},
		&Action{
			Name:            "set-password",
			Summary:         "Set users' password without the old one (the password is typed only in the modal)",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "password", Seed: "New Password", Type: Password, Required: true, Help: "the new password (modal only)"},
				{Name: "add-random-chars", Seed: "Add 10 Random Chars", Type: Bool, Default: "false", Help: "append 10 random characters per user; you get each result privately"},
			},
			Run:     runSetPassword,
			Secrets: func(v map[string]string) bool { return v["add-random-chars"] == "true" },
		},
		&Action{
			Name:            "unlock-user",
			Summary:         "Unlock locked-out users, or lift the block on their sign-ins from unknown devices",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Run:             runUnlockUser,
		},
		&Action{
			Name:            "list-factors",
			Summary:         "List users' enrolled MFA factors: type, device, status and dates (never their secrets)",
			Targets:         UserTargets,
			TargetsRequired: true,
			Run:             runListFactors,
		},
		&Action{
			Name:            "clear-sessions",
			Summary:         "End users' Okta sessions and, unless kept, revoke their OAuth tokens and forget their remembered devices",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "keep-tokens", Type: Bool, Default: "false", Help: "keep the OAuth access and refresh tokens issued to them"},
				{Name: "keep-devices", Type: Bool, Default: "false", Help: "keep their remembered devices and factors"},
			},
			Run: runClearSessions,
		},
		&Action{
			Name:            "expire-password",
			Summary:         "Make users choose a new password at their next sign-in; --temp-password also sets a temporary one, for you only",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "temp-password", Type: Bool, Default: "false", Help: "replace the password by a temporary one, which comes to you privately"},
			},
			Run:     runExpirePassword,
			Secrets: func(v map[string]string) bool { return v["temp-password"] == "true" },
		},
		&Action{
			Name:            "add-to-group",
			Summary:         "Add users to an Okta group (not to one that grants admin roles, unless you may act on admins)",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "group", Type: String, Required: true, Help: "the group's exact name or its id"},
				forParam, extendParam,
			},
			Run: runAddToGroup,
		},
		&Action{
			Name:            "remove-from-group",
			Summary:         "Remove users from an Okta group (not from one that grants admin roles, unless you may act on admins)",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "group", Type: String, Required: true, Help: "the group's exact name or its id"},
			},
			Run: runRemoveFromGroup,
		},
		&Action{
			Name:            "reset-factors",
			Summary:         "Reset users' MFA factors: all of them, or those named with --factor; they enroll again at their next sign-in",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "factor", Type: String, Multi: true, Help: "factor types (push, sms, call, email, token:software:totp, webauthn, …) or factor ids; default every factor"},
				{Name: "device-lost", Type: Bool, Default: "false", Help: "their phone is lost: no push is sent; the reset waits for approval instead"},
			},
			Run: runResetFactors,
		},
		&Action{
			Name:            "verify-user",
			Summary:         "Have one user prove they own their account: an Okta Verify push with number matching; you read them the number",
			Targets:         UserTargets,
			TargetsRequired: true,
			Params: []Param{
				{Name: "factor", Type: String, Default: "push", Help: "push (their Okta Verify push) or the id of one of their push factors"},
			},
			Run: runVerifyUser,
		},
		&Action{
			Name:            "user-activity",
			Summary:         "Show what one user did, or had done to them, from Okta's System Log: time, event, outcome, IP, place and browser",
			Targets:         UserTargets,
			TargetsRequired: true,
			Params: []Param{
				{Name: "since", Type: String, Default: "24h", Help: "how far back: 30m, 24h, 7d; at most 90d"},
				{Name: "limit", Type: Int, Default: "20", Help: "at most this many events, newest first (at most 1000; more than 100 come as a CSV file)"},
				{Name: "type", Type: String, Help: "only events of this type, e.g. user.session.start"},
			},
			Run: runUserActivity,
		},
		&Action{
			Name:            "contain",
			Summary:         "Contain compromised accounts in one step: suspend, end every session and revoke OAuth tokens, per user in order",
			Targets:         UserTargets,
			TargetsRequired: true,
			Writes:          true,
			Params: []Param{
				{Name: "keep-tokens", Type: Bool, Default: "false", Help: "keep the OAuth access and refresh tokens issued to them"},
			},
			Run: runContain,
		},
		&Action{
			Name:    "audit",
			Summary: "Show recent audit records",
			Local:   true,
			Params: []Param{
				{Name: "user", Type: String, Multi: true, Help: "only records by these Slack users"},
				{Name: "action", Type: String, Help: "only records of this action"},
				{Name: "limit", Type: Int, Default: "20", Help: "at most this many records"},
				{Name: "request", Type: String, Help: "one request (its id, as approval messages and /okta audit show it): its records and every target"},
				{Name: "record", Type: String, Help: "one record (its number, #N) in full, every target included"},
				{Name: "break-glass", Type: Bool, Default: "false", Help: "the break-glass runs nobody has reviewed yet"},
			},
		},
		&Action{
			Name:    "grants",
			Summary: "List time-boxed grants (--for) that are still on, with their end times: yours, or everyone's with --all",
			Local:   true,
			Params: []Param{
				{Name: "user", Type: String, Help: "only grants to this Okta user (login, email or @mention)"},
				{Name: "all", Type: Bool, Default: "false", Help: "everyone's grants, not only those you asked for"},
			},
		},
		&Action{
			Name:            "revoke",
			Summary:         "End a time-boxed grant now: its role or group membership is removed",
			Targets:         NameTarget,
			TargetName:      "grant",
			TargetsRequired: true,
			Local:           true,
		},
	)
}

// forParam and extendParam make assign-role and add-to-group time-boxed.
var (
	forParam    = Param{Name: "for", Type: Duration, Help: "give it for this long only (30m, 2h, 7d); it is removed by itself at the end"}
	extendParam = Param{Name: "extend", Type: Bool, Default: "false", Help: "with --for: extend oktabot's grant of what the user already has"}
)
