// Package auth decides who may run which oktabot action: it loads and
// validates the allow-list and approval policy (a YAML file), and answers
// "may this Slack user run this action?" with Allow, Deny or NeedsApproval.
//
// Deny is the default. People are identified by their Slack user id only
// (U… or W…); a role may also name Slack user groups (S…), whose members are
// asked of Slack through the consumer-side Members interface and cached for
// a short time. A failed lookup is never cached and never grants anything.
//
// The package imports only the standard library and goccy/go-yaml: the set
// of action names is passed in by the caller, so the registry stays the one
// list of actions.
package auth
