package prcomment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v84/github"
)

// DefaultAPIURL is the API base when GITHUB_API_URL is not set.
const DefaultAPIURL = "https://api.github.com"

// Retry bounds on rate limits: at most maxRetries waits per request, each
// at most maxWait (a longer limit fails at once, saying until when).
const (
	maxRetries = 3
	maxWait    = 5 * time.Minute
	// requestTimeout bounds one HTTP request, so that a hung API cannot
	// hold a CI job.
	requestTimeout = 30 * time.Second
)

// Config is how to reach the API.
type Config struct {
	// Token is sent as an OAuth2 bearer token; it never appears in an
	// error.
	Token string
	// APIURL is the REST API base, used as given ("" means DefaultAPIURL):
	// https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise
	// Server.
	APIURL string
	// UserAgent names the client to the API; "" means go-github's.
	UserAgent string
	// Transport carries the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Sleep waits before a retry; nil waits on a timer. Tests record the
	// waits instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for rate-limit reset times; nil means time.Now.
	Now func() time.Time
}

// Client talks to the GitHub REST API.
type Client struct {
	gh      *github.Client
	graphql *url.URL
	viewer  string // the token's GraphQL login, once asked
	token   string
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time
}

// New makes a client. It fails without a token or with an API URL that is
// not an absolute http(s) URL.
func New(cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("no GitHub token")
	}
	apiURL := cfg.APIURL
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	base, upload, err := apiURLs(apiURL)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: cfg.Transport, Timeout: requestTimeout, CheckRedirect: checkRedirect}
	gh := github.NewClient(hc).WithAuthToken(cfg.Token)
	gh.BaseURL, gh.UploadURL = base, upload
	if cfg.UserAgent != "" {
		gh.UserAgent = cfg.UserAgent
	}
	c := &Client{gh: gh, graphql: graphQLURL(base), token: cfg.Token, sleep: cfg.Sleep, now: cfg.Now}
	if c.sleep == nil {
		c.sleep = sleepTimer
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// apiURLs are the REST base, as given but for a trailing slash (go-github
// resolves paths against it), and the uploads base that goes with it:
// uploads.github.com for api.github.com (and uploads.X for api.X on
// GHE.com), /api/uploads/ for a GitHub Enterprise Server /api/v3/.
func apiURLs(raw string) (base, upload *url.URL, err error) {
	base, err = url.Parse(raw)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, nil, fmt.Errorf("GITHUB_API_URL %q is not an http(s) URL", raw)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	upload = new(url.URL)
	*upload = *base
	switch {
	case strings.HasSuffix(base.Path, "/api/v3/"):
		upload.Path = strings.TrimSuffix(base.Path, "v3/") + "uploads/"
	case strings.HasPrefix(base.Host, "api."):
		upload.Host = "uploads." + strings.TrimPrefix(base.Host, "api.")
	}
	return base, upload, nil
}

// maxRedirects bounds the redirects of one request.
const maxRedirects = 5

// checkRedirect follows http(s) redirects only, and few: anything else
// fails the request at once.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("refused a redirect to a %s: URL", req.URL.Scheme)
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}

func sleepTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
