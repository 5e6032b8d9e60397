package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"oktabot/actions"
	"oktabot/okta"
	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

// `oktabot bench` measures the bot against the stand-ins for Slack and
// Okta (the fakes the tests use), each bot it is given run as its own
// process, and prints the README's performance table: a burst of get-user
// commands from as many people, sustained commands a second with the
// embedded SQLite database on disk, a many-target disable-user under a
// tight Okta rate limit with and without the admin check (against one
// call after another), audit bytes per target, and a 10,000-user listing's
// time and peak memory. Given several bots (-bot OLD -bot NEW), it runs
// each in turn and prints them side by side.

const benchUsage = `Usage: oktabot bench [-bot PATH]... [-okta-concurrency N] [-short]

Runs each bot (default: this binary) as its own process against stand-ins
for Slack and Okta and prints a Markdown table of what it measured, side by
side, then how the last bot fares against issue 14's targets. It takes
about two minutes a bot; -short is a quick look with small sizes (not the
targets' sizes). The bot's logs go to a temporary directory, named when a
run fails.
`

// benchSizes are the sizes of one bench run.
type benchSizes struct {
	burst          int             // people, one get-user each
	burstLatency   []time.Duration // Okta's answer time, a burst each
	sustained      time.Duration
	senders        int // people sending commands one after another
	targets        int // of the timed disable-user
	perSecond      int // Okta's limit per endpoint for it
	disableLatency time.Duration
	auditTargets   []int
	listing        int
}

var (
	benchFull = benchSizes{
		burst: 200, burstLatency: []time.Duration{10 * time.Millisecond, 2 * time.Second},
		sustained: 10 * time.Second, senders: 16, // as many as the oldest bots have workers
		targets: 200, perSecond: 100, disableLatency: 100 * time.Millisecond,
		auditTargets: []int{50, 200, 400}, listing: 10000,
	}
	benchShort = benchSizes{
		burst: 20, burstLatency: []time.Duration{10 * time.Millisecond, 200 * time.Millisecond},
		sustained: time.Second, senders: 8,
		targets: 20, perSecond: 100, disableLatency: 10 * time.Millisecond,
		auditTargets: []int{5, 20}, listing: 450,
	}
)

func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("oktabot bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	var paths []string
	fs.Func("bot", "a bot binary to measure (repeat to compare; default this one)", func(p string) error {
		paths = append(paths, p)
		return nil
	})
	concurrency := fs.Int("okta-concurrency", okta.DefaultMaxInFlight, "OKTABOT_OKTA_CONCURRENCY for the bots")
	short := fs.Bool("short", false, "small sizes, for a quick look")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errReported{"bench: " + err.Error()}
	}
	if len(paths) == 0 {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		paths = []string{self}
	}
	var bots []benchBot
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return fmt.Errorf("bench: -bot %s: %w", p, err)
		}
		bots = append(bots, processBot{path: abs})
	}
	sizes := benchFull
	if *short {
		sizes = benchShort
	}
	return runBench(ctx, bots, sizes, *concurrency, stdout, stderr)
}

// benchBot is a bot to measure: a binary run as a child process, or (in
// tests) this process's own run.
type benchBot interface {
	name() string
	// start runs the bot with env until stop; its logs go to logs.
	start(env map[string]string, logs io.Writer) (benchRunning, error)
	// export is `oktabot audit export -format jsonl` with env.
	export(env map[string]string) ([]byte, error)
}

type benchRunning interface {
	stop() error
	// memory is the bot's resident memory now and its peak, in bytes;
	// ok is false where that cannot be told.
	memory() (now, peak int64, ok bool)
	// resetPeak starts the peak over from the memory in use now.
	resetPeak() bool
}

// processBot is a bot binary, run as a child process.
type processBot struct{ path string }

func (b processBot) name() string {
	out, err := exec.Command(b.path, "version").Output()
	if err != nil {
		return b.path
	}
	return fmt.Sprintf("%s (%s)", b.path, strings.TrimSpace(string(out)))
}

// cleanEnviron is this process's environment without anything the bot
// reads, to which env is added.
func cleanEnviron(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SLACK_") || strings.HasPrefix(k, "OKTA_") || strings.HasPrefix(k, "OKTABOT_") || k == "LOG_LEVEL" {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func (b processBot) start(env map[string]string, logs io.Writer) (benchRunning, error) {
	cmd := exec.Command(b.path)
	cmd.Env = cleanEnviron(env)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return &process{cmd: cmd, done: done}, nil
}

func (b processBot) export(env map[string]string) ([]byte, error) {
	cmd := exec.Command(b.path, "audit", "export", "-format", "jsonl")
	cmd.Env = cleanEnviron(env)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("audit export: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

type process struct {
	cmd  *exec.Cmd
	done chan error
}

func (p *process) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		return err
	case <-time.After(40 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("the bot did not stop within 40 s of SIGTERM; killed")
	}
}

// memory reads VmRSS and VmHWM from /proc (Linux).
func (p *process) memory() (now, peak int64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, false
	}
	var got int
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			now, got = n<<10, got+1
		case "VmHWM":
			peak, got = n<<10, got+1
		}
	}
	return now, peak, got == 2
}

// resetPeak writes 5 to /proc/PID/clear_refs, which starts VmHWM over.
func (p *process) resetPeak() bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0) == nil
}

// benchResult is what one bot measured; zero values were not measured.
type benchResult struct {
	bot       string
	bursts    []burstResult
	sustained float64 // commands a second
	// sustainedBusy: commands told the bot is busy meanwhile
	sustainedBusy int
	disable       map[bool]timedRun
	audit         map[int]float64 // bytes per target, by targets
	listTook      time.Duration
	listPeak      int64 // bytes above the memory in use before
	listRows      int
	errs          []string // measurements that failed
	notes         []string // measurements this bot cannot make
}

type timedRun struct {
	took    time.Duration
	floor   time.Duration // floorOf
	refused int           // calls Okta refused (429)
	done    int           // targets suspended
}

// runBench measures each bot in turn, in a world of its own, and prints.
func runBench(ctx context.Context, bots []benchBot, sizes benchSizes, concurrency int, stdout, stderr io.Writer) error {
	dir, err := os.MkdirTemp("", "oktabot-bench-")
	if err != nil {
		return err
	}
	var results []benchResult
	for i, b := range bots {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(stderr, "bench: bot %d of %d: %s\n", i+1, len(bots), b.name())
		r := benchOne(ctx, b, sizes, concurrency, filepath.Join(dir, fmt.Sprintf("bot%d", i+1)), stderr)
		results = append(results, r)
	}
	fmt.Fprintln(stderr, "bench: one call after another, for comparison")
	seq, seqErr := benchSequential(ctx, sizes)
	failed := seqErr != nil
	for _, r := range results {
		failed = failed || len(r.errs) > 0
	}
	printBench(stdout, results, seq, seqErr, sizes, concurrency)
	if failed {
		return errReported{fmt.Sprintf("bench: some measurements failed; the bots' logs are in %s", dir)}
	}
	os.RemoveAll(dir)
	return nil
}

// benchWorld is the stand-ins and the policy one bot runs against.
type benchWorld struct {
	bot    benchRunning
	slack  *slackfake.Server
	okta   *oktatest.Server
	env    map[string]string
	people []string // one get-user each in a burst
	users  int      // Okta users added so far, for unique logins
}

const (
	benchChannel   = "C0BENCH"
	benchAdmin     = "U0BENCHADM" // may act on Okta admins: no admin check
	benchResponder = "U0BENCHRSP" // may not: the admin check
)

func newBenchWorld(dir string, people, concurrency int) (*benchWorld, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	w := &benchWorld{slack: slackfake.Start()} // granting manifest.yml's bot scopes, its default
	var err error
	if w.okta, err = oktatest.Start(); err != nil {
		w.slack.Close()
		return nil, err
	}
	svc := w.okta.AddUser(oktatest.User{Login: "oktabot.svc@corp.com", FirstName: "Okta", LastName: "Bot"})
	w.okta.SetMe(svc.ID)
	w.okta.AddUser(oktatest.User{Login: "alice@corp.com", FirstName: "Alice", LastName: "Liddell"})
	members := []string{benchAdmin, benchResponder}
	w.slack.AddUser(slackfake.User{ID: benchAdmin, Name: "adm", RealName: "Ada Admin", Email: "ada@corp.com"})
	w.slack.AddUser(slackfake.User{ID: benchResponder, Name: "rsp", RealName: "Rae Responder", Email: "rae@corp.com"})
	w.okta.AddUser(oktatest.User{Login: "ada@corp.com", FirstName: "Ada", LastName: "Admin"})
	w.okta.AddUser(oktatest.User{Login: "rae@corp.com", FirstName: "Rae", LastName: "Responder"})
	for i := range people {
		id := fmt.Sprintf("U0BURST%04d", i)
		w.people = append(w.people, id)
		w.slack.AddUser(slackfake.User{ID: id, Name: fmt.Sprintf("burst%d", i), RealName: fmt.Sprintf("Burst %d", i), Email: fmt.Sprintf("burst%d@corp.com", i)})
	}
	members = append(members, w.people...)
	w.slack.AddChannel(benchChannel, "incident", members...)
	policy := fmt.Sprintf(`roles:
  oncall:
    members: [%s]
    actions: [get-user]
  admins:
    members: [%s]
    actions: [disable-user, list-users]
    admin_targets: true
  responders:
    members: [%s]
    actions: [disable-user, list-users]
`, strings.Join(w.people, ", "), benchAdmin, benchResponder)
	pf := filepath.Join(dir, "policy.yml")
	if err := os.WriteFile(pf, []byte(policy), 0o600); err != nil {
		w.close()
		return nil, err
	}
	w.env = map[string]string{
		"SLACK_APP_TOKEN":          w.slack.AppToken(),
		"SLACK_BOT_TOKEN":          w.slack.BotToken(),
		"SLACK_API_URL":            w.slack.APIURL(),
		"OKTA_CLIENT_ORGURL":       w.okta.URL,
		"OKTA_CLIENT_TOKEN":        w.okta.Token,
		"OKTABOT_POLICY_FILE":      pf,
		"OKTABOT_DATABASE_URL":     filepath.Join(dir, "oktabot.db"),
		"OKTABOT_HTTP_ADDR":        "",
		"OKTABOT_PER_USER_LIMIT":   "0",
		"OKTABOT_OKTA_CONCURRENCY": strconv.Itoa(concurrency),
		"LOG_LEVEL":                "info",
	}
	return w, nil
}

func (w *benchWorld) close() {
	w.slack.Close()
	w.okta.Close()
}

// addUsers adds n active Okta users with fresh logins and returns them.
func (w *benchWorld) addUsers(n int, prefix string) []string {
	logins := make([]string, n)
	for i := range logins {
		w.users++
		logins[i] = fmt.Sprintf("%s%05d@corp.com", prefix, w.users)
		w.okta.AddUser(oktatest.User{Login: logins[i], FirstName: "Bench", LastName: strconv.Itoa(w.users)})
	}
	return logins
}

func benchOne(ctx context.Context, b benchBot, sizes benchSizes, concurrency int, dir string, progress io.Writer) (r benchResult) {
	r.bot = b.name()
	fail := func(what string, err error) { r.errs = append(r.errs, fmt.Sprintf("%s: %v", what, err)) }

	// Okta's default limits, lifted where they, not the bot, would be
	// measured.
	w, stop, err := startBench(b, filepath.Join(dir, "main"), max(sizes.burst, sizes.senders), concurrency, nil)
	if err != nil {
		fail("starting the bot", err)
		return r
	}
	benchMain(b, w, sizes, &r, progress, fail)
	if err := stop(); err != nil {
		fail("stopping the bot", err)
	}

	// A tight limit from the start, as an org would have it all along.
	w, stop, err = startBench(b, filepath.Join(dir, "limited"), 1, concurrency, func(o *oktatest.Server) {
		o.RateLimit(sizes.perSecond, time.Second)
	})
	if err != nil {
		fail("starting the bot", err)
		return r
	}
	r.disable = map[bool]timedRun{}
	for _, check := range []bool{true, false} {
		fmt.Fprintf(progress, "bench:   disable-user on %d, admin check %v\n", sizes.targets, check)
		who := benchAdmin
		if check {
			who = benchResponder
		}
		logins := w.addUsers(sizes.targets, "d")
		time.Sleep(time.Second) // a window of its own
		w.okta.SetLatency(sizes.disableLatency)
		before := w.okta.CallCount()
		took, err := command(w.slack, who, "disable-user "+strings.Join(logins, " "), 10*time.Minute)
		w.okta.SetLatency(0)
		if err != nil {
			fail("disable-user", err)
			continue
		}
		run := timedRun{took: took}
		run.floor, run.refused = floorOf(w.okta.Calls()[before:], sizes.perSecond, sizes.disableLatency)
		for _, l := range logins {
			if u, ok := w.okta.User(l); ok && u.Status == "SUSPENDED" {
				run.done++
			}
		}
		if run.done != len(logins) {
			fail("disable-user", fmt.Errorf("%d of %d targets suspended", run.done, len(logins)))
		}
		r.disable[check] = run
	}
	if err := stop(); err != nil {
		fail("stopping the bot", err)
	}
	return r
}

// startBench starts a world of stand-ins (set up further by okta, when
// given) and the bot in it, with its logs in dir/bot.log; stop stops the
// bot and the stand-ins.
func startBench(b benchBot, dir string, people, concurrency int, okta func(*oktatest.Server)) (*benchWorld, func() error, error) {
	w, err := newBenchWorld(dir, people, concurrency)
	if err != nil {
		return nil, nil, err
	}
	if okta != nil {
		okta(w.okta)
	}
	logs, err := os.Create(filepath.Join(dir, "bot.log"))
	if err != nil {
		w.close()
		return nil, nil, err
	}
	bot, err := b.start(w.env, logs)
	if err != nil {
		logs.Close()
		w.close()
		return nil, nil, err
	}
	w.bot = bot
	stop := func() error {
		err := bot.stop()
		logs.Close()
		w.close()
		return err
	}
	if err := w.slack.WaitConnections(1, 60*time.Second); err != nil {
		stop()
		return nil, nil, err
	}
	return w, stop, nil
}

// benchMain is the bursts, sustained commands, the audit and the listing.
func benchMain(b benchBot, w *benchWorld, sizes benchSizes, r *benchResult, progress io.Writer, fail func(string, error)) {
	for _, lat := range sizes.burstLatency {
		fmt.Fprintf(progress, "bench:   burst of %d, Okta at %v\n", sizes.burst, lat)
		w.okta.SetLatency(lat)
		before := w.okta.CallCount()
		br := runBurst(w.slack, w.people[:sizes.burst], benchChannel, "get-user alice@corp.com", 10*time.Minute)
		br.latency = lat
		if br.failed > 0 {
			fail(fmt.Sprintf("burst at %v", lat), fmt.Errorf("%d commands got no answer", br.failed))
		}
		if br.answered > 0 {
			br.perCall = float64(w.okta.CallCount()-before) / float64(br.answered)
		}
		r.bursts = append(r.bursts, br)
	}
	w.okta.SetLatency(0)

	fmt.Fprintf(progress, "bench:   sustained for %v\n", sizes.sustained)
	// Okta's per-minute limits would be the bottleneck here, not the bot.
	w.okta.RateLimit(math.MaxInt32, time.Minute)
	n, busy, took, err := runSustained(w.slack, w.people[:sizes.senders], benchChannel, "get-user alice@corp.com", sizes.sustained)
	if err != nil {
		fail("sustained", err)
	}
	r.sustained, r.sustainedBusy = float64(n)/took.Seconds(), busy

	r.audit = map[int]float64{}
	last, err := b.export(w.env)
	if err != nil {
		// A bot from before `oktabot audit export` cannot be asked.
		r.notes = append(r.notes, fmt.Sprintf("audit bytes not measured: %v", err))
	}
	for _, n := range sizes.auditTargets {
		if err != nil {
			break
		}
		fmt.Fprintf(progress, "bench:   audit of disable-user on %d\n", n)
		logins := w.addUsers(n, "a")
		if _, err = command(w.slack, benchAdmin, "disable-user "+strings.Join(logins, " "), 10*time.Minute); err != nil {
			fail("audit", err)
			break
		}
		var now []byte
		if now, err = b.export(w.env); err != nil {
			fail("audit", err)
			break
		}
		r.audit[n] = float64(len(now)-len(last)) / float64(n)
		last = now
	}

	fmt.Fprintf(progress, "bench:   list-users of %d\n", sizes.listing)
	w.addUsers(sizes.listing, "l")
	w.bot.resetPeak()
	inUse, _, memOK := w.bot.memory()
	files := len(w.slack.Files())
	took, err = command(w.slack, benchAdmin, fmt.Sprintf("list-users --limit %d", sizes.listing), 10*time.Minute)
	if err != nil {
		fail("list-users", err)
		return
	}
	r.listTook = took
	if _, peak, ok := w.bot.memory(); ok && memOK {
		r.listPeak = max(peak-inUse, 0)
	}
	if fl := w.slack.Files(); len(fl) > files {
		r.listRows = bytes.Count(fl[len(fl)-1].Content, []byte("\n")) - 1
	}
	if r.listRows != sizes.listing {
		fail("list-users", fmt.Errorf("its CSV has %d users, want %d", r.listRows, sizes.listing))
	}
}

// floorOf is how long a many-target run takes at least when Okta allows
// perSecond calls a second to each endpoint, in windows of a second: the
// busiest endpoint's calls need as many windows as the calls the bot lets
// itself make in one (all but okta.Reserve) fill, and the last target's
// calls, one after another, take a round trip each after the last window
// opens. It leaves out Slack and the bot's own work, and the calls Okta
// refused (429), which it also counts.
func floorOf(calls []oktatest.Call, perSecond int, latency time.Duration) (floor time.Duration, refused int) {
	by := map[string]int{}
	busiest, needed := 0, 0
	for _, c := range calls {
		if c.Status == http.StatusTooManyRequests {
			refused++
			continue
		}
		needed++
		by[c.Operation]++
		busiest = max(busiest, by[c.Operation])
	}
	if busiest == 0 {
		return 0, refused
	}
	windows := ceilDiv(busiest, perSecond-okta.Reserve(perSecond))
	steps := int(math.Round(float64(needed) / float64(busiest)))
	return time.Duration(windows-1)*time.Second + time.Duration(steps)*latency, refused
}

// burstResult is a burst of one command from each of many people.
type burstResult struct {
	latency                time.Duration
	answered, busy, failed int
	p50, p99, slowest      time.Duration
	perCall                float64 // Okta calls per answer
	// left: answers that left the factor types unread, Okta being busy
	left int
}

// leftUnread is what a get-user answer says when it left the factor
// types unread because Okta was busy.
const leftUnread = "left unread: "

// runBurst has each person send text at once and waits for every answer
// (after a "queued" notice, if one comes first): how many were answered,
// told busy, or not answered within timeout, and the times from each
// command to its answer.
func runBurst(sf *slackfake.Server, people []string, channel, text string, timeout time.Duration) burstResult {
	var r burstResult
	var mu sync.Mutex
	var took []time.Duration
	var wg sync.WaitGroup
	for _, u := range people {
		sent := time.Now()
		in := sf.SlashCommand(u, channel, "/okta", text)
		wg.Add(1)
		go func() {
			defer wg.Done()
			text, busy, err := awaitAnswer(in, timeout)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				r.failed++
			case busy:
				r.busy++
			default:
				r.answered++
				took = append(took, time.Since(sent))
				if strings.Contains(text, leftUnread) {
					r.left++
				}
			}
		}()
	}
	wg.Wait()
	slices.Sort(took)
	at := func(q float64) time.Duration {
		if len(took) == 0 {
			return 0
		}
		return took[min(len(took)-1, int(q*float64(len(took))))]
	}
	r.p50, r.p99, r.slowest = at(0.5), at(0.99), at(1)
	return r
}

// awaitAnswer waits for in's ack and then its answer, the first reply
// that is not a "queued" notice, and returns the answer's text. busy is
// true when the ack said the bot is busy (no answer follows).
func awaitAnswer(in *slackfake.Interaction, timeout time.Duration) (text string, busy bool, err error) {
	ack, err := in.WaitAck(timeout)
	if err != nil {
		return "", false, err
	}
	if bytes.Contains(ack.Payload, []byte("busy")) {
		return "", true, nil
	}
	for k := 1; ; k++ {
		msgs, err := in.WaitReplies(k, timeout)
		if err != nil {
			return "", false, err
		}
		if text := msgs[k-1].AllText(); !strings.Contains(text, "queued") {
			return text, false, nil
		}
	}
}

// command sends one command and times it to its answer.
func command(sf *slackfake.Server, user, text string, timeout time.Duration) (time.Duration, error) {
	sent := time.Now()
	_, busy, err := awaitAnswer(sf.SlashCommand(user, benchChannel, "/okta", text), timeout)
	if busy {
		err = errors.New("told the bot is busy")
	}
	return time.Since(sent), err
}

// runSustained has each person send text, wait for its answer and send
// it again, for d: how many were answered and told busy, and in how long.
func runSustained(sf *slackfake.Server, people []string, channel, text string, d time.Duration) (answered, busy int, took time.Duration, err error) {
	start := time.Now()
	deadline := start.Add(d)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, u := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				_, b, e := awaitAnswer(sf.SlashCommand(u, channel, "/okta", text), time.Minute)
				mu.Lock()
				switch {
				case e != nil && err == nil:
					err = e
				case b:
					busy++
				case e == nil:
					answered++
				}
				mu.Unlock()
				if e != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return answered, busy, time.Since(start), err
}

// sequentialRun is the seed's way: one Okta call after another.
type sequentialRun struct{ took time.Duration }

// benchSequential finds and suspends sizes.targets users one after the
// other, with Okta as in the timed disable-user.
func benchSequential(ctx context.Context, sizes benchSizes) (sequentialRun, error) {
	srv, err := oktatest.Start(oktatest.WithLatency(sizes.disableLatency))
	if err != nil {
		return sequentialRun{}, err
	}
	defer srv.Close()
	svc := srv.AddUser(oktatest.User{Login: "oktabot.svc@corp.com"})
	srv.SetMe(svc.ID)
	logins := make([]string, sizes.targets)
	for i := range logins {
		logins[i] = srv.AddUser(oktatest.User{Login: fmt.Sprintf("s%05d@corp.com", i)}).Login
	}
	srv.RateLimit(sizes.perSecond, time.Second)
	c, err := okta.New(ctx, okta.Config{OrgURL: srv.URL, Token: actions.NewSecret(srv.Token), CallTimeout: time.Minute})
	if err != nil {
		return sequentialRun{}, err
	}
	start := time.Now()
	for _, l := range logins {
		u, err := c.FindUser(ctx, l)
		if err != nil {
			return sequentialRun{}, err
		}
		if err := c.SuspendUser(ctx, u.ID); err != nil {
			return sequentialRun{}, err
		}
	}
	return sequentialRun{took: time.Since(start)}, nil
}

// printBench writes the table: one column per bot, then the last bot's
// standing against issue 14's targets.
func printBench(out io.Writer, results []benchResult, seq sequentialRun, seqErr error, sizes benchSizes, concurrency int) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	fmt.Fprintf(w, "oktabot bench: %s/%s, %d CPUs, %s; Okta concurrency %d\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(),
		time.Now().UTC().Format("2006-01-02"), concurrency)
	for i, r := range results {
		fmt.Fprintf(w, "(%d) %s\n", i+1, r.bot)
	}
	fmt.Fprintln(w)
	head := "| measured |"
	rule := "|---|"
	for i := range results {
		head += fmt.Sprintf(" (%d) |", i+1)
		rule += "---|"
	}
	fmt.Fprintln(w, head+" target |")
	fmt.Fprintln(w, rule+"---|")
	row := func(what, target string, cell func(benchResult) string) {
		line := "| " + what + " |"
		for _, r := range results {
			line += " " + cell(r) + " |"
		}
		fmt.Fprintln(w, line+" "+target+" |")
	}
	for k, lat := range sizes.burstLatency {
		target := "0 busy, p99 < 1 s"
		if k > 0 {
			target = fmt.Sprintf("0 busy, all within %s (2 s × ⌈%d/%d⌉ + 1 s)", secs(burstBound(sizes.burst, concurrency, lat)), sizes.burst, concurrency)
			if lat != 2*time.Second {
				target = fmt.Sprintf("0 busy, all within %s", secs(burstBound(sizes.burst, concurrency, lat)))
			}
		}
		row(fmt.Sprintf("%d `get-user` from %d people at once, Okta answering in %s: answered / busy", sizes.burst, sizes.burst, dur(lat)), target, func(r benchResult) string {
			if k >= len(r.bursts) {
				return "–"
			}
			b := r.bursts[k]
			return fmt.Sprintf("%d / %d", b.answered, b.busy)
		})
		row("… reply p50 / p99 / slowest", "", func(r benchResult) string {
			if k >= len(r.bursts) || r.bursts[k].answered == 0 {
				return "–"
			}
			b := r.bursts[k]
			return fmt.Sprintf("%s / %s / %s", secs(b.p50), secs(b.p99), secs(b.slowest))
		})
		row("… Okta calls per answer / answers without factor types (Okta busy)", "", func(r benchResult) string {
			if k >= len(r.bursts) || r.bursts[k].answered == 0 {
				return "–"
			}
			b := r.bursts[k]
			return fmt.Sprintf("%.2f / %d", b.perCall, b.left)
		})
	}
	row(fmt.Sprintf("sustained `get-user`, %d people one after another for %s, SQLite on disk", sizes.senders, dur(sizes.sustained)),
		"≥ 2× before", func(r benchResult) string {
			if r.sustainedBusy > 0 {
				return fmt.Sprintf("%.0f commands/s (and %d told busy)", r.sustained, r.sustainedBusy)
			}
			return fmt.Sprintf("%.0f commands/s", r.sustained)
		})
	for _, check := range []bool{true, false} {
		what := fmt.Sprintf("`disable-user` on %d, Okta at %d calls/s per endpoint and %s a call, with the admin check", sizes.targets, sizes.perSecond, dur(sizes.disableLatency))
		target := "≤ 1.3× the floor"
		if !check {
			what, target = "… without the admin check (`admin_targets: true`)", ""
		}
		row(what, target, func(r benchResult) string {
			d, ok := r.disable[check]
			if !ok {
				return "–"
			}
			return fmt.Sprintf("%s (%.2f× its floor, %s; %d 429s)", secs(d.took), d.took.Seconds()/d.floor.Seconds(), secs(d.floor), d.refused)
		})
	}
	seqText := "–"
	if seqErr == nil {
		seqText = secs(seq.took)
	}
	row("… one call after another (the seed's loop; the same for every bot)", "", func(benchResult) string { return seqText })
	var sizesText []string
	for _, n := range sizes.auditTargets {
		sizesText = append(sizesText, strconv.Itoa(n))
	}
	row(fmt.Sprintf("audit bytes per target, `disable-user` on %s", strings.Join(sizesText, " / ")), "constant", func(r benchResult) string {
		var parts []string
		for _, n := range sizes.auditTargets {
			if v, ok := r.audit[n]; ok {
				parts = append(parts, fmt.Sprintf("%.0f", v))
			} else {
				parts = append(parts, "–")
			}
		}
		return strings.Join(parts, " / ")
	})
	row(fmt.Sprintf("`list-users` of %d with its CSV: time / peak memory", sizes.listing), "≤ +15 MB", func(r benchResult) string {
		if r.listTook == 0 {
			return "–"
		}
		mem := "n/a"
		if r.listPeak > 0 {
			mem = fmt.Sprintf("+%.1f MB", float64(r.listPeak)/(1<<20))
		}
		return fmt.Sprintf("%s / %s", secs(r.listTook), mem)
	})

	last := results[len(results)-1]
	fmt.Fprintf(w, "\nTargets, for (%d):\n", len(results))
	verdict := func(ok bool, text string) {
		mark := "FAIL"
		if ok {
			mark = "pass"
		}
		fmt.Fprintf(w, "- %s: %s\n", mark, text)
	}
	for _, b := range last.bursts {
		if b.latency == sizes.burstLatency[0] {
			verdict(b.busy == 0 && b.failed == 0 && b.p99 < time.Second, fmt.Sprintf("Okta at %s: %d busy, reply p99 %s (0 busy, p99 < 1 s); %d of %d answered without factor types, Okta being busy",
				dur(b.latency), b.busy, secs(b.p99), b.left, b.answered))
			continue
		}
		bound := burstBound(sizes.burst, concurrency, b.latency)
		verdict(b.busy == 0 && b.failed == 0 && b.slowest <= bound, fmt.Sprintf("Okta at %s: %d busy, slowest reply %s (0 busy, within %s); %d of %d answered without factor types, Okta being busy",
			dur(b.latency), b.busy, secs(b.slowest), secs(bound), b.left, b.answered))
	}
	if len(results) > 1 {
		first := results[0]
		verdict(last.sustained >= 2*first.sustained, fmt.Sprintf("sustained %.0f commands/s, %.1f× (1)'s %.0f (≥ 2×)", last.sustained, last.sustained/first.sustained, first.sustained))
	} else {
		fmt.Fprintf(w, "- ?: sustained %.0f commands/s (≥ 2× before: give the earlier binary as a first -bot)\n", last.sustained)
	}
	if d, ok := last.disable[true]; ok {
		verdict(d.took <= d.floor*13/10, fmt.Sprintf("`disable-user` on %d with the admin check: %s, %.2f× its floor of %s (≤ 1.3×)", sizes.targets, secs(d.took), d.took.Seconds()/d.floor.Seconds(), secs(d.floor)))
	}
	if len(last.audit) > 1 {
		lo, hi := math.Inf(1), 0.0
		for _, v := range last.audit {
			lo, hi = min(lo, v), max(hi, v)
		}
		verdict(hi <= lo*1.1, fmt.Sprintf("audit bytes per target from %.0f to %.0f (constant: within 10%%)", lo, hi))
	}
	if last.listPeak > 0 {
		verdict(last.listPeak <= 15<<20, fmt.Sprintf("`list-users` of %d: peak +%.1f MB (≤ +15 MB)", sizes.listing, float64(last.listPeak)/(1<<20)))
	}
	for i, r := range results {
		for _, e := range r.errs {
			fmt.Fprintf(w, "- error, (%d): %s\n", i+1, e)
		}
		for _, e := range r.notes {
			fmt.Fprintf(w, "- note, (%d): %s\n", i+1, e)
		}
	}
	if seqErr != nil {
		fmt.Fprintf(w, "- error, one call after another: %v\n", seqErr)
	}
}

// burstBound is issue 14's bound on a burst's slowest reply: one Okta
// answer time for each round of concurrency commands, and a second.
func burstBound(n, concurrency int, latency time.Duration) time.Duration {
	return latency*time.Duration(ceilDiv(n, concurrency)) + time.Second
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func dur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}
