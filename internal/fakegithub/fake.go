package fakegithub

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// BotLogin is the author of the comments the API creates, as for an
// Actions GITHUB_TOKEN.
const BotLogin = "github-actions[bot]"

// Comment is one issue comment held by the fake.
type Comment struct {
	ID     int64
	Owner  string
	Repo   string
	Number int // the pull request
	Author string
	Body   string
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string // without the API prefix, with the query
	Auth   string // the Authorization header
	Body   string
}

// Failure is a canned answer to the next requests that match Method
// ("" matches any).
type Failure struct {
	Method string
	Status int
	Header http.Header
	Body   string
	Times  int // how many requests get it
}

// Server is the fake API. Its methods may be called while it serves.
type Server struct {
	// URL is the API base, e.g. http://127.0.0.1:1234/api/v3 (with the
	// prefix given to Start, without a trailing slash).
	URL string
	// Token is the only token accepted (Authorization: Bearer TOKEN).
	Token string

	srv      *httptest.Server
	prefix   string
	mu       sync.Mutex
	pageSize int
	nextID   int64
	comments []*Comment // by id
	requests []Request
	failures []Failure
}

// Start serves a fake API on 127.0.0.1 under prefix ("" for github.com's
// layout, "/api/v3" for GitHub Enterprise Server's) until the test ends.
// Lists are paged by pageSize comments.
func Start(t testing.TB, token, prefix string, pageSize int) *Server {
	t.Helper()
	s := &Server{Token: token, prefix: prefix, pageSize: pageSize, nextID: 1000}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", s.list)
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", s.create)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", s.edit)
	mux.HandleFunc("DELETE /repos/{owner}/{repo}/issues/comments/{id}", s.remove)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewUnstartedServer(http.StripPrefix(prefix, s.middleware(mux)))
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + prefix
	return s
}

// Close stops the server: later requests fail to connect.
func (s *Server) Close() { s.srv.Close() }

// Add puts a comment on pull request owner/repo#number, as author, and
// returns its id.
func (s *Server) Add(owner, repo string, number int, author, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(owner, repo, number, author, body).ID
}

func (s *Server) add(owner, repo string, number int, author, body string) *Comment {
	s.nextID++
	c := &Comment{ID: s.nextID, Owner: owner, Repo: repo, Number: number, Author: author, Body: body}
	s.comments = append(s.comments, c)
	return c
}

// Comments lists the comments on owner/repo#number, oldest first.
func (s *Server) Comments(owner, repo string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Owner == owner && c.Repo == repo && c.Number == number {
			out = append(out, *c)
		}
	}
	return out
}

// Requests lists the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Fail makes the next requests that match f.Method get f's answer.
func (s *Server) Fail(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f)
}

// CommentURL is the html_url of a comment.
func CommentURL(c *Comment) string {
	return fmt.Sprintf("https://github.example/%s/%s/pull/%d#issuecomment-%d", c.Owner, c.Repo, c.Number, c.ID)
}

// middleware records the request, checks the token and answers injected
// failures.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body := string(data)
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.RequestURI(), Auth: r.Header.Get("Authorization"), Body: body})
		var failure *Failure
		for i := range s.failures {
			if f := &s.failures[i]; f.Times > 0 && (f.Method == "" || f.Method == r.Method) {
				f.Times--
				failure = f
				break
			}
		}
		s.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(body))
		if failure != nil {
			for k, vs := range failure.Header {
				for _, v := range vs {
					w.Header().Add(k, v)
				}
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(failure.Status)
			fmt.Fprint(w, failure.Body)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+s.Token {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	owner, repo, number, ok := issue(w, r)
	if !ok {
		return
	}
	perPage := min(atoiOr(r.URL.Query().Get("per_page"), 30), s.pageSize)
	page := max(atoiOr(r.URL.Query().Get("page"), 1), 1)
	all := s.Comments(owner, repo, number)
	lo, hi := min((page-1)*perPage, len(all)), min(page*perPage, len(all))
	if hi < len(all) {
		next := fmt.Sprintf("%s%s?per_page=%d&page=%d", s.URL, r.URL.Path, perPage, page+1)
		last := fmt.Sprintf("%s%s?per_page=%d&page=%d", s.URL, r.URL.Path, perPage, (len(all)+perPage-1)/perPage)
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="last"`, next, last))
	}
	out := []any{}
	for _, c := range all[lo:hi] {
		out = append(out, commentJSON(&c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	owner, repo, number, ok := issue(w, r)
	if !ok {
		return
	}
	body, ok := commentBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	c := *s.add(owner, repo, number, BotLogin, body)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, commentJSON(&c))
}

func (s *Server) edit(w http.ResponseWriter, r *http.Request) {
	body, ok := commentBody(w, r)
	if !ok {
		return
	}
	s.withComment(w, r, func(c *Comment) {
		c.Body = body
		writeJSON(w, http.StatusOK, commentJSON(c))
	})
}

func (s *Server) remove(w http.ResponseWriter, r *http.Request) {
	s.withComment(w, r, func(c *Comment) {
		s.comments = slices.DeleteFunc(s.comments, func(o *Comment) bool { return o == c })
		w.WriteHeader(http.StatusNoContent)
	})
}

// withComment runs f on the comment the path names, under the lock. Like
// an Actions token, the fake may change only the bot's own comments.
func (s *Server) withComment(w http.ResponseWriter, r *http.Request, f func(*Comment)) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.comments {
		if c.ID != id || c.Owner != r.PathValue("owner") || c.Repo != r.PathValue("repo") {
			continue
		}
		if c.Author != BotLogin {
			writeJSON(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
			return
		}
		f(c)
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

func issue(w http.ResponseWriter, r *http.Request) (owner, repo string, number int, ok bool) {
	number, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || number <= 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return "", "", 0, false
	}
	return r.PathValue("owner"), r.PathValue("repo"), number, true
}

func commentBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Invalid request: body is required"})
		return "", false
	}
	if len([]rune(*in.Body)) > 65536 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed: body is too long (maximum is 65536 characters)"})
		return "", false
	}
	return *in.Body, true
}

func commentJSON(c *Comment) map[string]any {
	return map[string]any{
		"id":       c.ID,
		"body":     c.Body,
		"html_url": CommentURL(c),
		"user":     map[string]any{"login": c.Author, "type": map[bool]string{true: "Bot", false: "User"}[c.Author == BotLogin]},
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return def
}
