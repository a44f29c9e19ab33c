package prcomment

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-github/v84/github"

	"github.com/returnpath-dev/returnpath/internal/fakegithub"
)

// forged is a comment by someone else that looks like returnpath's, from
// a run far in the future, with a green verdict.
func forged() string {
	return "<!-- returnpath -->\n<!-- returnpath-run: run_id=999999999999 -->\n✅ **returnpath: no return-path problems**\n"
}

func TestOthersCommentsAreNotOurs(t *testing.T) {
	ctx := context.Background()
	t.Run("Actions token", func(t *testing.T) {
		c, fake, _ := newClient(t, "", 2)
		mallory := fake.Add("acme", "infra", 7, "mallory", forged())
		otherApp := fake.Add("acme", "infra", 7, "other-app[bot]", body("", 1, "another app's"))
		ours := fake.Add("acme", "infra", 7, fakegithub.BotLogin, body("", 5, "run 5"))

		got, err := c.Publish(ctx, pr, body("", 10, "run 10"))
		if err != nil || got.Action != Updated || !strings.HasSuffix(got.URL, fmt.Sprint(ours)) {
			t.Fatalf("publish: %+v, %v (the forged run id must not keep the comment)", got, err)
		}
		got, err = c.Withdraw(ctx, pr, CommentMeta{RunID: 11})
		if err != nil || got.Action != Deleted || !strings.HasSuffix(got.URL, fmt.Sprint(ours)) {
			t.Fatalf("withdraw: %+v, %v", got, err)
		}
		left := fake.Comments("acme", "infra", 7)
		if len(left) != 2 || left[0].ID != mallory || left[0].Body != forged() || left[1].ID != otherApp {
			t.Errorf("others' comments changed: %+v", left)
		}
		for _, req := range fake.Requests() {
			if req.Path == "/user" {
				t.Errorf("asked GET /user, which an Actions token may not")
			}
		}
	})
	t.Run("forged newer run alone", func(t *testing.T) {
		c, fake, _ := newClient(t, "", 100)
		fake.Add("acme", "infra", 7, "mallory", forged())
		got, err := c.Publish(ctx, pr, body("", 10, "run 10"))
		if err != nil || got.Action != Created {
			t.Fatalf("%+v, %v: a forged run id kept the verdict", got, err)
		}
		if got, err := c.Withdraw(ctx, pr, CommentMeta{RunID: 11}); err != nil || got.Action != Deleted {
			t.Fatalf("withdraw: %+v, %v", got, err)
		}
		if left := fake.Comments("acme", "infra", 7); len(left) != 1 || left[0].Body != forged() {
			t.Errorf("left: %+v", left)
		}
	})
	t.Run("personal token", func(t *testing.T) {
		c, fake, _ := newClient(t, "", 100)
		fake.SetIdentity(fakegithub.Identity{Viewer: "alice", Login: "alice", UserEndpoint: true})
		fake.Add("acme", "infra", 7, "alice-ci[bot]", body("", 20, "an app"))
		fake.Add("acme", "infra", 7, fakegithub.BotLogin, body("", 20, "the Actions bot"))
		ours := fake.Add("acme", "infra", 7, "alice", body("", 1, "alice's"))
		got, err := c.Publish(ctx, pr, body("", 2, "alice again"))
		if err != nil || got.Action != Updated || !strings.HasSuffix(got.URL, fmt.Sprint(ours)) {
			t.Fatalf("%+v, %v", got, err)
		}
	})
	t.Run("GHES asks /api/graphql", func(t *testing.T) {
		c, fake, _ := newClient(t, "/api/v3", 100)
		fake.Add("acme", "infra", 7, "mallory", body("", 1, "mallory"))
		if got, err := c.Publish(ctx, pr, body("", 2, "ghes")); err != nil || got.Action != Created {
			t.Fatalf("%+v, %v", got, err)
		}
		if reqs := fake.Requests(); len(reqs) == 0 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/api/graphql" {
			t.Errorf("first request %+v, want POST /api/graphql", reqs[0])
		}
	})
	t.Run("GraphQL error", func(t *testing.T) {
		c, fake, _ := newClient(t, "", 100)
		fake.Fail(fakegithub.Failure{Path: "/graphql", Status: 200, Body: `{"errors":[{"message":"Resource not accessible by integration"}]}`, Times: 1})
		_, err := c.Publish(ctx, pr, body("", 2, "x"))
		if err == nil || err.Error() != "finding who the token is (GraphQL viewer): Resource not accessible by integration" {
			t.Errorf("error: %v", err)
		}
		if cm := fake.Comments("acme", "infra", 7); len(cm) != 0 {
			t.Errorf("posted without knowing who it is: %+v", cm)
		}
	})
}

func TestWroteBy(t *testing.T) {
	user := func(login, kind string) *github.User { return &github.User{Login: &login, Type: &kind} }
	for _, tc := range []struct {
		user   *github.User
		viewer string
		want   bool
	}{
		{user("github-actions[bot]", "Bot"), "github-actions", true},
		{user("github-actions[bot]", "User"), "github-actions", false},
		{user("other[bot]", "Bot"), "github-actions", false},
		{user("alice", "User"), "alice", true},
		{user("Alice", "User"), "alice", true},
		// An app may bear its owner's name only: the same owner.
		{user("alice[bot]", "Bot"), "alice", true},
		{user("mallory", "User"), "alice", false},
		{user("", "User"), "", false},
		{&github.User{}, "alice", false},
		{nil, "alice", false},
	} {
		if got := wroteBy(tc.user, tc.viewer); got != tc.want {
			t.Errorf("wroteBy(%s %s, %q) = %v", tc.user.GetLogin(), tc.user.GetType(), tc.viewer, got)
		}
	}
}

func TestGraphQLURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.github.com":              "https://api.github.com/graphql",
		"https://api.acme.ghe.com/":           "https://api.acme.ghe.com/graphql",
		"https://ghe.example.com/api/v3":      "https://ghe.example.com/api/graphql",
		"https://ghe.example.com/api/v3/":     "https://ghe.example.com/api/graphql",
		"http://127.0.0.1:8080/prefix/api/v3": "http://127.0.0.1:8080/prefix/api/graphql",
	} {
		base, _, err := apiURLs(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := graphQLURL(base).String(); got != want {
			t.Errorf("graphQLURL(%s) = %s, want %s", in, got, want)
		}
	}
}

// endlessAPI answers the viewer and then pages of no comments whose
// rel="next" never ends; it counts the pages asked.
func endlessAPI(t *testing.T, pages *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/graphql" {
			json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"viewer": map[string]string{"login": "github-actions"}}})
			return
		}
		n := pages.Add(1)
		next := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: fmt.Sprintf("per_page=100&page=%d", n+1)}
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next.String()))
		w.Write([]byte("[]"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCommentPagesAreCapped(t *testing.T) {
	var pages atomic.Int32
	srv := endlessAPI(t, &pages)
	c, err := New(Config{Token: token, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Publish(context.Background(), pr, body("", 1, "x"))
	want := fmt.Sprintf("listing the comments of acme/infra#7: stopped after %d pages of 100 comments", maxCommentPages)
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	if n := pages.Load(); n != maxCommentPages {
		t.Errorf("%d pages asked, want %d", n, maxCommentPages)
	}
}

func TestNonHTTPRedirectFailsAtOnce(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	w := &waits{}
	c, err := New(Config{Token: token, APIURL: srv.URL, Sleep: w.sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Publish(context.Background(), pr, body("", 1, "x"))
	if err == nil || !strings.Contains(err.Error(), "refused a redirect to a file: URL") || requests.Load() != 1 || len(*w) != 0 {
		t.Errorf("error %v after %d requests and waits %v", err, requests.Load(), *w)
	}
}
