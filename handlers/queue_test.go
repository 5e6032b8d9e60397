package handlers

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// gatedQueue is a one-worker queue whose first job holds the worker until
// release is closed; ran lists the jobs run since, in order.
type gatedQueue struct {
	q       *workQueue
	release chan struct{}
	mu      sync.Mutex
	ran     []string
	done    sync.WaitGroup
}

func newGatedQueue(t *testing.T, workers, limit int) *gatedQueue {
	g := &gatedQueue{q: newWorkQueue(workers, limit, time.Now), release: make(chan struct{})}
	for i := range workers {
		g.done.Add(1)
		if !g.q.submit(&job{user: fmt.Sprintf("holder%d", i), run: func() { defer g.done.Done(); <-g.release }}) {
			t.Fatal("a free worker refused a job")
		}
	}
	return g
}

func (g *gatedQueue) job(user, name string) *job {
	g.done.Add(1)
	return &job{user: user, received: time.Now(), run: func() {
		defer g.done.Done()
		g.mu.Lock()
		g.ran = append(g.ran, name)
		g.mu.Unlock()
	}}
}

func (g *gatedQueue) finish(t *testing.T) []string {
	close(g.release)
	done := make(chan struct{})
	go func() { g.done.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the queued jobs did not all run")
	}
	// A worker is freed just after its last job returns.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		if running, _ := g.q.load(); running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the workers were not freed once nothing waited")
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ran
}

// One person's hundred waiting commands do not delay another person's one
// by more than one turn: the queue is served round robin by person.
func TestQueueIsFairBetweenPeople(t *testing.T) {
	g := newGatedQueue(t, 1, 1000)
	var alices []*job
	for i := range 100 {
		j := g.job("alice", fmt.Sprintf("alice%d", i))
		alices = append(alices, j)
		if !g.q.submit(j) {
			t.Fatal("the queue refused a job with room")
		}
	}
	bob := g.job("bob", "bob")
	g.q.submit(bob)
	if p := g.q.position(bob); p != 2 {
		t.Errorf("bob's place = %d, want 2 (after alice's first)", p)
	}
	if p := g.q.position(alices[50]); p != 52 {
		t.Errorf("alice's 51st command's place = %d, want 52", p)
	}
	ran := g.finish(t)
	if len(ran) != 101 {
		t.Fatalf("%d jobs ran, want 101", len(ran))
	}
	if ran[0] != "alice0" || ran[1] != "bob" {
		t.Errorf("order = %v…, want alice0 then bob", ran[:3])
	}
	// Alice's own run in the order she sent them.
	k := 0
	for _, r := range ran {
		if r == "bob" {
			continue
		}
		if want := fmt.Sprintf("alice%d", k); r != want {
			t.Fatalf("alice's commands ran out of order: %v", ran)
		}
		k++
	}
}

// Only a full queue refuses work; what it holds all runs, on at most
// workers at once.
func TestQueueIsBoundedAndRunsEverythingItTook(t *testing.T) {
	g := newGatedQueue(t, 2, 5)
	for i := range 5 {
		if !g.q.submit(g.job(fmt.Sprint("u", i), fmt.Sprint(i))) {
			t.Fatalf("job %d refused with room in the queue", i)
		}
	}
	if g.q.submit(&job{user: "late", run: func() { t.Error("a refused job ran") }}) {
		t.Error("a full queue took a job")
	}
	if running, queued := g.q.load(); running != 2 || queued != 5 {
		t.Errorf("load = %d running, %d queued; want 2 and 5", running, queued)
	}
	if ran := g.finish(t); len(ran) != 5 {
		t.Errorf("ran %v, want all 5 queued", ran)
	}
	if running, queued := g.q.load(); running != 0 || queued != 0 {
		t.Errorf("after: %d running, %d queued", running, queued)
	}
}

// A job that waits past its deadline is expired, not run, even while every
// worker stays busy; the others keep their places.
func TestQueueExpiresWorkThatWaitedTooLong(t *testing.T) {
	g := newGatedQueue(t, 1, 10)
	expired := make(chan time.Duration, 1)
	late := &job{user: "alice", received: time.Now(), deadline: time.Now().Add(50 * time.Millisecond),
		run:    func() { t.Error("expired work ran") },
		expire: func(waited time.Duration) { expired <- waited }}
	g.q.submit(late)
	bob := g.job("bob", "bob")
	g.q.submit(bob)
	select {
	case w := <-expired:
		if w < 50*time.Millisecond {
			t.Errorf("expired after %v, before its deadline", w)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job was not expired while the worker stayed busy")
	}
	if p := g.q.position(late); p != 0 {
		t.Errorf("an expired job still has place %d", p)
	}
	if p := g.q.position(bob); p != 1 {
		t.Errorf("bob's place = %d after the job before him expired, want 1", p)
	}
	if ran := g.finish(t); len(ran) != 1 || ran[0] != "bob" {
		t.Errorf("ran %v, want bob only", ran)
	}
}

// oldestWait is how long the job waiting longest for a worker has waited,
// whoever's it is; nothing waiting, it is 0.
func TestQueueOldestWait(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	release := make(chan struct{})
	q := newWorkQueue(1, 10, func() time.Time { return now })
	if w := q.oldestWait(); w != 0 {
		t.Fatalf("an idle queue's oldest wait: %v", w)
	}
	var wg sync.WaitGroup
	wg.Add(3)
	q.submit(&job{user: "holder", received: now, run: func() { defer wg.Done(); <-release }})
	q.submit(&job{user: "alice", received: now.Add(-3 * time.Second), run: wg.Done})
	q.submit(&job{user: "bob", received: now.Add(-5 * time.Second), run: wg.Done})
	if w := q.oldestWait(); w != 5*time.Second {
		t.Errorf("oldest wait %v, want bob's 5s", w)
	}
	close(release)
	wg.Wait()
	for deadline := time.Now().Add(10 * time.Second); q.oldestWait() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("jobs still wait")
		}
	}
}
