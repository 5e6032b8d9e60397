package handlers

import (
	"sync"
	"time"
)

// DefaultQueueLength is how many requests may wait for a worker
// (Config.QueueLength) before more are answered "busy".
const DefaultQueueLength = 1000

// DefaultWorkers is how many requests run at once by default
// (Config.Workers): Okta's default concurrent-request limit for an org,
// okta.DefaultMaxInFlight.
const DefaultWorkers = 75

// workQueue runs work on at most workers goroutines at once and holds up
// to limit more waiting for one, served round robin by person: one
// person's hundred waiting commands do not delay another person's one by
// more than one turn. A job that has waited past its deadline is not run
// but expired (told so), on the worker or by its own timer, whichever is
// first.
type workQueue struct {
	workers int
	limit   int
	now     func() time.Time

	mu      sync.Mutex
	running int               // workers busy
	queued  int               // jobs waiting
	turn    []string          // people with waiting jobs, in the order they are served
	waiting map[string][]*job // by person, oldest first
}

// job is one request's work in a workQueue.
type job struct {
	user     string
	received time.Time
	// deadline, when not zero, is when the job must have started;
	// past it, expire is called instead of run.
	deadline time.Time
	run      func()
	expire   func(waited time.Duration)

	state  jobState // guarded by the queue's mu
	expiry *time.Timer
}

type jobState int

const (
	jobWaiting jobState = iota
	jobStarted
	jobExpired
)

func newWorkQueue(workers, limit int, now func() time.Time) *workQueue {
	return &workQueue{workers: workers, limit: limit, now: now, waiting: map[string][]*job{}}
}

// submit starts j on a free worker, or queues it; it reports false, and
// does nothing with j, when the queue is full.
func (q *workQueue) submit(j *job) bool {
	q.mu.Lock()
	if q.running < q.workers {
		q.running++
		j.state = jobStarted
		q.mu.Unlock()
		go q.work(j)
		return true
	}
	if q.queued >= q.limit {
		q.mu.Unlock()
		return false
	}
	if len(q.waiting[j.user]) == 0 {
		q.turn = append(q.turn, j.user)
	}
	q.waiting[j.user] = append(q.waiting[j.user], j)
	q.queued++
	if !j.deadline.IsZero() && j.expire != nil {
		j.expiry = time.AfterFunc(j.deadline.Sub(q.now()), func() {
			if q.withdraw(j) {
				j.expire(q.now().Sub(j.received))
			}
		})
	}
	q.mu.Unlock()
	return true
}

// work runs j, then whatever is next in turn, until nothing waits.
func (q *workQueue) work(j *job) {
	for j != nil {
		if !j.deadline.IsZero() && q.now().After(j.deadline) && j.expire != nil {
			j.expire(q.now().Sub(j.received))
		} else {
			j.run()
		}
		j = q.next()
	}
}

// next takes the first waiting job of the person whose turn it is, or
// frees the worker when nothing waits.
func (q *workQueue) next() *job {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.queued == 0 {
		q.running--
		return nil
	}
	user := q.turn[0]
	q.turn = q.turn[1:]
	jobs := q.waiting[user]
	j := jobs[0]
	if len(jobs) == 1 {
		delete(q.waiting, user)
	} else {
		q.waiting[user] = jobs[1:]
		q.turn = append(q.turn, user)
	}
	q.queued--
	j.state = jobStarted
	if j.expiry != nil {
		j.expiry.Stop()
	}
	return j
}

// withdraw takes j out of the queue if it is still waiting, and reports
// whether it was.
func (q *workQueue) withdraw(j *job) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if j.state != jobWaiting {
		return false
	}
	j.state = jobExpired
	jobs := q.waiting[j.user]
	for i, w := range jobs {
		if w == j {
			jobs = append(jobs[:i:i], jobs[i+1:]...)
			break
		}
	}
	q.queued--
	if len(jobs) > 0 {
		q.waiting[j.user] = jobs
		return true
	}
	delete(q.waiting, j.user)
	for i, u := range q.turn {
		if u == j.user {
			q.turn = append(q.turn[:i:i], q.turn[i+1:]...)
			break
		}
	}
	return true
}

// position is how many jobs will start before j, plus one (1: j is next),
// as the round robin stands now; 0 when j no longer waits.
func (q *workQueue) position(j *job) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if j.state != jobWaiting {
		return 0
	}
	mine := q.waiting[j.user]
	k := 0
	for k < len(mine) && mine[k] != j {
		k++
	}
	ahead, before := k, true
	for _, u := range q.turn {
		if u == j.user {
			before = false
			continue
		}
		// Each turn of the round robin serves one job of each person:
		// before j's k+1-th turn, everyone earlier in the ring gets k+1
		// and everyone after it k.
		n := k
		if before {
			n++
		}
		ahead += min(n, len(q.waiting[u]))
	}
	return ahead + 1
}

// oldestWait is how long the job waiting longest for a worker has waited
// (0: none waits).
func (q *workQueue) oldestWait() time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	var oldest time.Time
	for _, jobs := range q.waiting {
		if r := jobs[0].received; oldest.IsZero() || r.Before(oldest) {
			oldest = r
		}
	}
	if oldest.IsZero() {
		return 0
	}
	return q.now().Sub(oldest)
}

// load is how many jobs run and wait.
func (q *workQueue) load() (running, queued int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.running, q.queued
}
