package runtask

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
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

// permanentError is a failure that another attempt would meet again: a
// redirect loop, a redirect to anything but http(s).
type permanentError struct{ msg string }

func (e *permanentError) Error() string { return e.msg }

func permanentf(format string, args ...any) error {
	return &permanentError{fmt.Sprintf(format, args...)}
}

// isPermanent reports whether retrying err is pointless: a
// permanentError, or a certificate that does not verify.
func isPermanent(err error) bool {
	var (
		permanent   *permanentError
		unknownCA   x509.UnknownAuthorityError
		badHost     x509.HostnameError
		badCert     x509.CertificateInvalidError
		notVerified *tls.CertificateVerificationError
	)
	return errors.As(err, &permanent) || errors.As(err, &unknownCA) || errors.As(err, &badHost) ||
		errors.As(err, &badCert) || errors.As(err, &notVerified)
}

// newClient is the HTTP client for HCP Terraform. It follows http(s)
// redirects but sends the access token only to the host and scheme it was
// given for: the redirect to the plan archive is a signed URL that needs
// no token.
func newClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone() // proxies from the environment
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return permanentf("refused a redirect to a %s: URL", req.URL.Scheme)
			}
			if len(via) >= maxRedirects {
				return permanentf("stopped after %d redirects", maxRedirects)
			}
			if first := via[0].URL; req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
				req.Header.Del("Authorization")
			}
			return nil
		},
	}
}

// newCallbackClient does not follow redirects: a callback answered with
// one was not taken (a 301 or 302 would even turn the PATCH into a GET).
func newCallbackClient() *http.Client {
	return &http.Client{
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
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
		return nil, &attemptError{err: fmt.Errorf("%s: %v", where, transportProblem(err)), retry: !isPermanent(err)}
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
	data, err := readPlan(resp.Body, resp.ContentLength, limit)
	if errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("the plan JSON is more than the server's limit of %s (--max-plan-bytes)", byteSize(limit))
	}
	if err != nil {
		return nil, &attemptError{err: fmt.Errorf("%s: reading the plan JSON: %v", where, transportProblem(err)), retry: true}
	}
	return data, nil
}

// errTooLarge is a plan over the limit.
var errTooLarge = errors.New("too large")

// planChunk is how much of a plan of unknown length is read at a time.
const planChunk = 1 << 20

// readPlan reads a plan of length bytes (-1: unknown) of at most limit.
// A known length is read into one buffer of that size. An unknown one is
// read in chunks, stopping past the limit, then joined: at most twice the
// plan's size at the join, never a buffer grown past it (io.ReadAll's
// growth held up to 2.3 times --max-plan-bytes).
func readPlan(body io.Reader, length, limit int64) ([]byte, error) {
	if length >= 0 {
		data := make([]byte, length)
		if _, err := io.ReadFull(body, data); err != nil {
			return nil, err
		}
		return data, nil
	}
	var chunks [][]byte
	var total int64
	for {
		chunk := make([]byte, min(planChunk, limit+1-total))
		n, err := io.ReadFull(body, chunk)
		chunks = append(chunks, chunk[:n])
		total += int64(n)
		if total > limit {
			return nil, errTooLarge
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	data := make([]byte, 0, total)
	for i, c := range chunks {
		data = append(data, c...)
		chunks[i] = nil // let the chunk go once copied
	}
	return data, nil
}

// callback PATCHes body to the task's callback URL with its access token,
// retrying on 429, 5xx and connection failures.
//
// The body is redacted of every secret first: an error message may quote
// what an API echoed. A redirect is not a delivery: it fails at once.
func (s *Server) callback(ctx context.Context, req Request, body []byte) error {
	where := "PATCH " + req.TaskResultCallbackURL
	body = []byte(s.secrets.String(string(body)))
	return s.withRetries(ctx, func(ctx context.Context) error {
		hreq, err := http.NewRequestWithContext(ctx, http.MethodPatch, req.TaskResultCallbackURL, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		hreq.Header.Set("Authorization", "Bearer "+string(req.AccessToken))
		hreq.Header.Set("Content-Type", "application/vnd.api+json")
		hreq.Header.Set("User-Agent", s.userAgent())
		resp, err := s.callbacks.Do(hreq)
		if err != nil {
			return &attemptError{err: fmt.Errorf("%s: %v", where, transportProblem(err)), retry: !isPermanent(err)}
		}
		defer resp.Body.Close()
		switch resp.StatusCode / 100 {
		case 2:
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
			return nil
		case 3:
			return fmt.Errorf("%s: %s: a redirect, so the task result was not taken", where, resp.Status)
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
