package oktatest

import "time"

// LogEvent is a System Log event, as a test seeds it (sign-ins, failed
// MFA, anything Okta itself would log) and reads it back. The fake also
// logs every change made through its API, and the push verifications'
// outcomes.
type LogEvent struct {
	UUID           string
	Published      time.Time // default now
	EventType      string    // e.g. user.session.start (required)
	DisplayMessage string
	// ActorID and TargetIDs name users or groups of the fake by id; the
	// actor defaults to the API token's user.
	ActorID   string
	TargetIDs []string
	Outcome   string // SUCCESS (default), FAILURE, DENY, ...
	Reason    string
	ClientIP  string // default 127.0.0.1
	UserAgent string
	City      string
	Country   string
}

// AddLogEvent appends an event to the System Log. Unknown actor or target
// ids fail the test.
func (s *Server) AddLogEvent(e LogEvent) LogEvent {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.EventType == "" {
		s.t.Fatalf("oktatest: AddLogEvent: an event needs an EventType")
	}
	if e.Published.IsZero() {
		e.Published = s.now()
	}
	entity := func(id string) (logEntity, bool) {
		if u := s.userByID[id]; u != nil {
			return userEntity(u), true
		}
		if g := s.groupByID[id]; g != nil {
			return groupEntity(g), true
		}
		return logEntity{}, false
	}
	in := &logEvent{uuid: e.UUID, published: e.Published, eventType: e.EventType, displayMessage: e.DisplayMessage,
		outcome: e.Outcome, reason: e.Reason, clientIP: e.ClientIP, userAgent: e.UserAgent, city: e.City, country: e.Country}
	if e.ActorID == "" {
		in.actor = s.actor()
	} else if a, ok := entity(e.ActorID); ok {
		in.actor = a
	} else {
		s.t.Fatalf("oktatest: AddLogEvent: no user or group %q (actor)", e.ActorID)
	}
	for _, id := range e.TargetIDs {
		t, ok := entity(id)
		if !ok {
			s.t.Fatalf("oktatest: AddLogEvent: no user or group %q (target)", id)
		}
		in.targets = append(in.targets, t)
	}
	s.appendEvent(in)
	return in.public()
}

// LogEvents returns the System Log, oldest first.
func (s *Server) LogEvents() []LogEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.now())
	out := make([]LogEvent, 0, len(s.events))
	for _, e := range s.events {
		out = append(out, e.public())
	}
	return out
}

func (e *logEvent) public() LogEvent {
	p := LogEvent{UUID: e.uuid, Published: e.published, EventType: e.eventType, DisplayMessage: e.displayMessage,
		ActorID: e.actor.id, Outcome: e.outcome, Reason: e.reason, ClientIP: e.clientIP, UserAgent: e.userAgent,
		City: e.city, Country: e.country}
	for _, t := range e.targets {
		p.TargetIDs = append(p.TargetIDs, t.id)
	}
	return p
}
