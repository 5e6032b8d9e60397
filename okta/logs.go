package okta

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"

	"oktabot/actions"
)

const (
	// maxLogPage is Okta's largest page of System Log events.
	maxLogPage = 1000
	// defaultLogLimit is how many events ListLogEvents returns by default.
	defaultLogLimit = 100
)

// ListLogEvents returns the System Log events where the user is the actor
// or a target, newest first. The filter is built here, from an id and an
// event type each quoted as a JSON string literal, so nothing a caller
// types can change its meaning.
func (c *Client) ListLogEvents(ctx context.Context, q actions.LogQuery) ([]actions.LogEvent, error) {
	w := what{noun: "System Log events", of: &what{noun: "user", ref: q.UserID}}
	if err := checkRef(q.UserID, user(q.UserID)); err != nil {
		return nil, err
	}
	if q.Since.IsZero() {
		return nil, actions.Errorf(actions.KindInvalid, "a System Log query needs a start time")
	}
	if !q.Until.IsZero() && !q.Until.After(q.Since) {
		return nil, actions.Errorf(actions.KindInvalid, "a System Log query must end after it starts")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLogLimit
	}
	filter := "(actor.id eq " + literal(q.UserID) + " or target.id eq " + literal(q.UserID) + ")"
	if q.Type != "" {
		filter += " and eventType eq " + literal(q.Type)
	}
	v := url.Values{}
	v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339Nano))
	}
	v.Set("filter", filter)
	v.Set("sortOrder", "DESCENDING")
	v.Set("limit", strconv.FormatInt(pageSize(limit, maxLogPage), 10))
	found, err := collect(ctx, c, limit, w, func(ctx context.Context) ([]*sdk.LogEvent, *sdk.Response, error) {
		var page []*sdk.LogEvent
		resp, err := c.send(ctx, http.MethodGet, "/api/v1/logs?"+v.Encode(), nil, &page)
		return page, resp, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]actions.LogEvent, 0, len(found))
	for _, e := range found {
		if e != nil {
			out = append(out, toLogEvent(e))
		}
	}
	return out, nil
}

func toLogEvent(e *sdk.LogEvent) actions.LogEvent {
	out := actions.LogEvent{ID: e.Uuid, Published: tm(e.Published), Type: e.EventType,
		Message: e.DisplayMessage, Severity: e.Severity}
	if e.Outcome != nil {
		out.Outcome, out.Reason = e.Outcome.Result, e.Outcome.Reason
	}
	if a := e.Actor; a != nil {
		out.Actor = actions.LogActor{ID: a.Id, Type: a.Type, Login: a.AlternateId, Name: a.DisplayName}
	}
	for _, t := range e.Target {
		if t != nil {
			out.Targets = append(out.Targets, actions.LogActor{ID: t.Id, Type: t.Type, Login: t.AlternateId, Name: t.DisplayName})
		}
	}
	if cl := e.Client; cl != nil {
		out.ClientIP = cl.IpAddress
		if g := cl.GeographicalContext; g != nil {
			out.City, out.Country = g.City, g.Country
		}
		if ua := cl.UserAgent; ua != nil {
			out.UserAgent = ua.RawUserAgent
		}
	}
	return out
}
