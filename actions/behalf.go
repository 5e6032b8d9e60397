package actions

import "context"

type behalfKey struct{}

// OnBehalfOf marks ctx as work done for a person (a Slack user id, or
// any other name for whoever is waiting for it). The Directory shares its
// calls to Okta fairly between the people they are made for.
func OnBehalfOf(ctx context.Context, person string) context.Context {
	return context.WithValue(ctx, behalfKey{}, person)
}

// BehalfOf is the person ctx's work is done for (OnBehalfOf), or "".
func BehalfOf(ctx context.Context) string {
	p, _ := ctx.Value(behalfKey{}).(string)
	return p
}
