// Package sandbox runs the whole product on one machine: the Okta
// stand-in (okta/oktatest) seeded with a demo company, the Slack stand-in
// (slackfake) with a few people and channels, the real bot connected to
// both over loopback, and a web page that is a Slack-like workspace beside
// an Okta panel. It is `oktabot sandbox`.
package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

// BotRunner runs the bot, as cmd/bot's run does, as env says, until ctx
// is done.
type BotRunner func(ctx context.Context, env BotEnv) error

// BotEnv is what the sandbox gives the bot it runs.
type BotEnv struct {
	// LookupEnv is its environment: the stand-ins' addresses and tokens.
	LookupEnv func(string) (string, bool)
	// Now is the sandbox's clock, which the page moves forward: the bot
	// times everything by it (expiry, reminders, break glass, grants), as
	// the stand-ins do.
	Now func() time.Time
	// SweepEvery is how often the bot should look for what became due, so
	// that what a skip ahead made due shows within a moment.
	SweepEvery time.Duration
	// Logs takes its JSON log.
	Logs io.Writer
}

// sweepEvery is BotEnv.SweepEvery.
const sweepEvery = time.Second

// Options say how to start a sandbox.
type Options struct {
	// Addr is where the page listens (default 127.0.0.1:8080); it must be
	// a loopback address. Port 0 picks a free port.
	Addr string
	// PolicyFile is the policy to run; empty runs the sandbox's own.
	PolicyFile string
	// DataDir keeps the database (and the sandbox policy); empty uses a
	// temporary directory, removed at Close.
	DataDir string
	// Now is the real clock (default time.Now); the sandbox's runs ahead
	// of it by what the page skipped.
	Now func() time.Time
}

// Sandbox is a running sandbox.
type Sandbox struct {
	Slack *slackfake.Server
	Okta  *oktatest.Server

	clock    *clock
	people   []Person
	tour     []story
	channels map[string]string // id -> name
	policy   string            // the policy file in use
	ownDir   string            // a temporary data directory to remove
	ln       net.Listener
	srv      *http.Server
	logs     *ring
	cancel   context.CancelFunc
	botDone  chan error

	mu        sync.Mutex
	typed     []typedCommand
	fileSeen  map[string]time.Time
	oktaState oktaFaults
	pushes    pushHandles
}

type typedCommand struct {
	User, Channel, Text string
	At                  time.Time
}

// Main is `oktabot sandbox [flags]`: it starts a sandbox, prints the
// address to open and runs until ctx is done.
func Main(ctx context.Context, args []string, run BotRunner, stdout io.Writer) error {
	fs := flag.NewFlagSet("oktabot sandbox", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o Options
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "where the page listens (a loopback address)")
	fs.StringVar(&o.PolicyFile, "policy", "", "a policy file to rehearse (default: the sandbox's own)")
	fs.StringVar(&o.DataDir, "data", "", "keep the database in this directory (default: a temporary one)")
	fs.Usage = func() {
		fmt.Fprintln(stdout, "usage: oktabot sandbox [--policy FILE] [--addr 127.0.0.1:8080] [--data DIR]")
		fmt.Fprintln(stdout, "Runs oktabot against stand-ins for Slack and Okta on this machine and serves a page to try it in.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sandbox: unexpected arguments %q", fs.Args())
	}
	s, err := Start(ctx, o, run)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "oktabot sandbox: open %s (Slack and Okta are stand-ins on this machine; Ctrl-C stops)\n", s.URL())
	select {
	case <-ctx.Done():
	case err := <-s.botDone:
		s.botDone <- err
	}
	return s.Close()
}

// Start seeds both stand-ins, starts the bot against them and serves the
// page. It returns once the bot is connected to Slack.
func Start(ctx context.Context, o Options, run BotRunner) (_ *Sandbox, err error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:8080"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := loopbackOnly(o.Addr); err != nil {
		return nil, err
	}
	s := &Sandbox{clock: &clock{base: o.Now}, channels: map[string]string{}, logs: newRing(400), fileSeen: map[string]time.Time{}}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	dir := o.DataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "oktabot-sandbox-"); err != nil {
			return nil, err
		}
		s.ownDir = dir
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}

	if o.PolicyFile == "" {
		s.policy = filepath.Join(dir, "sandbox-policy.yml")
		if err := os.WriteFile(s.policy, []byte(demoPolicy), 0o600); err != nil {
			return nil, err
		}
		s.people = slices.Clone(demoPeople)
		s.channels = map[string]string{chIncident: "incident", chApprovals: "approvals", chAudit: "audit"}
		s.tour = demoTour
	} else {
		// Validated as at start, so a mistake is named before anything runs.
		p, err := auth.Load(o.PolicyFile, auth.Names{Actions: actions.Default().Names(), RoleTypes: actions.RoleTypes})
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		s.policy = o.PolicyFile
		s.people, s.channels = peopleOf(p)
		s.tour = policyTour(s.people)
	}

	s.Slack = slackfake.Start(slackfake.WithPingInterval(5*time.Second), slackfake.WithClock(s.clock.Now))
	if s.Okta, err = oktatest.Start(oktatest.WithClock(s.clock.Now)); err != nil {
		return nil, err
	}
	seedSlack(s.Slack, s.people, s.channels)
	seedOkta(s.Okta, s.people, s.clock.Now())

	env := map[string]string{
		"SLACK_APP_TOKEN":      s.Slack.AppToken(),
		"SLACK_BOT_TOKEN":      s.Slack.BotToken(),
		"SLACK_API_URL":        s.Slack.APIURL(),
		"OKTA_CLIENT_ORGURL":   s.Okta.URL,
		"OKTA_CLIENT_TOKEN":    s.Okta.Token,
		"OKTABOT_POLICY_FILE":  s.policy,
		"OKTABOT_DATABASE_URL": filepath.Join(dir, "oktabot.db"),
		"OKTABOT_HTTP_ADDR":    "",
		"LOG_LEVEL":            "info",
	}
	botCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.botDone = make(chan error, 1)
	go func() {
		s.botDone <- run(botCtx, BotEnv{
			LookupEnv:  func(k string) (string, bool) { v, ok := env[k]; return v, ok },
			Now:        s.clock.Now,
			SweepEvery: sweepEvery,
			Logs:       s.logs,
		})
	}()
	connected := make(chan error, 1)
	go func() { connected <- s.Slack.WaitConnections(1, 30*time.Second) }()
	select {
	case err := <-s.botDone:
		s.botDone <- err
		if err == nil {
			err = errors.New("stopped at once")
		}
		return nil, fmt.Errorf("the bot did not start: %w", err)
	case err := <-connected:
		if err != nil {
			return nil, fmt.Errorf("the bot did not connect to the Slack stand-in: %w\n%s", err, s.logs.String())
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	if s.ln, err = net.Listen("tcp", o.Addr); err != nil {
		return nil, fmt.Errorf("--addr: %w", err)
	}
	s.srv = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(s.ln)
	return s, nil
}

// URL is the page's address.
func (s *Sandbox) URL() string { return "http://" + s.ln.Addr().String() + "/" }

// Close stops the page, the bot and both stand-ins, and removes a
// temporary data directory. It returns the bot's error, if it failed.
func (s *Sandbox) Close() error {
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.srv.Shutdown(ctx)
		cancel()
	}
	var err error
	if s.cancel != nil {
		s.cancel()
		select {
		case err = <-s.botDone:
		case <-time.After(30 * time.Second):
			err = errors.New("the bot did not stop within 30 s")
		}
	}
	if s.Slack != nil {
		s.Slack.Close()
	}
	if s.Okta != nil {
		s.Okta.Close()
	}
	if s.ownDir != "" {
		os.RemoveAll(s.ownDir)
	}
	return err
}

// loopbackOnly refuses an address other machines could reach: the page
// drives a bot with admin rights over the (stand-in) org.
func loopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: the sandbox listens on a loopback address only (127.0.0.1:PORT)", addr)
	}
	return nil
}

// peopleOf makes a person of every Slack user a policy names, and one
// member of every user group it names; the channels are its approval and
// audit channels plus #incident to type in.
func peopleOf(p *auth.Policy) ([]Person, map[string]string) {
	byID := map[string]*Person{}
	var order []string
	person := func(id string) *Person {
		if byID[id] == nil {
			byID[id] = &Person{ID: id}
			order = append(order, id)
		}
		return byID[id]
	}
	for _, role := range p.Roles() {
		users, groups := p.Members(role)
		for _, u := range users {
			pp := person(u)
			pp.Role = joinRole(pp.Role, role)
		}
		for _, g := range groups {
			pp := person("U" + strings.TrimPrefix(g, "S") + "M")
			pp.Groups = append(pp.Groups, g)
			pp.Role = joinRole(pp.Role, role+" via "+g)
		}
	}
	var people []Person
	for i, id := range order {
		pp := byID[id]
		pp.Name = strings.ToLower(id)
		pp.RealName = firstNames[i%len(firstNames)] + " " + lastNames[i%len(lastNames)]
		pp.Title = "Policy member"
		pp.Email = pp.Name + "@" + domain
		pp.OktaLogin, _ = p.OktaLogin(id) // seeded in Okta, so step_up finds it
		people = append(people, *pp)
	}
	people = append(people, Person{ID: "U0OUTSIDER", Name: "outsider", RealName: "Alex Kim", Title: "Marketing Manager", Role: "not in the policy", Email: "outsider@" + domain})
	chans := map[string]string{chIncident: "incident"}
	for _, r := range p.Rules() {
		if _, ok := chans[r.Channel]; !ok {
			chans[r.Channel] = "approvals-" + strings.ToLower(r.Channel)
		}
	}
	if a := p.AuditChannel(); a != "" {
		chans[a] = "audit"
	}
	return people, chans
}

func joinRole(have, role string) string {
	if have == "" {
		return role
	}
	return have + ", " + role
}

// ring keeps the last lines of the bot's log for the page.
type ring struct {
	mu    sync.Mutex
	lines []string
	max   int
	part  []byte
}

func newRing(max int) *ring { return &ring{max: max} }

func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.part = append(r.part, p...)
	for {
		i := slices.Index(r.part, '\n')
		if i < 0 {
			break
		}
		r.lines = append(r.lines, string(r.part[:i]))
		r.part = r.part[i+1:]
	}
	if len(r.lines) > r.max {
		r.lines = slices.Clone(r.lines[len(r.lines)-r.max:])
	}
	return len(p), nil
}

func (r *ring) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lines)
}

func (r *ring) String() string { return strings.Join(r.Lines(), "\n") }
