package prcomment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v84/github"
)

// call runs one API request, waiting out rate limits: at most maxRetries
// times, each wait as the Retry-After or X-RateLimit-Reset header says
// and at most maxWait. Its error is one line that says what was being
// done, without the token.
func (c *Client) call(ctx context.Context, doing string, request func(context.Context) (*github.Response, error)) error {
	// The waits are ours: go-github must not refuse a retry because its
	// own clock says the limit has not reset yet.
	ctx = context.WithValue(ctx, github.BypassRateLimitCheck, true)
	for retry := 0; ; retry++ {
		_, err := request(ctx)
		if err == nil {
			return nil
		}
		wait, limited := c.rateLimitWait(err)
		switch {
		case !limited:
			return c.explain(doing, err)
		case retry == maxRetries:
			return c.redact(fmt.Errorf("%s: GitHub API rate limit: still limited after %d retries", doing, maxRetries))
		case wait > maxWait:
			until := c.now().Add(wait).UTC().Format("15:04:05 MST")
			return c.redact(fmt.Errorf("%s: GitHub API rate limit until %s (in %s), longer than returnpath waits (%s)", doing, until, wait.Round(time.Second), maxWait))
		}
		if err := c.sleep(ctx, wait); err != nil {
			return c.redact(fmt.Errorf("%s: waiting for the GitHub API rate limit: %v", doing, err))
		}
	}
}

// rateLimitWait says whether err is a rate limit and how long to wait: a
// 403 or 429 with Retry-After, or with X-RateLimit-Remaining 0 until
// X-RateLimit-Reset, or a 429 or secondary limit without either (a
// minute, as GitHub's documentation says). A 403 without them is a
// permission error.
func (c *Client) rateLimitWait(err error) (time.Duration, bool) {
	resp := responseOf(err)
	if resp == nil || (resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests) {
		return 0, false
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			// One second more: the reset time is rounded down.
			return max(time.Unix(reset, 0).Sub(c.now()), 0) + time.Second, true
		}
	}
	var secondary *github.AbuseRateLimitError
	if resp.StatusCode == http.StatusTooManyRequests || errors.As(err, &secondary) {
		return time.Minute, true
	}
	return 0, false
}

// responseOf is the HTTP response an API error carries, or nil.
func responseOf(err error) *http.Response {
	var (
		plain     *github.ErrorResponse
		primary   *github.RateLimitError
		secondary *github.AbuseRateLimitError
	)
	switch {
	case errors.As(err, &plain):
		return plain.Response
	case errors.As(err, &primary):
		return primary.Response
	case errors.As(err, &secondary):
		return secondary.Response
	}
	return nil
}
