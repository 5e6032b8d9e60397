package slackfake

import (
	"fmt"
	"slices"
	"strings"
)

// manifestScopes are the bot scopes of oktabot's manifest.yml
// (oauth_config.scopes.bot), in its order: what the fake grants unless
// WithScopes says otherwise. TestDefaultScopesAreTheManifests keeps the
// two equal.
var manifestScopes = []string{
	"commands",
	"chat:write",
	"users:read",
	"users:read.email",
	"usergroups:read",
	"im:write",
	"files:write",
	"channels:read",
	"groups:read",
	"channels:history",
	"groups:history",
}

// WithScopes sets the bot token's OAuth scopes (default: those of
// oktabot's manifest.yml). A Web API method called without the scope it
// needs answers as Slack does, HTTP 200 and
// {"ok":false,"error":"missing_scope","needed":"chat:write","provided":"commands,users:read"};
// users.info leaves out profile.email without users:read.email.
func WithScopes(scopes ...string) Option {
	return func(c *config) { c.scopes = slices.Clone(scopes) }
}

// convScopes are the scopes of one conversations.* family, one per
// conversation type: a method in the family needs the one for the
// conversation's type.
type convScopes struct{ public, private, mpim, im string }

// all is the family in the order Slack names it in "needed" when the
// conversation's type is not known, e.g.
// "channels:read,groups:read,mpim:read,im:read".
func (f convScopes) all() []string { return []string{f.public, f.private, f.mpim, f.im} }

var (
	readScopes    = convScopes{"channels:read", "groups:read", "mpim:read", "im:read"}
	historyScopes = convScopes{"channels:history", "groups:history", "mpim:history", "im:history"}
	// conversations.open's bot scopes; the fake opens only the app's DM
	// with one person (im:write).
	writeScopes = convScopes{"channels:manage", "groups:write", "mpim:write", "im:write"}
)

// scopeRule gives the scopes a call may be made with, any one of them
// enough; none means the method needs no scope.
type scopeRule func(s *Server, p params) []string

func scope(name string) scopeRule { return func(*Server, params) []string { return []string{name} } }

func noScope(*Server, params) []string { return nil }

// byChannel needs the family's scope for the type of p["channel"] when the
// app can see that conversation, else any of the family's.
func byChannel(f convScopes) scopeRule {
	return func(s *Server, p params) []string {
		k, ok := s.kindOfLocked(p["channel"])
		if !ok {
			return f.all()
		}
		switch k {
		case kindPrivate:
			return []string{f.private}
		case kindAppDM:
			return []string{f.im}
		}
		return []string{f.public}
	}
}

// methodScopes are the bot token scopes of every Web API method the fake
// implements (the "Scopes: Bot token" of each method's page,
// docs.slack.dev/reference/methods/<method>). TestEveryMethodHasItsScopes
// keeps it in step with handleAPI.
var methodScopes = map[string]scopeRule{
	// apps.connections.open takes the app-level token, whose scope
	// (connections:write) is not the bot's; a bot token is refused with
	// not_allowed_token_type before this table is read.
	"apps.connections.open": noScope,
	// auth.test: "No scope required".
	"auth.test": noScope,
	// chat.postMessage, chat.postEphemeral, chat.update: chat:write.
	"chat.postMessage":   scope("chat:write"),
	"chat.postEphemeral": scope("chat:write"),
	"chat.update":        scope("chat:write"),
	// chat.getPermalink: "No scope required".
	"chat.getPermalink": noScope,
	// views.open, views.push, views.publish, views.update: no scope
	// required.
	"views.open":    noScope,
	"views.push":    noScope,
	"views.publish": noScope,
	"views.update":  noScope,
	// users.info: users:read (profile.email also needs users:read.email,
	// docs.slack.dev/reference/scopes/users.read.email).
	"users.info": scope("users:read"),
	// usergroups.users.list: usergroups:read.
	"usergroups.users.list": scope("usergroups:read"),
	// conversations.open: channels:manage, groups:write, im:write,
	// mpim:write by the conversation's type; a DM with one person (users=U…
	// or channel=D…) is im:write.
	"conversations.open": func(s *Server, p params) []string {
		if p["users"] != "" && !strings.Contains(p["users"], ",") {
			return []string{writeScopes.im}
		}
		return byChannel(writeScopes)(s, p)
	},
	// conversations.info, conversations.members: channels:read,
	// groups:read, im:read, mpim:read by the conversation's type.
	"conversations.info":    byChannel(readScopes),
	"conversations.members": byChannel(readScopes),
	// conversations.history, conversations.replies: channels:history,
	// groups:history, im:history, mpim:history by the conversation's type.
	"conversations.history": byChannel(historyScopes),
	"conversations.replies": byChannel(historyScopes),
	// files.getUploadURLExternal, files.completeUploadExternal: files:write.
	"files.getUploadURLExternal":   scope("files:write"),
	"files.completeUploadExternal": scope("files:write"),
}

// kindOfLocked is the type of a conversation the app can see, without
// opening anything: a visible channel, or the app's DM named by its D… id
// or the person's id. A conversation the app cannot see has no type for it.
func (s *Server) kindOfLocked(id string) (kind, bool) {
	if id == "" {
		return 0, false
	}
	if ch, ok := s.channels[id]; ok {
		return ch.kind, s.visibleLocked(ch)
	}
	switch id[0] {
	case 'D':
		return kindAppDM, s.userExistsLocked("U"+id[1:]) || s.userExistsLocked("W"+id[1:])
	case 'U', 'W':
		return kindAppDM, s.userExistsLocked(id)
	}
	return 0, false
}

func (s *Server) grantedLocked(name string) bool { return slices.Contains(s.cfg.scopes, name) }

// checkScopeLocked answers missing_scope, as Slack does, when the bot
// token has none of the scopes the call may be made with. needed names
// the one scope, or the family when the conversation's type is not known.
func (s *Server) checkScopeLocked(method string, p params) *apiErr {
	rule, ok := methodScopes[method]
	if !ok {
		return nil // not implemented: handleAPI answers unknown_method
	}
	accepted := rule(s, p)
	if len(accepted) == 0 || slices.ContainsFunc(accepted, s.grantedLocked) {
		return nil
	}
	needed := strings.Join(accepted, ",")
	s.refused = append(s.refused, fmt.Sprintf("%s needs %s", method, needed))
	return &apiErr{code: "missing_scope", extra: map[string]any{
		"needed": needed, "provided": strings.Join(s.cfg.scopes, ","),
	}}
}

// Scopes are the bot token's scopes (WithScopes; by default those of
// oktabot's manifest.yml).
func (s *Server) Scopes() []string { return slices.Clone(s.cfg.scopes) }

// MissingScopes are the calls refused with missing_scope because the bot
// token lacks a scope, one "method needs scope[,scope…]" each, in order (an
// error injected with InjectError is not one). A test that grants the
// manifest's scopes can insist there are none: the bot called a method the
// manifest does not let it call.
func (s *Server) MissingScopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.refused)
}
