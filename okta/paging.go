package okta

import (
	"context"
	"net/url"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"
)

// collect runs a list call and follows its Link rel="next" pages until
// limit items (limit <= 0: all), as eachPage does, and returns them all.
func collect[T any](ctx context.Context, c *Client, limit int, w what,
	first func(context.Context) ([]*T, *sdk.Response, error)) ([]*T, error) {
	var out []*T
	err := eachPage(ctx, c, limit, w, first, func(page []*T) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// eachPage runs a list call and follows its Link rel="next" pages until
// limit items (limit <= 0: all), an empty page, or a cursor seen before (a
// server that hands out the same page again would otherwise loop the SDK
// forever), handing each page to fn as it comes, the last one cut to the
// limit: only one page is held at a time. An error from fn stops the
// listing and is returned as it is. Each page is its own Okta call with
// its own deadline.
func eachPage[T any](ctx context.Context, c *Client, limit int, w what,
	first func(context.Context) ([]*T, *sdk.Response, error), fn func([]*T) error) error {
	cctx, cancel := c.call(ctx)
	items, resp, err := first(cctx)
	cancel()
	if err != nil {
		return mapError(err, resp, w)
	}
	seen := map[string]bool{}
	if resp != nil && resp.Request != nil {
		seen[resp.Request.URL.Query().Get("after")] = true
	}
	n := 0
	for {
		if limit > 0 && n+len(items) > limit {
			items = items[:limit-n]
		}
		n += len(items)
		if len(items) > 0 {
			if err := fn(items); err != nil {
				return err
			}
		}
		if resp == nil || !resp.HasNextPage() || len(items) == 0 || (limit > 0 && n >= limit) {
			return nil
		}
		cursor := cursorOf(resp.NextPage)
		if seen[cursor] {
			return nil
		}
		seen[cursor] = true
		var page []*T
		cctx, cancel := c.call(ctx)
		next, err := resp.Next(cctx, &page)
		cancel()
		if err != nil {
			return mapError(err, next, w)
		}
		items, resp = page, next
	}
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
