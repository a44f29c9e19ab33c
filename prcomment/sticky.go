package prcomment

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v84/github"
)

// PullRequest names a pull request.
type PullRequest struct {
	Owner, Repo string
	Number      int
}

func (pr PullRequest) String() string { return fmt.Sprintf("%s/%s#%d", pr.Owner, pr.Repo, pr.Number) }

// ParseRepo reads "OWNER/NAME".
func ParseRepo(s string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || owner == "" || name == "" || strings.ContainsAny(name, "/ ") || strings.ContainsAny(owner, " ") {
		return "", "", fmt.Errorf("repository %q is not OWNER/NAME", s)
	}
	return owner, name, nil
}

// Action is what happened to the sticky comment.
type Action uint8

// Actions; the zero value is invalid.
const (
	Created   Action = iota + 1 // there was none: a new comment
	Updated                     // the earlier comment now has the new body
	Unchanged                   // the earlier comment already had this body
	Deleted                     // the earlier comment was removed
	NoComment                   // nothing to delete
	KeptNewer                   // a newer run has reported: its comment was left as is
)

func (a Action) String() string {
	switch a {
	case Created:
		return "created"
	case Updated:
		return "updated"
	case Unchanged:
		return "unchanged"
	case Deleted:
		return "deleted"
	case NoComment:
		return "no comment"
	case KeptNewer:
		return "kept newer"
	}
	return "invalid-action"
}

// Result says what Publish or Withdraw did.
type Result struct {
	Action Action
	// URL is the comment's web address; "" for NoComment.
	URL string
	// NewerRunID is the run that wrote the comment kept by KeptNewer.
	NewerRunID int64
}

// Publish makes body the pull request's sticky comment: the earlier
// comment with the same marker and key is updated in place, or a comment
// is created when there is none. body must start with the hidden lines of
// CommentMeta.Header; its run id is what the stale-run guard compares.
func (c *Client) Publish(ctx context.Context, pr PullRequest, body string) (Result, error) {
	meta, ok := ParseCommentMeta(body)
	if !ok {
		return Result{}, fmt.Errorf("the comment body does not start with %s", Marker)
	}
	ours, err := c.find(ctx, pr, meta.Key)
	if err != nil {
		return Result{}, err
	}
	if kept, newer := newerRun(ours, meta.RunID); newer {
		return kept, nil
	}
	if len(ours) == 0 {
		var created *github.IssueComment
		err := c.call(ctx, "creating a comment on "+pr.String(), func(ctx context.Context) (resp *github.Response, err error) {
			created, resp, err = c.gh.Issues.CreateComment(ctx, pr.Owner, pr.Repo, pr.Number, &github.IssueComment{Body: &body})
			return resp, err
		})
		if err != nil {
			return Result{}, err
		}
		return Result{Action: Created, URL: created.GetHTMLURL()}, nil
	}
	earlier := ours[0].comment
	if earlier.GetBody() == body {
		return Result{Action: Unchanged, URL: earlier.GetHTMLURL()}, nil
	}
	var edited *github.IssueComment
	err = c.call(ctx, fmt.Sprintf("updating comment %d on %s", earlier.GetID(), pr), func(ctx context.Context) (resp *github.Response, err error) {
		edited, resp, err = c.gh.Issues.EditComment(ctx, pr.Owner, pr.Repo, earlier.GetID(), &github.IssueComment{Body: &body})
		return resp, err
	})
	if err != nil {
		return Result{}, err
	}
	return Result{Action: Updated, URL: edited.GetHTMLURL()}, nil
}

// Withdraw deletes the sticky comment with meta's key, unless a newer run
// than meta's wrote it.
func (c *Client) Withdraw(ctx context.Context, pr PullRequest, meta CommentMeta) (Result, error) {
	ours, err := c.find(ctx, pr, meta.Key)
	if err != nil {
		return Result{}, err
	}
	if len(ours) == 0 {
		return Result{Action: NoComment}, nil
	}
	if kept, newer := newerRun(ours, meta.RunID); newer {
		return kept, nil
	}
	earlier := ours[0].comment
	err = c.call(ctx, fmt.Sprintf("deleting comment %d on %s", earlier.GetID(), pr), func(ctx context.Context) (*github.Response, error) {
		return c.gh.Issues.DeleteComment(ctx, pr.Owner, pr.Repo, earlier.GetID())
	})
	if err != nil {
		return Result{}, err
	}
	return Result{Action: Deleted, URL: earlier.GetHTMLURL()}, nil
}

// sticky is one of returnpath's comments and what it records.
type sticky struct {
	comment *github.IssueComment
	meta    CommentMeta
}

// maxCommentPages bounds the listing of a pull request's comments: 100
// pages of 100, 10,000 comments. A pull request with more (or an API whose
// rel="next" never ends) is an error rather than a second sticky comment.
const maxCommentPages = 100

// find lists every comment of the pull request (all pages, at most
// maxCommentPages) and keeps returnpath's with this key, oldest first:
// those that start with the marker and were written by the token's own
// identity (see identity.go). Anybody else's comment counts for nothing.
func (c *Client) find(ctx context.Context, pr PullRequest, key string) ([]sticky, error) {
	viewer, err := c.identity(ctx)
	if err != nil {
		return nil, err
	}
	var ours []sticky
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for pages := 1; ; pages++ {
		var page []*github.IssueComment
		var resp *github.Response
		err := c.call(ctx, "listing the comments of "+pr.String(), func(ctx context.Context) (r *github.Response, err error) {
			page, r, err = c.gh.Issues.ListComments(ctx, pr.Owner, pr.Repo, pr.Number, opts)
			resp = r
			return r, err
		})
		if err != nil {
			return nil, err
		}
		for _, comment := range page {
			if !wroteBy(comment.GetUser(), viewer) {
				continue
			}
			if meta, ok := ParseCommentMeta(comment.GetBody()); ok && meta.Key == key {
				ours = append(ours, sticky{comment, meta})
			}
		}
		if resp.NextPage == 0 {
			return ours, nil
		}
		if resp.NextPage <= opts.Page {
			return nil, errors.New("listing the comments of " + pr.String() + ": the API's next page goes backwards")
		}
		if pages == maxCommentPages {
			return nil, fmt.Errorf("listing the comments of %s: stopped after %d pages of %d comments", pr, maxCommentPages, opts.PerPage)
		}
		opts.Page = resp.NextPage
	}
}

// newerRun is the stale-run guard: when one of our comments records a run
// newer than runID, that comment stays as it is.
func newerRun(ours []sticky, runID int64) (Result, bool) {
	var newest *sticky
	for i := range ours {
		if ours[i].meta.RunID > runID && (newest == nil || ours[i].meta.RunID > newest.meta.RunID) {
			newest = &ours[i]
		}
	}
	if newest == nil {
		return Result{}, false
	}
	return Result{Action: KeptNewer, URL: newest.comment.GetHTMLURL(), NewerRunID: newest.meta.RunID}, true
}
