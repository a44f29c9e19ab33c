package runtask

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/returnpath-dev/returnpath/internal/oneline"
)

// maxRedirects bounds the redirects of the plan fetch (HCP Terraform sends
// one, to the archive that holds the plan JSON).
const maxRedirects = 10

// errTooManyRedirects ends a redirect loop; retrying would not help.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", maxRedirects)

// newClient is the HTTP client for HCP Terraform. It follows redirects but
// sends the access token only to the host and scheme it was given for: the
// redirect to the plan archive is a signed URL that needs no token.
func newClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone() // proxies from the environment
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return errTooManyRedirects
			}
			if first := via[0].URL; req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
				req.Header.Del("Authorization")
			}
			return nil
		},
	}
}

// attemptError is the failure of one HTTP attempt; retry says whether
// another attempt may succeed, and after how long at the least.
type attemptError struct {
	err        error
	retry      bool
	retryAfter time.Duration
}

func (e *attemptError) Error() string { return e.err.Error() }

// withRetries runs attempt until it succeeds, fails for good, or has
// used Timing.RetryAttempts, pausing between attempts (doubling from
// RetryInitial up to RetryMax, or longer when the server says so).
func (s *Server) withRetries(ctx context.Context, attempt func(context.Context) error) error {
	t := s.cfg.Timing
	pause := t.RetryInitial
	for n := 1; ; n++ {
		actx, cancel := context.WithTimeout(ctx, t.RequestTimeout)
		err := attempt(actx)
		cancel()
		var ae *attemptError
		if err == nil || !errors.As(err, &ae) || !ae.retry || ctx.Err() != nil {
			return err
		}
		if n == t.RetryAttempts {
			return fmt.Errorf("%v (gave up after %d attempts)", err, n)
		}
		wait := min(max(pause, ae.retryAfter), t.RetryMax)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%v (stopped while waiting to retry)", err)
		case <-time.After(wait):
		}
		pause = min(2*pause, t.RetryMax)
	}
}

// fetchPlan downloads the plan JSON of req with its access token, retrying
// while HCP Terraform answers 204 (not ready yet), 429 or 5xx, or the
// connection fails.
func (s *Server) fetchPlan(ctx context.Context, req Request) ([]byte, error) {
	var data []byte
	err := s.withRetries(ctx, func(ctx context.Context) error {
		var err error
		data, err = s.getPlan(ctx, req)
		return err
	})
	return data, err
}

func (s *Server) getPlan(ctx context.Context, req Request) ([]byte, error) {
	where := "GET " + req.PlanJSONAPIURL
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.PlanJSONAPIURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", where, err)
	}
	hreq.Header.Set("Authorization", "Bearer "+string(req.AccessToken))
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", s.userAgent())
	resp, err := s.client.Do(hreq)
	if err != nil {
		retry := !errors.Is(err, errTooManyRedirects)
		return nil, &attemptError{err: fmt.Errorf("%s: %v", where, transportProblem(err)), retry: retry}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNoContent:
		return nil, &attemptError{err: fmt.Errorf("%s: %s (the plan JSON is not ready)", where, resp.Status), retry: true}
	default:
		return nil, statusError(where, resp)
	}
	limit := s.cfg.MaxPlanBytes
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("the plan JSON is %s, more than the server's limit of %s (--max-plan-bytes)", byteSize(resp.ContentLength), byteSize(limit))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &attemptError{err: fmt.Errorf("%s: reading the plan JSON: %v", where, transportProblem(err)), retry: true}
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("the plan JSON is more than the server's limit of %s (--max-plan-bytes)", byteSize(limit))
	}
	return data, nil
}

// callback PATCHes body to the task's callback URL with its access token,
// retrying on 429, 5xx and connection failures.
func (s *Server) callback(ctx context.Context, req Request, body []byte) error {
	where := "PATCH " + req.TaskResultCallbackURL
	return s.withRetries(ctx, func(ctx context.Context) error {
		hreq, err := http.NewRequestWithContext(ctx, http.MethodPatch, req.TaskResultCallbackURL, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		hreq.Header.Set("Authorization", "Bearer "+string(req.AccessToken))
		hreq.Header.Set("Content-Type", "application/vnd.api+json")
		hreq.Header.Set("User-Agent", s.userAgent())
		resp, err := s.client.Do(hreq)
		if err != nil {
			return &attemptError{err: fmt.Errorf("%s: %v", where, transportProblem(err)), retry: true}
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
			return nil
		}
		return statusError(where, resp)
	})
}

func (s *Server) userAgent() string { return "returnpath/" + s.cfg.Version }

// statusError describes an unexpected HTTP status, with the JSON:API error
// details HCP Terraform sends; 429 and 5xx may be retried.
func statusError(where string, resp *http.Response) error {
	msg := fmt.Sprintf("%s: %s", where, resp.Status)
	if detail := apiErrorDetail(resp.Body); detail != "" {
		msg += " (" + detail + ")"
	}
	retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	return &attemptError{err: errors.New(msg), retry: retry, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
}

// apiErrorDetail reads the titles and details of a JSON:API error document
// ({"errors":[{"title":…,"detail":…}]}), or "".
func apiErrorDetail(body io.Reader) string {
	var doc struct {
		Errors []struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		} `json:"errors"`
	}
	data, err := io.ReadAll(io.LimitReader(body, 64<<10))
	if err != nil || json.Unmarshal(data, &doc) != nil {
		return ""
	}
	var parts []string
	for _, e := range doc.Errors {
		title, detail := strings.TrimSpace(e.Title), strings.TrimSpace(e.Detail)
		switch {
		case title != "" && detail != "":
			parts = append(parts, title+": "+detail)
		case title != "" || detail != "":
			parts = append(parts, title+detail)
		}
	}
	return oneline.Of(strings.Join(parts, "; "))
}

// retryAfter reads a Retry-After header in seconds; dates and garbage
// count as no hint.
func retryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// transportProblem drops the URL from a client error: after a redirect it
// is the signed archive URL, a credential of its own.
func transportProblem(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("no answer in time")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// byteSize is a size for people: "256 MiB", "1.5 GiB", "900 bytes".
func byteSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	v, unit := float64(n)/1024, "KiB"
	for _, u := range []string{"MiB", "GiB", "TiB"} {
		if v < 1024 {
			break
		}
		v, unit = v/1024, u
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f %s", v, unit)
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}
