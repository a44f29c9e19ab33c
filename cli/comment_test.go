package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/internal/fakegithub"
	"github.com/returnpath-dev/returnpath/internal/golden"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/prcomment"
	"github.com/returnpath-dev/returnpath/report"
)

const (
	testToken = "ghs_cliTestToken0123456789abcdefghij"
	broken    = "../fixtures/web-missing-return/plan.json"
	clean     = "../fixtures/all-traffic/plan.json" // no finding at all, notices included
)

// commentRun runs `returnpath comment` with env as its whole environment
// (GITHUB_TOKEN and GITHUB_API_URL of the fake unless env sets them) and
// records the rate-limit waits instead of sleeping.
type commentRun struct {
	fake  *fakegithub.Server
	env   map[string]string
	waits []time.Duration
	o     Options
}

func newCommentRun(t *testing.T, fake *fakegithub.Server, env map[string]string) *commentRun {
	t.Helper()
	c := &commentRun{fake: fake, env: map[string]string{"GITHUB_TOKEN": testToken, "GITHUB_API_URL": fake.URL}}
	for k, v := range env {
		c.env[k] = v
	}
	c.o = testOptions
	c.o.Getenv = func(k string) string { return c.env[k] }
	c.o.sleep = func(_ context.Context, d time.Duration) error {
		c.waits = append(c.waits, d)
		return nil
	}
	return c
}

// run runs the command and checks that the token shows nowhere: not on
// stdout or stderr, not in a comment.
func (c *commentRun) run(t *testing.T, args ...string) result {
	t.Helper()
	r := run(c.o, "", append([]string{"comment"}, args...)...)
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, testToken) {
			t.Errorf("the token shows in the output: %q", s)
		}
	}
	for _, req := range c.fake.Requests() {
		if strings.Contains(req.Body, testToken) || strings.Contains(req.Path, testToken) {
			t.Errorf("the token was sent in %s %s", req.Method, req.Path)
		}
	}
	return r
}

func TestCommentSticky(t *testing.T) {
	fake := fakegithub.Start(t, testToken, "", 2)
	var others []fakegithub.Comment
	for i, text := range []string{"LGTM", "please fix the NACL", "<!-- other-bot -->\nplan: 3 to add"} {
		fake.Add("acme", "infra", 7, fmt.Sprint("user", i), text)
	}
	others = fake.Comments("acme", "infra", 7)
	c := newCommentRun(t, fake, map[string]string{"GITHUB_RUN_ID": "100"})

	r := c.run(t, "--repo", "acme/infra", "--pr", "7", broken)
	comments := fake.Comments("acme", "infra", 7)
	if r.code != ExitFindings || r.stderr != "" || len(comments) != 4 {
		t.Fatalf("first run: %+v; %d comments", r, len(comments))
	}
	ours := comments[3]
	wantOut := "returnpath: 2 errors, 0 warnings, 1 notice — comment created: " + fakegithub.CommentURL(&ours) + "\n"
	if r.stdout != wantOut {
		t.Errorf("stdout %q, want %q", r.stdout, wantOut)
	}
	if !strings.HasPrefix(ours.Body, prcomment.Marker+"\n<!-- returnpath-run: run_id=100 -->\n❌ **returnpath: 2 errors, 0 warnings, 1 notice**") {
		t.Errorf("body:\n%s", ours.Body)
	}

	c.env["GITHUB_RUN_ID"] = "101"
	r = c.run(t, "--pr=7", "--repo=acme/infra", "--fail-on", "never", clean)
	comments = fake.Comments("acme", "infra", 7)
	if r.code != ExitOK || len(comments) != 4 || comments[3].ID != ours.ID || !strings.Contains(comments[3].Body, "✅ **returnpath: no return-path problems**") {
		t.Fatalf("second run: %+v; comments %+v", r, comments)
	}
	if r.stdout != "returnpath: no return-path problems — comment updated: "+fakegithub.CommentURL(&ours)+"\n" {
		t.Errorf("stdout %q", r.stdout)
	}

	r = c.run(t, "--repo", "acme/infra", "--pr", "7", "--key", "envs/prod", broken)
	comments = fake.Comments("acme", "infra", 7)
	if r.code != ExitFindings || len(comments) != 5 || !strings.HasPrefix(comments[4].Body, prcomment.Marker+"\n<!-- returnpath:envs/prod -->\n") {
		t.Fatalf("keyed run: %+v; comments %+v", r, comments)
	}
	if comments[3].ID != ours.ID || strings.Contains(comments[3].Body, "❌") {
		t.Errorf("the keyed run changed the unkeyed comment: %s", comments[3].Body)
	}
	if !slices.Equal(comments[:3], others) {
		t.Errorf("other comments changed:\n%+v\nwant:\n%+v", comments[:3], others)
	}
	for _, req := range fake.Requests() {
		if req.Method == http.MethodPatch && !strings.HasSuffix(req.Path, fmt.Sprint(ours.ID)) {
			t.Errorf("%s %s", req.Method, req.Path)
		}
	}
}

// TestCommentBody keeps the body the fake API received for a broken
// fixture in a golden file (it is the closing note of the issue).
func TestCommentBody(t *testing.T) {
	fake := fakegithub.Start(t, testToken, "/api/v3", 100)
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"number":7,"pull_request":{"number":7,"head":{"sha":"3f6c2a91d0b4e8f7a6c5b4d3e2f1a0b9c8d7e6f5"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newCommentRun(t, fake, map[string]string{
		"GITHUB_REPOSITORY": "acme/infra",
		"GITHUB_EVENT_PATH": event,
		"GITHUB_EVENT_NAME": "pull_request",
		"GITHUB_SHA":        "0000000000000000000000000000000000000001", // the merge commit: not what was reviewed
		"GITHUB_RUN_ID":     "987654321",
		"GITHUB_SERVER_URL": "https://github.com",
	})
	t.Chdir("..")
	r := c.run(t, "--key", "web", "fixtures/web-missing-return/plan.json")
	if r.code != ExitFindings || r.stderr != "" {
		t.Fatalf("%+v", r)
	}
	var posts []fakegithub.Request
	for _, req := range fake.Requests() {
		if req.Method == http.MethodPost && req.Path != "/api/graphql" {
			posts = append(posts, req)
		}
	}
	if len(posts) != 1 || posts[0].Path != "/repos/acme/infra/issues/7/comments" {
		t.Fatalf("posts: %+v", posts)
	}
	body := fake.Comments("acme", "infra", 7)[0].Body
	if !strings.Contains(posts[0].Body, `"body":`) {
		t.Errorf("request body: %s", posts[0].Body)
	}
	if !strings.HasPrefix(body, "<!-- returnpath -->\n<!-- returnpath:web -->\n<!-- returnpath-run: sha=3f6c2a91d0b4e8f7a6c5b4d3e2f1a0b9c8d7e6f5 run_id=987654321 -->\n") ||
		!strings.Contains(body, `<a href="https://github.com/acme/infra/actions/runs/987654321">CI run</a>`) {
		t.Errorf("body:\n%s", body)
	}
	golden.Check(t, "cli/testdata/comment-web-missing-return.md", body)
}

func TestCommentDeleteWhenClean(t *testing.T) {
	fake := fakegithub.Start(t, testToken, "", 100)
	fake.Add("acme", "infra", 7, "alice", "LGTM")
	c := newCommentRun(t, fake, map[string]string{"GITHUB_RUN_ID": "5"})
	args := []string{"--repo", "acme/infra", "--pr", "7", "--delete-when-clean"}

	r := c.run(t, append(args, clean)...)
	if r.code != ExitOK || r.stdout != "returnpath: no return-path problems — no comment on acme/infra#7 to delete\n" || len(fake.Comments("acme", "infra", 7)) != 1 {
		t.Fatalf("clean, no comment yet: %+v", r)
	}
	r = c.run(t, append(args, broken)...)
	if r.code != ExitFindings || len(fake.Comments("acme", "infra", 7)) != 2 {
		t.Fatalf("broken: %+v", r)
	}
	url := fakegithub.CommentURL(&fake.Comments("acme", "infra", 7)[1])
	c.env["GITHUB_RUN_ID"] = "6"
	r = c.run(t, append(args, clean)...)
	left := fake.Comments("acme", "infra", 7)
	if r.code != ExitOK || r.stdout != "returnpath: no return-path problems — comment deleted: "+url+"\n" || len(left) != 1 || left[0].Body != "LGTM" {
		t.Fatalf("clean again: %+v; left %+v", r, left)
	}
}

func TestCommentStaleRun(t *testing.T) {
	fake := fakegithub.Start(t, testToken, "", 100)
	c := newCommentRun(t, fake, map[string]string{"GITHUB_RUN_ID": "500"})
	if r := c.run(t, "--repo", "acme/infra", "--pr", "7", clean); r.code != ExitOK {
		t.Fatalf("%+v", r)
	}
	before := fake.Comments("acme", "infra", 7)
	c.env["GITHUB_RUN_ID"] = "499" // an older run that finished later
	r := c.run(t, "--repo", "acme/infra", "--pr", "7", broken)
	want := "returnpath: 2 errors, 0 warnings, 1 notice — comment left as is: run 500, newer than this one, wrote it: " + fakegithub.CommentURL(&before[0]) + "\n"
	if r.code != ExitFindings || r.stdout != want || r.stderr != "" {
		t.Errorf("%+v\nwant stdout %q", r, want)
	}
	if after := fake.Comments("acme", "infra", 7); !slices.Equal(after, before) {
		t.Errorf("the older run changed the comment:\n%s", after[0].Body)
	}
}

func TestCommentAPIErrors(t *testing.T) {
	secondary := `{"message":"You have exceeded a secondary rate limit","documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`
	for _, tc := range []struct {
		name     string
		fail     fakegithub.Failure
		token    string
		contains string
	}{
		{"bad token", fakegithub.Failure{}, "ghp_wrongToken0123456789", "401 Unauthorized (Bad credentials): GITHUB_TOKEN is not a valid token"},
		{"403 on create", fakegithub.Failure{Method: http.MethodPost, Path: "/comments", Status: 403, Body: `{"message":"Resource not accessible by integration"}`, Times: 1},
			"", "creating a comment on acme/infra#7: POST "},
		{"404", fakegithub.Failure{Method: http.MethodGet, Status: 404, Body: `{"message":"Not Found"}`, Times: 1},
			"", "404 Not Found: no such pull request or comment, or the token cannot see the repository"},
		{"rate limited too long", fakegithub.Failure{Status: 429, Header: http.Header{"Retry-After": {"3600"}}, Body: secondary, Times: 1},
			"", "GitHub API rate limit until"},
		{"500", fakegithub.Failure{Status: 500, Body: `{"message":"upstream timeout"}`, Times: 1}, "", "500 Internal Server Error (upstream timeout)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakegithub.Start(t, testToken, "", 100)
			fake.Fail(tc.fail)
			c := newCommentRun(t, fake, nil)
			if tc.token != "" {
				c.env["GITHUB_TOKEN"] = tc.token
			}
			r := c.run(t, "--repo", "acme/infra", "--pr", "7", broken)
			wantOneLineError(t, r, tc.contains)
			if strings.Contains(r.stderr, c.env["GITHUB_TOKEN"]) {
				t.Errorf("stderr shows the token: %s", r.stderr)
			}
		})
	}
	t.Run("403 forbidden", func(t *testing.T) {
		fake := fakegithub.Start(t, testToken, "", 100)
		fake.Fail(fakegithub.Failure{Status: 403, Body: `{"message":"Resource not accessible by integration"}`, Times: 1})
		r := newCommentRun(t, fake, nil).run(t, "--repo", "acme/infra", "--pr", "7", broken)
		wantOneLineError(t, r, "403 Forbidden (Resource not accessible by integration): the token may not write pull-request comments (a workflow needs permissions: pull-requests: write)")
	})
	t.Run("429 retried", func(t *testing.T) {
		fake := fakegithub.Start(t, testToken, "", 100)
		fake.Fail(fakegithub.Failure{Status: 429, Header: http.Header{"Retry-After": {"2"}}, Body: `{"message":"slow down"}`, Times: 2})
		c := newCommentRun(t, fake, nil)
		r := c.run(t, "--repo", "acme/infra", "--pr", "7", broken)
		if r.code != ExitFindings || r.stderr != "" || len(fake.Comments("acme", "infra", 7)) != 1 {
			t.Errorf("%+v", r)
		}
		if !slices.Equal(c.waits, []time.Duration{2 * time.Second, 2 * time.Second}) {
			t.Errorf("waits %v", c.waits)
		}
	})
	t.Run("network", func(t *testing.T) {
		fake := fakegithub.Start(t, testToken, "", 100)
		c := newCommentRun(t, fake, nil)
		fake.Close()
		wantOneLineError(t, c.run(t, "--repo", "acme/infra", "--pr", "7", broken), "cannot reach the GitHub API")
	})
}

// TestCommentInputErrors: what is wrong before any API call gets exit 2,
// one line, and no request.
func TestCommentInputErrors(t *testing.T) {
	dir := t.TempDir()
	push := filepath.Join(dir, "push.json")
	if err := os.WriteFile(push, []byte(`{"ref":"refs/heads/main"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	notJSON := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(notJSON, []byte(`{`), 0o644); err != nil {
		t.Fatal(err)
	}
	pr := []string{"--repo", "acme/infra", "--pr", "7"}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		args     []string
		contains string
	}{
		{"no token", map[string]string{"GITHUB_TOKEN": ""}, append(pr, broken), "GITHUB_TOKEN is not set"},
		{"no repo", nil, []string{"--pr", "7", broken}, "missing --repo OWNER/NAME (GITHUB_REPOSITORY is not set)"},
		{"bad repo", nil, []string{"--repo", "acme", "--pr", "7", broken}, `repository "acme" is not OWNER/NAME`},
		{"no pr", map[string]string{"GITHUB_REPOSITORY": "acme/infra"}, []string{broken}, "missing --pr NUMBER (GITHUB_EVENT_PATH is not set)"},
		{"push event", map[string]string{"GITHUB_REPOSITORY": "acme/infra", "GITHUB_EVENT_PATH": push, "GITHUB_EVENT_NAME": "push"}, []string{broken},
			"missing --pr NUMBER (the push event at GITHUB_EVENT_PATH is not about a pull request)"},
		{"unreadable event", map[string]string{"GITHUB_REPOSITORY": "acme/infra", "GITHUB_EVENT_PATH": notJSON}, []string{broken}, "bad.json: not an event payload"},
		{"negative pr", nil, []string{"--repo", "acme/infra", "--pr", "-1", broken}, "--pr -1"},
		{"pr not a number", nil, []string{"--repo", "acme/infra", "--pr", "seven", broken}, "-pr"},
		{"bad key", nil, append(pr, "--key", "a b", broken), "--key"},
		{"bad sha", nil, append(pr, "--sha", "main", broken), "--sha"},
		{"bad GITHUB_SHA", map[string]string{"GITHUB_SHA": "HEAD"}, append(pr, broken), "GITHUB_SHA"},
		{"bad run id", map[string]string{"GITHUB_RUN_ID": "latest"}, append(pr, broken), `GITHUB_RUN_ID "latest"`},
		{"bad API URL", map[string]string{"GITHUB_API_URL": "api.github.com"}, append(pr, broken), `GITHUB_API_URL "api.github.com"`},
		{"bad fail-on", nil, append(pr, "--fail-on", "fatal", broken), `comment: unknown --fail-on "fatal"`},
		{"no plan", nil, pr, "missing PLAN"},
		{"bad context", nil, append(pr, "--context", "testdata/not-json.json", broken, clean), "testdata/not-json.json: is not JSON"},
		{"bad chdir", nil, append(pr, "--chdir", "testdata/no-such-dir", broken), "testdata/no-such-dir"},
		{"bad plan", nil, append(pr, "testdata/not-json.json"), "testdata/not-json.json"},
		{"unknown flag", nil, append(pr, "--frob", broken), "-frob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakegithub.Start(t, testToken, "", 100)
			c := newCommentRun(t, fake, tc.env)
			wantOneLineError(t, c.run(t, tc.args...), tc.contains)
			if reqs := fake.Requests(); len(reqs) != 0 {
				t.Errorf("requests were made: %+v", reqs)
			}
		})
	}
}

// TestCommentTruncated: a report too long for a comment is cut with a
// link to the run, whose job summary gets the whole report.
func TestCommentTruncated(t *testing.T) {
	fake := fakegithub.Start(t, testToken, "", 100)
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	if err := os.WriteFile(summary, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newCommentRun(t, fake, map[string]string{
		"GITHUB_REPOSITORY": "acme/infra", "GITHUB_RUN_ID": "77", "GITHUB_SERVER_URL": "https://github.example/",
		"GITHUB_STEP_SUMMARY": summary,
	})
	var many []checks.Finding
	for i := range 600 {
		many = append(many, checks.Finding{Rule: "RP008", Severity: checks.Warning, Status: checks.New,
			Resource: plan.Address(fmt.Sprintf("aws_network_acl_rule.r%03d", i)),
			Message:  strings.Repeat("network_acl_id comes from a data source; ", 3)})
	}
	c.o.load = func(string, io.Reader, string, int64) (*plan.Model, error) { return &plan.Model{}, nil }
	c.o.run = func(context.Context, *plan.Model, checks.Config) ([]checks.Finding, error) { return many, nil }

	r := c.run(t, "--pr", "7", "plan.json")
	if r.code != ExitOK || r.stderr != "" {
		t.Fatalf("%+v", r)
	}
	body := fake.Comments("acme", "infra", 7)[0].Body
	if len(body) > report.MaxCommentBytes || !strings.Contains(body, "the full report is in [the CI run](https://github.example/acme/infra/actions/runs/77).") {
		t.Errorf("comment of %d bytes:\n…%s", len(body), body[max(0, len(body)-500):])
	}
	data, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	full := string(data)
	if !strings.HasPrefix(full, "earlier step\n"+prcomment.Marker) || strings.Contains(full, "Truncated") || strings.Count(full, "| RP008 |") != 600 {
		t.Errorf("job summary (%d bytes) does not hold the whole report after the earlier step's", len(full))
	}

	// Not truncated: the job summary is left alone.
	c.o.run = func(context.Context, *plan.Model, checks.Config) ([]checks.Finding, error) { return many[:3], nil }
	c.env["GITHUB_RUN_ID"] = "78"
	if r := c.run(t, "--pr", "7", "plan.json"); r.code != ExitOK {
		t.Fatalf("%+v", r)
	}
	if again, _ := os.ReadFile(summary); string(again) != full {
		t.Error("a comment that fits wrote the job summary")
	}
}

func TestCommentHelp(t *testing.T) {
	for _, args := range [][]string{{"comment", "--help"}, {"help", "comment"}, {"comment", "-h"}} {
		r := run(testOptions, "", args...)
		if r.code != ExitOK || r.stderr != "" || !strings.Contains(r.stdout, "Usage: returnpath comment") {
			t.Errorf("%q: %+v", args, r)
		}
	}
	r := run(testOptions, "", "help")
	if !strings.Contains(r.stdout, "returnpath comment [flags] PLAN") {
		t.Errorf("help lacks comment:\n%s", r.stdout)
	}
	data, err := os.ReadFile("../docs/pr-comment.md")
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := commentFlags()
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(string(data), "`--"+f.Name) {
			t.Errorf("docs/pr-comment.md does not document comment --%s", f.Name)
		}
	})
}

// TestCommentRedactsTheTokenFromOutput: an API answer that quotes the
// token (here the html_url of the new comment) does not print it.
func TestCommentRedactsTheTokenFromOutput(t *testing.T) {
	fake := fakegithub.Start(t, testToken, "", 100)
	fake.Fail(fakegithub.Failure{Method: http.MethodPost, Path: "/comments", Status: http.StatusCreated,
		Body: `{"id":5,"body":"x","html_url":"https://github.example/acme/infra/pull/7?token=` + testToken + `#issuecomment-5"}`, Times: 1})
	r := newCommentRun(t, fake, nil).run(t, "--repo", "acme/infra", "--pr", "7", broken)
	if r.code != ExitFindings || !strings.Contains(r.stdout, "comment created: https://github.example/acme/infra/pull/7?token=[REDACTED]#issuecomment-5") {
		t.Errorf("%+v", r)
	}
}

// TestStderrRedactsSecrets: an error line that quotes a secret of the
// environment (here the path of a missing plan) does not print it.
func TestStderrRedactsSecrets(t *testing.T) {
	o := testOptions
	o.Getenv = func(k string) string {
		return map[string]string{"GITHUB_TOKEN": testToken, HMACKeyEnv: "hmac-key-0123456789"}[k]
	}
	r := run(o, "", "check", "missing-"+testToken+"-hmac-key-0123456789.json")
	if r.code != ExitError || strings.Contains(r.stderr, testToken) || strings.Contains(r.stderr, "hmac-key-0123456789") ||
		!strings.Contains(r.stderr, "missing-[REDACTED]-[REDACTED].json") {
		t.Errorf("%+v", r)
	}
}
