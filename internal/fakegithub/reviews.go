package fakegithub

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// File is one file of a pull request's diff, as the files API lists it.
type File struct {
	Filename string
	Status   string // added, modified, removed
	Patch    string
}

// ReviewComment is one comment on a line of a pull request's diff.
type ReviewComment struct {
	ID        int64
	Owner     string
	Repo      string
	Number    int
	Author    string
	Path      string
	StartLine int // 0 for a one-line comment
	Line      int
	Body      string
}

// Review is one submitted review; Payload is the request body that made
// it, as received.
type Review struct {
	ID       int64
	Number   int
	Author   string
	CommitID string
	Body     string
	Event    string
	Payload  string
}

// reviewState is what the fake holds about reviews, under Server.mu.
type reviewState struct {
	files    map[string][]File // owner/repo#number
	comments []*ReviewComment
	reviews  []*Review
}

func prKey(owner, repo string, number int) string {
	return fmt.Sprintf("%s/%s#%d", owner, repo, number)
}

// routeReviews adds the pull-request review endpoints.
func (s *Server) routeReviews(mux *http.ServeMux) {
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/files", s.listFiles)
	mux.HandleFunc("GET /repos/{owner}/{repo}/pulls/{number}/comments", s.listReviewComments)
	mux.HandleFunc("POST /repos/{owner}/{repo}/pulls/{number}/reviews", s.createReview)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/pulls/comments/{id}", s.editReviewComment)
}

// SetFiles sets the diff of pull request owner/repo#number.
func (s *Server) SetFiles(owner, repo string, number int, files ...File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rv.files == nil {
		s.rv.files = map[string][]File{}
	}
	s.rv.files[prKey(owner, repo, number)] = files
}

// AddReviewComment puts a one-line review comment on the pull request, as
// author, and returns its id.
func (s *Server) AddReviewComment(owner, repo string, number int, author, path string, line int, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.rv.comments = append(s.rv.comments, &ReviewComment{ID: s.nextID, Owner: owner, Repo: repo, Number: number, Author: author, Path: path, Line: line, Body: body})
	return s.nextID
}

// ReviewComments lists the review comments on owner/repo#number, oldest
// first.
func (s *Server) ReviewComments(owner, repo string, number int) []ReviewComment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ReviewComment
	for _, c := range s.rv.comments {
		if c.Owner == owner && c.Repo == repo && c.Number == number {
			out = append(out, *c)
		}
	}
	return out
}

// Reviews lists the reviews submitted so far, oldest first.
func (s *Server) Reviews() []Review {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Review
	for _, r := range s.rv.reviews {
		out = append(out, *r)
	}
	return out
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	owner, repo, number, ok := issue(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	files := s.rv.files[prKey(owner, repo, number)]
	s.mu.Unlock()
	out := []any{}
	for _, f := range files {
		out = append(out, map[string]any{"filename": f.Filename, "status": f.Status, "patch": f.Patch})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listReviewComments(w http.ResponseWriter, r *http.Request) {
	owner, repo, number, ok := issue(w, r)
	if !ok {
		return
	}
	perPage := min(atoiOr(r.URL.Query().Get("per_page"), 30), s.pageSize)
	page := max(atoiOr(r.URL.Query().Get("page"), 1), 1)
	all := s.ReviewComments(owner, repo, number)
	lo, hi := min((page-1)*perPage, len(all)), min(page*perPage, len(all))
	if hi < len(all) {
		next := fmt.Sprintf("%s%s?per_page=%d&page=%d", s.URL, r.URL.Path, perPage, page+1)
		w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next))
	}
	out := []any{}
	for _, c := range all[lo:hi] {
		out = append(out, reviewCommentJSON(&c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createReview(w http.ResponseWriter, r *http.Request) {
	owner, repo, number, ok := issue(w, r)
	if !ok {
		return
	}
	var in struct {
		CommitID string `json:"commit_id"`
		Body     string `json:"body"`
		Event    string `json:"event"`
		Comments []struct {
			Path      string `json:"path"`
			Body      string `json:"body"`
			Line      int    `json:"line"`
			Side      string `json:"side"`
			StartLine int    `json:"start_line"`
			StartSide string `json:"start_side"`
		} `json:"comments"`
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	body := string(data)
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Problems parsing JSON"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	files := s.rv.files[prKey(owner, repo, number)]
	for _, c := range in.Comments {
		start := c.StartLine
		if start == 0 {
			start = c.Line
		}
		if c.Side != "RIGHT" || (c.StartLine != 0 && c.StartSide != "RIGHT") || !inDiff(files, c.Path, start, c.Line) {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
				"message": "Unprocessable Entity",
				"errors":  []string{"Pull request review thread line must be part of the diff"},
			})
			return
		}
	}
	if in.Event != "COMMENT" || in.CommitID == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed"})
		return
	}
	s.nextID++
	rv := &Review{ID: s.nextID, Number: number, Author: s.identity.Login, CommitID: in.CommitID, Body: in.Body, Event: in.Event, Payload: body}
	s.rv.reviews = append(s.rv.reviews, rv)
	for _, c := range in.Comments {
		s.nextID++
		s.rv.comments = append(s.rv.comments, &ReviewComment{ID: s.nextID, Owner: owner, Repo: repo, Number: number, Author: s.identity.Login, Path: c.Path, StartLine: c.StartLine, Line: c.Line, Body: c.Body})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": rv.ID, "body": rv.Body, "state": "COMMENTED", "commit_id": rv.CommitID,
		"html_url": fmt.Sprintf("https://github.example/%s/%s/pull/%d#pullrequestreview-%d", owner, repo, number, rv.ID),
	})
}

func (s *Server) editReviewComment(w http.ResponseWriter, r *http.Request) {
	body, ok := commentBody(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.rv.comments {
		if c.ID != id || c.Owner != r.PathValue("owner") || c.Repo != r.PathValue("repo") {
			continue
		}
		if c.Author != s.identity.Login {
			writeJSON(w, http.StatusForbidden, map[string]string{"message": "Resource not accessible by integration"})
			return
		}
		c.Body = body
		writeJSON(w, http.StatusOK, reviewCommentJSON(c))
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
}

var fakeHunkHeader = regexp.MustCompile(`^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@`)

// inDiff reports whether lines from to to of path lie in one hunk of the
// pull request's diff, on the head side.
func inDiff(files []File, path string, from, to int) bool {
	for _, f := range files {
		if f.Filename != path {
			continue
		}
		for _, line := range strings.Split(f.Patch, "\n") {
			m := fakeHunkHeader.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			start, _ := strconv.Atoi(m[1])
			count := 1
			if m[2] != "" {
				count, _ = strconv.Atoi(m[2])
			}
			if start <= from && to <= start+count-1 {
				return true
			}
		}
	}
	return false
}

func reviewCommentJSON(c *ReviewComment) map[string]any {
	out := map[string]any{
		"id":       c.ID,
		"body":     c.Body,
		"path":     c.Path,
		"line":     c.Line,
		"side":     "RIGHT",
		"html_url": fmt.Sprintf("https://github.example/%s/%s/pull/%d#discussion_r%d", c.Owner, c.Repo, c.Number, c.ID),
		"user":     map[string]any{"login": c.Author, "type": map[bool]string{true: "Bot", false: "User"}[strings.HasSuffix(c.Author, "[bot]")]},
	}
	if c.StartLine != 0 {
		out["start_line"] = c.StartLine
		out["start_side"] = "RIGHT"
	}
	return out
}
