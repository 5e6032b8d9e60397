package oktatest

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Cursors are opaque to clients: base64url of "<collection>|<position>",
// where position is the sequence number of the last item returned (so a
// page boundary survives insertions and deletions), or "o<offset>" when
// the items are sorted by something else. A cursor from another
// collection, or garbage, is Okta's 400 E0000029.

func encodeCursor(collection string, pos string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(collection + "|" + pos))
}

func decodeCursor(collection, cursor string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", false
	}
	c, pos, ok := strings.Cut(string(b), "|")
	if !ok || c != collection || pos == "" {
		return "", false
	}
	return pos, true
}

// paginate returns the page of items (ordered by seq ascending unless
// sorted) after the cursor, and the cursor of the next page ("" on the
// last page).
func paginate[T any](items []T, seq func(T) int64, sorted bool, collection, after string, limit int) ([]T, string, *apiError) {
	start := 0
	if after != "" {
		pos, ok := decodeCursor(collection, after)
		if !ok {
			return nil, "", errBadPaging()
		}
		if off, isOff := strings.CutPrefix(pos, "o"); isOff {
			n, err := strconv.Atoi(off)
			if err != nil || n < 0 || !sorted {
				return nil, "", errBadPaging()
			}
			start = min(n, len(items))
		} else {
			last, err := strconv.ParseInt(pos, 10, 64)
			if err != nil || sorted {
				return nil, "", errBadPaging()
			}
			start = len(items)
			for i, it := range items {
				if seq(it) > last {
					start = i
					break
				}
			}
		}
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	if end >= len(items) {
		return page, "", nil
	}
	if sorted {
		return page, encodeCursor(collection, "o"+strconv.Itoa(end)), nil
	}
	return page, encodeCursor(collection, strconv.FormatInt(seq(items[end-1]), 10)), nil
}

// addLinks adds Okta's Link headers: rel="self" for this request and,
// when there is more, rel="next" with the after cursor — one header line
// per link (a client that splits one line on commas would loop forever).
func (s *Server) addLinks(r *response, c *reqCtx, next string) {
	self := s.URL + c.path
	if c.r.URL.RawQuery != "" {
		self += "?" + c.r.URL.RawQuery
	}
	r.header.Add("Link", "<"+self+`>; rel="self"`)
	if next == "" {
		return
	}
	q := url.Values{}
	for k, v := range c.query {
		q[k] = append([]string(nil), v...)
	}
	q.Set("after", next)
	r.header.Add("Link", "<"+s.URL+c.path+"?"+q.Encode()+`>; rel="next"`)
}

// Rate limits.

// bucket is one rate-limit bucket: a fixed window of calls.
type bucket struct {
	limit  int
	window time.Duration
	start  time.Time
	count  int
}

// rateState is what the rate-limit headers of one answer say.
type rateState struct {
	limit     int
	remaining int
	reset     int64 // epoch seconds
	exceeded  bool
}

// defaultLimit is Okta's per-minute limit for a bucket (Workforce orgs,
// reference/okta.md), and the bucket's key: one bucket per path template,
// with /users/{id} split into reads and writes as Okta does.
func defaultLimit(method, template string) (string, int) {
	switch template {
	case "/api/v1/users":
		return template, 600
	case "/api/v1/users/{id}":
		if method == "GET" {
			return "GET " + template, 2000
		}
		return "write " + template, 600
	case "/api/v1/groups":
		return template, 500
	case "/api/v1/groups/{groupId}":
		return template, 1000
	case "/api/v1/logs":
		// Okta's System Log has a bucket of its own, and a small one.
		return template, 120
	case "":
		return "unmatched", 1200
	}
	return template, 1200
}

// consume counts a call against its bucket. Call with s.mu held.
func (s *Server) consume(method, template string, now time.Time) rateState {
	key, limit := defaultLimit(method, template)
	window := time.Minute
	if s.rlLimit > 0 {
		limit, window = s.rlLimit, s.rlWindow
	}
	b := s.buckets[key]
	if b == nil || b.limit != limit || b.window != window || !now.Before(b.start.Add(b.window)) || now.Before(b.start) {
		b = &bucket{limit: limit, window: window, start: now}
		s.buckets[key] = b
	}
	b.count++
	resetAt := b.start.Add(b.window)
	reset := resetAt.Unix()
	if resetAt.Nanosecond() != 0 {
		reset++ // round up: the window is over by then
	}
	return rateState{
		limit:     limit,
		remaining: max(limit-b.count, 0),
		reset:     reset,
		exceeded:  b.count > limit,
	}
}
