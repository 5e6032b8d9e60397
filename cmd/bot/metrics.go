package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"oktabot/actions"
	"oktabot/metrics"
)

// newMetrics makes this run's registry (never the client library's
// global one: each run, the tests' several included, has its own) with
// oktabot's series, the Go runtime's and the process's, and the handler
// that serves it as /metrics.
func newMetrics(reg *actions.Registry, v buildVersion) (*metrics.Metrics, http.Handler) {
	pr := prometheus.NewRegistry()
	pr.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(pr, metrics.Options{Actions: reg.Names(), Version: v.Version, Revision: v.Revision, GoVersion: v.Go})
	return m, promhttp.HandlerFor(pr, promhttp.HandlerOpts{Registry: pr})
}

// slackCounter is the Slack Web API client's transport: it counts each
// failed call by method and Slack's error code. Nothing else of a call is
// kept: a call to a response_url (which is a credential) is counted as
// "response_url", one to any other address outside apiURL (a file
// upload) as "other".
type slackCounter struct {
	next    http.RoundTripper
	apiURL  string
	metrics *metrics.Metrics
}

func (c slackCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	method := "other"
	switch u := req.URL.String(); {
	case strings.HasPrefix(u, c.apiURL):
		method, _, _ = strings.Cut(strings.TrimPrefix(u, c.apiURL), "?")
	case req.URL.Host == "hooks.slack.com", strings.HasPrefix(req.URL.Path, "/response/"): // the fake's
		method = "response_url"
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		c.metrics.SlackError(method, "network")
		return resp, err
	}
	if resp.StatusCode != http.StatusOK {
		c.metrics.SlackError(method, "http_"+strconv.Itoa(resp.StatusCode))
		return resp, nil
	}
	if method == "other" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return resp, nil
	}
	// Slack answers a failed call with HTTP 200 and {"ok":false,"error":…}:
	// read the answer, and hand slack-go the same bytes.
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		c.metrics.SlackError(method, "network")
		return resp, nil
	}
	var answer struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &answer) == nil && answer.OK != nil && !*answer.OK {
		c.metrics.SlackError(method, answer.Error)
	}
	return resp, nil
}
