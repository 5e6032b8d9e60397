package okta

import (
	"context"
	"net/url"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"
)

// collect runs a list call and follows its Link rel="next" pages until
// limit items (limit <= 0: all), an empty page, or a cursor seen before (a
// server that hands out the same page again would otherwise loop the SDK
// forever). Each page is its own Okta call with its own deadline.
func collect[T any](ctx context.Context, c *Client, limit int, w what,
	first func(context.Context) ([]*T, *sdk.Response, error)) ([]*T, error) {
	cctx, cancel := c.call(ctx)
	items, resp, err := first(cctx)
	cancel()
	if err != nil {
		return nil, mapError(err, resp, w)
	}
	out := items
	seen := map[string]bool{}
	if resp != nil && resp.Request != nil {
		seen[resp.Request.URL.Query().Get("after")] = true
	}
	for resp != nil && resp.HasNextPage() && len(items) > 0 && (limit <= 0 || len(out) < limit) {
		cursor := cursorOf(resp.NextPage)
		if seen[cursor] {
			break
		}
		seen[cursor] = true
		var page []*T
		cctx, cancel := c.call(ctx)
		next, err := resp.Next(cctx, &page)
		cancel()
		if err != nil {
			return nil, mapError(err, next, w)
		}
		out = append(out, page...)
		items, resp = page, next
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func cursorOf(next string) string {
	u, err := url.Parse(next)
	if err != nil {
		return next
	}
	return u.Query().Get("after")
}

// pageSize is the limit to ask Okta for: the caller's limit, capped at most (and most when limit <= 0).
func pageSize(limit, most int) int64 {
	if limit <= 0 || limit > most {
		return int64(most)
	}
	return int64(limit)
}
