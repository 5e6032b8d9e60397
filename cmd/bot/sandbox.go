package main

import (
	"context"
	"io"
)

// sandboxBot is the real bot, run as it runs in production, for `oktabot
// sandbox`: the sandbox gives it the stand-ins' addresses and tokens as
// its environment.
func sandboxBot(ctx context.Context, lookupEnv func(string) (string, bool), logs io.Writer) error {
	return run(ctx, []string{"oktabot"}, lookupEnv, logs, logs)
}
