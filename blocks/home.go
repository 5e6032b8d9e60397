package blocks

import "github.com/slack-go/slack"

// Home is the Home tab: a heading, then the caller's help.
func Home(command string, help Reply) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		slack.NewHeaderBlock(Plain("oktabot")),
		Section("Okta administration from Slack. Type `" + command + "` in any channel to pick an action, or `" + command + " help` for the command line. Answers are visible only to you unless you add `--public`."),
		slack.NewDividerBlock(),
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: append(blocks, help.Blocks...)}}
}
