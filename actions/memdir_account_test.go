package actions

import "context"

// memDir does not model factors, pushes, sessions, grants, group roles or
// the System Log: the actions built on them are tested against the Okta
// fake. These answer KindInternal so that a test that reaches them fails
// plainly.

func (d *memDir) unmodelled(what string) error {
	d.call(what)
	return Errorf(KindInternal, "memDir does not model %s", what)
}

func (d *memDir) ExpirePassword(_ context.Context, id string) error {
	return d.setStatus(id, "expire", StatusPasswordExpired)
}
func (d *memDir) ExpirePasswordWithTemp(_ context.Context, id string, _ bool) (Secret, error) {
	d.setStatus(id, "expire-temp", StatusPasswordExpired)
	return NewSecret("Temp-" + id), nil
}
func (d *memDir) ListFactors(context.Context, string) ([]Factor, error) {
	return nil, d.unmodelled("factors")
}
func (d *memDir) GetFactor(context.Context, string, string) (Factor, error) {
	return Factor{}, d.unmodelled("factors")
}
func (d *memDir) DeleteFactor(context.Context, string, string) error {
	return d.unmodelled("factors")
}
func (d *memDir) ResetFactors(context.Context, string) error { return d.unmodelled("factors") }
func (d *memDir) SendPush(context.Context, string, string) (PushChallenge, error) {
	return PushChallenge{}, d.unmodelled("pushes")
}
func (d *memDir) PushResult(context.Context, PushChallenge) (PushResult, error) {
	return "", d.unmodelled("pushes")
}
func (d *memDir) ClearSessions(context.Context, string, ClearSessions) error {
	return d.unmodelled("sessions")
}
func (d *memDir) ListGrants(context.Context, string) ([]Grant, error) {
	return nil, d.unmodelled("grants")
}
func (d *memDir) RevokeGrants(context.Context, string) error { return d.unmodelled("grants") }
func (d *memDir) ListClients(context.Context, string) ([]OAuthClient, error) {
	return nil, d.unmodelled("OAuth clients")
}
func (d *memDir) AddGroupMember(context.Context, string, string) error {
	return d.unmodelled("group membership")
}
func (d *memDir) RemoveGroupMember(context.Context, string, string) error {
	return d.unmodelled("group membership")
}
func (d *memDir) ListGroupRoles(context.Context, string) ([]Role, error) {
	return nil, d.unmodelled("group roles")
}
func (d *memDir) ListLogEvents(context.Context, LogQuery) ([]LogEvent, error) {
	return nil, d.unmodelled("the System Log")
}
