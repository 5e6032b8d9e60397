package main

import (
	"context"

	"oktabot/sandbox"
)

// sandboxBot is the real bot, run as it runs in production, for `oktabot
// sandbox`: the sandbox gives it the stand-ins' addresses and tokens as
// its environment, and its clock, which the sandbox's page moves forward.
func sandboxBot(ctx context.Context, env sandbox.BotEnv) error {
	return runOn(ctx, []string{"oktabot"}, env.LookupEnv, env.Logs, env.Logs,
		botClock{Now: env.Now, SweepInterval: env.SweepEvery, GrantSweepInterval: env.SweepEvery})
}
