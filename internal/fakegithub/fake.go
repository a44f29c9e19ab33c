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

// An Actions GITHUB_TOKEN is the github-actions app: GraphQL's viewer is
// ViewerLogin, REST shows its comments as BotLogin with type "Bot", and
// GET /user answers 403.
const (
	BotLogin    = "github-actions[bot]"
	ViewerLogin = "github-actions"
)

// Comment is one issue comment held by the fake.
type Comment struct {
	ID     int64
	Owner  string
	Repo   string
	Number int // the pull request
	Author string
	// AuthorType is the REST user.type: "Bot" for a login ending in
	// "[bot]", else "User".
	AuthorType string
	Body       string
}

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string // without the API prefix, with the query
	Auth   string // the Authorization header
	Body   string
}

// Failure is a canned answer to the next requests that match Method and
// Path ("" matches any).
type Failure struct {
	Method string
	// Path matches requests whose path (without the query and the REST
	// prefix) ends with it: "/comments", "/graphql".
	Path   string
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
	identity Identity
	pageSize int
	nextID   int64
	comments []*Comment // by id
	requests []Request
	failures []Failure
	rv       reviewState
}

// Identity is who the token is: Viewer is GraphQL's viewer.login, Login
// the REST author of the comments it creates. UserEndpoint says whether
// GET /user answers (an Actions token gets 403).
type Identity struct {
	Viewer       string
	Login        string
	UserEndpoint bool
}

// ActionsToken is the identity of an Actions GITHUB_TOKEN, the default.
var ActionsToken = Identity{Viewer: ViewerLogin, Login: BotLogin}

// GraphQLPath is where GraphQL answers for an API under prefix: /graphql
// next to github.com's REST paths, /api/graphql next to a GitHub
// Enterprise Server's /api/v3.
func GraphQLPath(prefix string) string {
	if base, ok := strings.CutSuffix(prefix, "/v3"); ok {
		return base + "/graphql"
	}
	return prefix + "/graphql"
}

// Start serves a fake API on 127.0.0.1 under prefix ("" for github.com's
// layout, "/api/v3" for GitHub Enterprise Server's) until the test ends.
// Lists are paged by pageSize comments. The token is an Actions token
// (ActionsToken) until SetIdentity says otherwise.
func Start(t testing.TB, token, prefix string, pageSize int) *Server {
	t.Helper()
	s := &Server{Token: token, prefix: prefix, pageSize: pageSize, nextID: 1000, identity: ActionsToken}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /user", s.user)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", s.list)
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", s.create)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", s.edit)
	mux.HandleFunc("DELETE /repos/{owner}/{repo}/issues/comments/{id}", s.remove)
	s.routeReviews(mux)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	root := http.NewServeMux()
	root.Handle("POST "+GraphQLPath(prefix), s.middleware(http.HandlerFunc(s.graphql)))
	root.Handle("/", http.StripPrefix(prefix, s.middleware(mux)))
	s.srv = httptest.NewUnstartedServer(root)
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + prefix
	return s
}

// Close stops the server: later requests fail to connect.
func (s *Server) Close() { s.srv.Close() }

// SetIdentity makes the token id: what GraphQL's viewer, GET /user and
// the comments it creates say, and whose comments it may change.
func (s *Server) SetIdentity(id Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identity = id
}

// Add puts a comment on pull request owner/repo#number, as author, and
// returns its id.
func (s *Server) Add(owner, repo string, number int, author, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(owner, repo, number, author, body).ID
}

func (s *Server) add(owner, repo string, number int, author, body string) *Comment {
	s.nextID++
	kind := "User"
	if strings.HasSuffix(author, "[bot]") {
		kind = "Bot"
	}
	c := &Comment{ID: s.nextID, Owner: owner, Repo: repo, Number: number, Author: author, AuthorType: kind, Body: body}
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
			if f := &s.failures[i]; f.Times > 0 && (f.Method == "" || f.Method == r.Method) && strings.HasSuffix(r.URL.Path, f.Path) {
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
	c := *s.add(owner, repo, number, s.identity.Login, body)
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
// an Actions token, the fake may change only its own comments.
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
		if c.Author != s.identity.Login {
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
		"user":     map[string]any{"login": c.Author, "type": c.AuthorType},
	}
}

// user is GET /user: the REST login, or 403 for an Actions token.
func (s *Server) user(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	id := s.identity
	s.mu.Unlock()
	if !id.UserEndpoint {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"login": id.Login, "type": "User"})
}

// graphql answers the one query the fake knows, the viewer's login, with
// errors in the body (and 200) for any other, as GitHub does.
func (s *Server) graphql(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Query string `json:"query"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON"})
		return
	}
	if strings.Join(strings.Fields(in.Query), " ") != "query { viewer { login } }" {
		writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]string{{"message": "the fake answers only query { viewer { login } }"}}})
		return
	}
	s.mu.Lock()
	viewer := s.identity.Viewer
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"viewer": map[string]string{"login": viewer}}})
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
