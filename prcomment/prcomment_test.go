package prcomment

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/internal/fakegithub"
	"github.com/returnpath-dev/returnpath/report"
)

const token = "ghs_fakeToken0123456789abcdefghijkl"

var (
	pr      = PullRequest{Owner: "acme", Repo: "infra", Number: 7}
	fakeNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
)

// waits records the retry waits instead of sleeping.
type waits []time.Duration

func (w *waits) sleep(_ context.Context, d time.Duration) error {
	*w = append(*w, d)
	return nil
}

// newClient talks to a fake API with lists paged by pageSize.
func newClient(t *testing.T, prefix string, pageSize int) (*Client, *fakegithub.Server, *waits) {
	t.Helper()
	fake := fakegithub.Start(t, token, prefix, pageSize)
	w := &waits{}
	c, err := New(Config{Token: token, APIURL: fake.URL, Sleep: w.sleep, Now: func() time.Time { return fakeNow }})
	if err != nil {
		t.Fatal(err)
	}
	return c, fake, w
}

// body is a comment body as `returnpath comment` writes it.
func body(key string, runID int64, text string) string {
	header, err := CommentMeta{Key: key, RunID: runID}.Header()
	if err != nil {
		panic(err)
	}
	var b strings.Builder
	if err := (report.Markdown{Header: header, Key: key}).Format(&b, report.New(nil, nil, "plan.json", text)); err != nil {
		panic(err)
	}
	return b.String()
}

func TestPublishCreatesThenUpdates(t *testing.T) {
	c, fake, _ := newClient(t, "", 2)
	// Five comments by people and other bots, over three pages, one of
	// which mentions the marker without starting with it.
	others := map[int64]string{}
	for i, text := range []string{"LGTM", "> <!-- returnpath -->\nwhy is this failing?", "<!-- tfcmt -->\nplan", "nit", "ping"} {
		others[fake.Add("acme", "infra", 7, fmt.Sprintf("user%d", i), text)] = text
	}
	fake.Add("acme", "infra", 8, fakegithub.BotLogin, body("", 1, "other PR")) // another pull request

	first, err := c.Publish(context.Background(), pr, body("", 10, "v1"))
	if err != nil {
		t.Fatal(err)
	}
	comments := fake.Comments("acme", "infra", 7)
	if first.Action != Created || len(comments) != 6 || first.URL != fakegithub.CommentURL(&comments[5]) {
		t.Fatalf("first run: %+v; comments %+v", first, comments)
	}
	id := comments[5].ID

	second, err := c.Publish(context.Background(), pr, body("", 11, "v2"))
	if err != nil {
		t.Fatal(err)
	}
	comments = fake.Comments("acme", "infra", 7)
	if second.Action != Updated || len(comments) != 6 || comments[5].ID != id || comments[5].Body != body("", 11, "v2") {
		t.Fatalf("second run: %+v; comments %+v", second, comments)
	}

	third, err := c.Publish(context.Background(), pr, body("", 11, "v2"))
	if err != nil || third.Action != Unchanged || third.URL != second.URL {
		t.Fatalf("same body again: %+v, %v", third, err)
	}

	for _, cm := range comments[:5] {
		if others[cm.ID] != cm.Body {
			t.Errorf("comment %d by %s changed: %q", cm.ID, cm.Author, cm.Body)
		}
	}
	if other := fake.Comments("acme", "infra", 8); len(other) != 1 || other[0].Body != body("", 1, "other PR") {
		t.Errorf("the other pull request's comment changed: %+v", other)
	}
	// Every list followed the pages to the end (6 comments, 2 a page).
	var pages []string
	for _, r := range fake.Requests() {
		if r.Auth != "Bearer "+token {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Auth)
		}
		switch r.Method {
		case http.MethodGet:
			pages = append(pages, r.Path)
		case http.MethodPatch, http.MethodDelete:
			if !strings.HasSuffix(r.Path, fmt.Sprint(id)) {
				t.Errorf("%s %s touched a comment that is not returnpath's", r.Method, r.Path)
			}
		}
	}
	wantPages := []string{
		"/repos/acme/infra/issues/7/comments?per_page=100", // first run: 5 comments, 2 a page
		"/repos/acme/infra/issues/7/comments?page=2&per_page=100",
		"/repos/acme/infra/issues/7/comments?page=3&per_page=100",
	}
	if len(pages) != 9 || !slices.Equal(pages[:3], wantPages) {
		t.Errorf("list requests:\n%s", strings.Join(pages, "\n"))
	}
}

func TestFindsCommentOnLastPage(t *testing.T) {
	c, fake, _ := newClient(t, "", 3)
	for i := range 10 {
		fake.Add("acme", "infra", 7, "someone", fmt.Sprint("comment ", i))
	}
	ours := fake.Add("acme", "infra", 7, fakegithub.BotLogin, body("", 1, "old"))
	got, err := c.Publish(context.Background(), pr, body("", 2, "new"))
	if err != nil || got.Action != Updated {
		t.Fatalf("%+v, %v", got, err)
	}
	comments := fake.Comments("acme", "infra", 7)
	if len(comments) != 11 || comments[10].ID != ours || comments[10].Body != body("", 2, "new") {
		t.Errorf("the comment on page 4 was not updated: %+v", comments[10])
	}
}

func TestKeysKeepTheirOwnComments(t *testing.T) {
	c, fake, _ := newClient(t, "", 100)
	ctx := context.Background()
	for _, b := range []string{body("", 1, "plain"), body("envs/prod", 1, "prod"), body("envs/dev", 1, "dev")} {
		if got, err := c.Publish(ctx, pr, b); err != nil || got.Action != Created {
			t.Fatalf("%+v, %v", got, err)
		}
	}
	if got, err := c.Publish(ctx, pr, body("envs/prod", 2, "prod v2")); err != nil || got.Action != Updated {
		t.Fatalf("%+v, %v", got, err)
	}
	var bodies []string
	for _, cm := range fake.Comments("acme", "infra", 7) {
		bodies = append(bodies, cm.Body)
	}
	want := []string{body("", 1, "plain"), body("envs/prod", 2, "prod v2"), body("envs/dev", 1, "dev")}
	if !slices.Equal(bodies, want) {
		t.Errorf("bodies:\n%q\nwant:\n%q", bodies, want)
	}
}

func TestStaleRunGuard(t *testing.T) {
	c, fake, _ := newClient(t, "", 100)
	ctx := context.Background()
	id := fake.Add("acme", "infra", 7, fakegithub.BotLogin, body("", 200, "from run 200"))
	for _, run := range []int64{199, 0} {
		got, err := c.Publish(ctx, pr, body("", run, "stale"))
		if err != nil || got.Action != KeptNewer || got.NewerRunID != 200 || !strings.HasSuffix(got.URL, fmt.Sprint(id)) {
			t.Errorf("run %d: %+v, %v", run, got, err)
		}
		if got, err := c.Withdraw(ctx, pr, CommentMeta{RunID: run}); err != nil || got.Action != KeptNewer {
			t.Errorf("withdraw by run %d: %+v, %v", run, got, err)
		}
	}
	if cm := fake.Comments("acme", "infra", 7); len(cm) != 1 || cm[0].Body != body("", 200, "from run 200") {
		t.Fatalf("an older run changed the comment: %+v", cm)
	}
	// The same run again (a re-run attempt) and newer runs replace it.
	for _, run := range []int64{200, 201} {
		if got, err := c.Publish(ctx, pr, body("", run, fmt.Sprint("run ", run))); err != nil || got.Action != Updated {
			t.Errorf("run %d: %+v, %v", run, got, err)
		}
	}
	// A key's guard looks at that key's comment only.
	if got, err := c.Publish(ctx, pr, body("k", 5, "keyed")); err != nil || got.Action != Created {
		t.Errorf("keyed run 5: %+v, %v", got, err)
	}
}

func TestWithdraw(t *testing.T) {
	c, fake, _ := newClient(t, "", 2)
	ctx := context.Background()
	if got, err := c.Withdraw(ctx, pr, CommentMeta{RunID: 3}); err != nil || got.Action != NoComment || got.URL != "" {
		t.Fatalf("nothing to delete: %+v, %v", got, err)
	}
	fake.Add("acme", "infra", 7, "alice", "LGTM")
	fake.Add("acme", "infra", 7, fakegithub.BotLogin, body("dev", 1, "dev"))
	ours := fake.Add("acme", "infra", 7, fakegithub.BotLogin, body("", 1, "old"))
	got, err := c.Withdraw(ctx, pr, CommentMeta{RunID: 3})
	if err != nil || got.Action != Deleted || !strings.HasSuffix(got.URL, fmt.Sprint(ours)) {
		t.Fatalf("%+v, %v", got, err)
	}
	left := fake.Comments("acme", "infra", 7)
	if len(left) != 2 || left[0].Body != "LGTM" || left[1].Body != body("dev", 1, "dev") {
		t.Errorf("left: %+v", left)
	}
}

func TestEnterpriseServerBase(t *testing.T) {
	c, fake, _ := newClient(t, "/api/v3", 100)
	if !strings.HasSuffix(fake.URL, "/api/v3") {
		t.Fatalf("fake URL %s", fake.URL)
	}
	if got, err := c.Publish(context.Background(), pr, body("", 1, "ghes")); err != nil || got.Action != Created {
		t.Fatalf("%+v, %v", got, err)
	}
	if c.gh.UploadURL.Path != "/api/uploads/" {
		t.Errorf("upload URL %s", c.gh.UploadURL)
	}
}

func TestAPIURLs(t *testing.T) {
	for _, tc := range []struct{ in, base, upload string }{
		{"https://api.github.com", "https://api.github.com/", "https://uploads.github.com/"},
		{"https://api.github.com/", "https://api.github.com/", "https://uploads.github.com/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/uploads/"},
		{"https://api.acme.ghe.com", "https://api.acme.ghe.com/", "https://uploads.acme.ghe.com/"},
		{"http://127.0.0.1:8080/proxy/github", "http://127.0.0.1:8080/proxy/github/", "http://127.0.0.1:8080/proxy/github/"},
	} {
		base, upload, err := apiURLs(tc.in)
		if err != nil || base.String() != tc.base || upload.String() != tc.upload {
			t.Errorf("apiURLs(%q) = %v, %v, %v; want %s, %s", tc.in, base, upload, err, tc.base, tc.upload)
		}
	}
	for _, bad := range []string{"api.github.com", "ftp://x/", "https://", "::"} {
		if _, err := New(Config{Token: token, APIURL: bad}); err == nil || !strings.Contains(err.Error(), "GITHUB_API_URL") {
			t.Errorf("New with API URL %q: %v", bad, err)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New without a token gave no error")
	}
	c, err := New(Config{Token: token})
	if err != nil || c.gh.BaseURL.String() != DefaultAPIURL+"/" {
		t.Errorf("default API URL: %v, %v", c, err)
	}
}

func TestRateLimits(t *testing.T) {
	reset := fmt.Sprint(fakeNow.Add(30 * time.Second).Unix())
	secondary := `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`
	for _, tc := range []struct {
		name   string
		fail   fakegithub.Failure
		waits  []time.Duration
		errHas string // "" when the run succeeds after the waits
	}{
		{"429 Retry-After", fakegithub.Failure{Status: 429, Header: http.Header{"Retry-After": {"7"}}, Body: `{"message":"slow down"}`, Times: 2},
			[]time.Duration{7 * time.Second, 7 * time.Second}, ""},
		{"403 primary, reset header", fakegithub.Failure{Status: 403, Body: `{"message":"API rate limit exceeded"}`, Times: 1,
			Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset}, "X-Ratelimit-Limit": {"1000"}}},
			[]time.Duration{31 * time.Second}, ""},
		{"403 secondary, Retry-After", fakegithub.Failure{Status: 403, Header: http.Header{"Retry-After": {"3"}}, Body: secondary, Times: 1},
			[]time.Duration{3 * time.Second}, ""},
		{"429 without headers", fakegithub.Failure{Status: 429, Body: `{"message":"Too Many Requests"}`, Times: 1},
			[]time.Duration{time.Minute}, ""},
		{"secondary without headers", fakegithub.Failure{Status: 403, Body: secondary, Times: 1},
			[]time.Duration{time.Minute}, ""},
		{"still limited after the retries", fakegithub.Failure{Status: 429, Header: http.Header{"Retry-After": {"1"}}, Body: `{}`, Times: 10},
			[]time.Duration{time.Second, time.Second, time.Second}, "still limited after 3 retries"},
		{"reset too far away", fakegithub.Failure{Status: 403, Body: `{"message":"API rate limit exceeded"}`, Times: 1,
			Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {fmt.Sprint(fakeNow.Add(time.Hour).Unix())}}},
			nil, "rate limit until 13:00:01 UTC (in 1h0m1s), longer than returnpath waits (5m0s)"},
		{"403 forbidden is no rate limit", fakegithub.Failure{Status: 403, Body: `{"message":"Resource not accessible by integration"}`, Times: 1},
			nil, "403 Forbidden (Resource not accessible by integration): the token may not write pull-request comments (a workflow needs permissions: pull-requests: write)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, fake, w := newClient(t, "", 100)
			fake.Fail(tc.fail)
			got, err := c.Publish(context.Background(), pr, body("", 1, "x"))
			if !slices.Equal(*w, tc.waits) {
				t.Errorf("waits %v, want %v", *w, tc.waits)
			}
			if tc.errHas == "" {
				if err != nil || got.Action != Created || len(fake.Comments("acme", "infra", 7)) != 1 {
					t.Errorf("%+v, %v", got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line with %q", err, tc.errHas)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("bad token", func(t *testing.T) {
		fake := fakegithub.Start(t, "the-right-token", "", 100)
		c, err := New(Config{Token: token, APIURL: fake.URL})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Publish(ctx, pr, body("", 1, "x"))
		want := "finding who the token is (GraphQL viewer): POST " + fake.URL + "/graphql: 401 Unauthorized (Bad credentials): GITHUB_TOKEN is not a valid token"
		if err == nil || err.Error() != want {
			t.Errorf("error:\n%v\nwant:\n%s", err, want)
		}
	})
	t.Run("not found", func(t *testing.T) {
		c, fake, _ := newClient(t, "", 100)
		fake.Fail(fakegithub.Failure{Method: http.MethodGet, Status: 404, Body: `{"message":"Not Found"}`, Times: 1})
		_, err := c.Publish(ctx, pr, body("", 1, "x"))
		if err == nil || !strings.Contains(err.Error(), "404 Not Found: no such pull request or comment, or the token cannot see the repository") {
			t.Errorf("error: %v", err)
		}
	})
	t.Run("validation", func(t *testing.T) {
		c, fake, _ := newClient(t, "", 100)
		fake.Fail(fakegithub.Failure{Method: http.MethodPost, Path: "/comments", Status: 422, Body: `{"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"custom","field":"body","message":"body is too long"}]}`, Times: 1})
		_, err := c.Publish(ctx, pr, body("", 1, "x"))
		if err == nil || !strings.Contains(err.Error(), "creating a comment on acme/infra#7: POST ") ||
			!strings.Contains(err.Error(), "422 Unprocessable Entity (Validation Failed; body is too long)") {
			t.Errorf("error: %v", err)
		}
	})
	t.Run("network", func(t *testing.T) {
		fake := fakegithub.Start(t, token, "", 100)
		url := fake.URL
		c, err := New(Config{Token: token, APIURL: url})
		if err != nil {
			t.Fatal(err)
		}
		fake.Close()
		_, err = c.Publish(ctx, pr, body("", 1, "x"))
		if err == nil || !strings.Contains(err.Error(), "finding who the token is (GraphQL viewer): cannot reach the GitHub API: Post \""+url+"/graphql") {
			t.Errorf("error: %v", err)
		}
	})
	t.Run("token echoed by the server is redacted", func(t *testing.T) {
		c, fake, _ := newClient(t, "", 100)
		fake.Fail(fakegithub.Failure{Status: 400, Body: `{"message":"bad header: Bearer ` + token + `"}`, Times: 1})
		_, err := c.Publish(ctx, pr, body("", 1, "x"))
		if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "Bearer [GITHUB_TOKEN]") {
			t.Errorf("error: %v", err)
		}
	})
	t.Run("body without marker", func(t *testing.T) {
		c, fake, _ := newClient(t, "", 100)
		if _, err := c.Publish(ctx, pr, "hello"); err == nil || len(fake.Requests()) != 0 {
			t.Errorf("published a body without the marker: %v", err)
		}
	})
}

func TestParseRepo(t *testing.T) {
	if o, n, err := ParseRepo("acme/infra"); err != nil || o != "acme" || n != "infra" {
		t.Errorf("ParseRepo(acme/infra) = %q, %q, %v", o, n, err)
	}
	for _, bad := range []string{"", "acme", "acme/", "/infra", "acme/infra/x", "ac me/infra"} {
		if _, _, err := ParseRepo(bad); err == nil {
			t.Errorf("ParseRepo(%q) gave no error", bad)
		}
	}
}

func TestReadEvent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, payload string
		want          Event
	}{
		{"pull_request", `{"action":"synchronize","number":42,"pull_request":{"number":42,"head":{"sha":"abc123"}}}`, Event{PullRequest: 42, HeadSHA: "abc123"}},
		{"issue_comment on a pull request", `{"issue":{"number":9,"pull_request":{"url":"x"}},"comment":{}}`, Event{PullRequest: 9}},
		{"issue_comment on an issue", `{"issue":{"number":9},"comment":{}}`, Event{}},
		{"issue with null pull_request", `{"issue":{"number":9,"pull_request":null}}`, Event{}},
		{"push", `{"ref":"refs/heads/main","after":"abc"}`, Event{}},
	} {
		got, err := ReadEvent(write(tc.name+".json", tc.payload))
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := ReadEvent(write("bad.json", "{not json")); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("bad JSON: %v", err)
	}
	if _, err := ReadEvent(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

// TestRetryReachesTheAPI: after a primary rate limit, go-github refuses
// requests until the reset by its own clock; returnpath's retry, after its
// (here injected) wait, must reach the API all the same.
func TestRetryReachesTheAPI(t *testing.T) {
	fake := fakegithub.Start(t, token, "", 100)
	w := &waits{}
	c, err := New(Config{Token: token, APIURL: fake.URL, Sleep: w.sleep}) // the real clock
	if err != nil {
		t.Fatal(err)
	}
	fake.Fail(fakegithub.Failure{Status: 403, Body: `{"message":"API rate limit exceeded"}`, Times: 1,
		Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {fmt.Sprint(time.Now().Add(time.Minute).Unix())}}})
	got, err := c.Publish(context.Background(), pr, body("", 1, "x"))
	if err != nil || got.Action != Created {
		t.Fatalf("%+v, %v", got, err)
	}
	if len(*w) != 1 || (*w)[0] < 58*time.Second || (*w)[0] > 62*time.Second {
		t.Errorf("waits %v, want one of about a minute", *w)
	}
}
