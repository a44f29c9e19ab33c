package prcomment

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-github/v84/github"
)

// ReviewMarker starts the body of returnpath's reviews.
const ReviewMarker = "<!-- returnpath-review -->"

// ReviewResult says what Review did.
type ReviewResult struct {
	Posted   int // new suggestions, in one new review
	Kept     int // earlier suggestions that are still the fix
	Outdated int // earlier suggestions whose finding is gone or whose fix changed
	// URL is the new review's web address; "" when none was posted.
	URL string
}

// maxFilePages bounds the pages of the pull request's files read (100 a
// page; GitHub lists at most 3000 files).
const maxFilePages = 30

// Hunks reads which head-side lines the pull request's diff shows.
func (c *Client) Hunks(ctx context.Context, pr PullRequest) (Hunks, error) {
	hunks := Hunks{}
	opts := &github.ListOptions{PerPage: 100}
	for pages := 0; ; pages++ {
		if pages == maxFilePages {
			return nil, fmt.Errorf("listing the files of %s: more than %d pages", pr, maxFilePages)
		}
		var files []*github.CommitFile
		var resp *github.Response
		err := c.call(ctx, "listing the files of "+pr.String(), func(ctx context.Context) (r *github.Response, err error) {
			files, r, err = c.gh.PullRequests.ListFiles(ctx, pr.Owner, pr.Repo, pr.Number, opts)
			resp = r
			return r, err
		})
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if f.GetStatus() != "removed" {
				hunks[f.GetFilename()] = append(hunks[f.GetFilename()], ParsePatch(f.GetPatch())...)
			}
		}
		if resp.NextPage == 0 {
			return hunks, nil
		}
		if resp.NextPage <= opts.Page {
			return nil, errors.New("listing the files of " + pr.String() + ": the API's next page goes backwards")
		}
		opts.Page = resp.NextPage
	}
}

// Review posts the suggestions as one review on commit sha of the pull
// request, without repeating itself: an earlier suggestion of the same
// finding with the same lines and text is kept; one whose finding is gone
// or whose fix changed is marked outdated (its suggestion block removed,
// so that it cannot be applied); only new suggestions go into a new
// review. Earlier suggestions are returnpath's (the marker) written by the
// same identity as this token: another user's comment is never touched.
func (c *Client) Review(ctx context.Context, pr PullRequest, sha string, suggestions []Suggestion) (ReviewResult, error) {
	if sha == "" {
		return ReviewResult{}, errors.New("a review needs the pull request's head commit (--sha, or the event)")
	}
	earlier, err := c.ourReviewComments(ctx, pr)
	if err != nil {
		return ReviewResult{}, err
	}
	var res ReviewResult
	wanted := map[string]Suggestion{}
	for _, s := range suggestions {
		wanted[s.Fingerprint] = s
	}
	for _, e := range earlier {
		fp, _ := suggestionFingerprint(e.GetBody())
		if s, ok := wanted[fp]; ok && s.Body == e.GetBody() && s.Path == e.GetPath() && s.Line == e.GetLine() && s.StartLine == startLine(e) {
			delete(wanted, fp)
			res.Kept++
			continue
		}
		if isOutdated(e.GetBody()) {
			continue
		}
		body := outdatedBody(fp, sha)
		err := c.call(ctx, fmt.Sprintf("marking review comment %d on %s outdated", e.GetID(), pr), func(ctx context.Context) (r *github.Response, err error) {
			_, r, err = c.gh.PullRequests.EditComment(ctx, pr.Owner, pr.Repo, e.GetID(), &github.PullRequestComment{Body: &body})
			return r, err
		})
		if err != nil {
			return ReviewResult{}, err
		}
		res.Outdated++
	}
	var comments []*github.DraftReviewComment
	for _, s := range suggestions {
		if _, new := wanted[s.Fingerprint]; !new {
			continue
		}
		dc := &github.DraftReviewComment{Path: github.Ptr(s.Path), Body: github.Ptr(s.Body), Line: github.Ptr(s.Line), Side: github.Ptr("RIGHT")}
		if s.StartLine < s.Line {
			dc.StartLine, dc.StartSide = github.Ptr(s.StartLine), github.Ptr("RIGHT")
		}
		comments = append(comments, dc)
	}
	if len(comments) == 0 {
		return res, nil
	}
	body := fmt.Sprintf("%s\nreturnpath: %d fix(es) as suggestions on the changed lines; apply them here, then re-plan.", ReviewMarker, len(comments))
	var review *github.PullRequestReview
	err = c.call(ctx, "posting a review on "+pr.String(), func(ctx context.Context) (r *github.Response, err error) {
		review, r, err = c.gh.PullRequests.CreateReview(ctx, pr.Owner, pr.Repo, pr.Number, &github.PullRequestReviewRequest{
			CommitID: github.Ptr(sha), Body: github.Ptr(body), Event: github.Ptr("COMMENT"), Comments: comments,
		})
		return r, err
	})
	if err != nil {
		return ReviewResult{}, err
	}
	res.Posted, res.URL = len(comments), review.GetHTMLURL()
	return res, nil
}

func startLine(c *github.PullRequestComment) int {
	if c.StartLine == nil {
		return c.GetLine()
	}
	return c.GetStartLine()
}

const outdatedNote = "**Outdated**"

// outdatedBody replaces a suggestion whose finding is gone or whose fix
// changed: the marker stays (so the comment is recognised), the suggestion
// block goes.
func outdatedBody(fp, sha string) string {
	return fmt.Sprintf("%sfingerprint=%s -->\n%s: as of %s this suggestion is no longer returnpath's fix (the finding is fixed, or its fix changed).\n", SuggestionMarker, fp, outdatedNote, sha)
}

func isOutdated(body string) bool {
	_, rest, _ := cutLine(body)
	return len(rest) >= len(outdatedNote) && rest[:len(outdatedNote)] == outdatedNote
}

func cutLine(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// ourReviewComments lists the pull request's review comments that are
// returnpath's suggestions written by this token's identity.
func (c *Client) ourReviewComments(ctx context.Context, pr PullRequest) ([]*github.PullRequestComment, error) {
	viewer, err := c.identity(ctx)
	if err != nil {
		return nil, err
	}
	var ours []*github.PullRequestComment
	opts := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for pages := 0; ; pages++ {
		if pages == maxFilePages {
			return nil, fmt.Errorf("listing the review comments of %s: more than %d pages", pr, maxFilePages)
		}
		var page []*github.PullRequestComment
		var resp *github.Response
		err := c.call(ctx, "listing the review comments of "+pr.String(), func(ctx context.Context) (r *github.Response, err error) {
			page, r, err = c.gh.PullRequests.ListComments(ctx, pr.Owner, pr.Repo, pr.Number, opts)
			resp = r
			return r, err
		})
		if err != nil {
			return nil, err
		}
		for _, comment := range page {
			if _, ok := suggestionFingerprint(comment.GetBody()); ok && wroteBy(comment.GetUser(), viewer) {
				ours = append(ours, comment)
			}
		}
		if resp.NextPage == 0 {
			return ours, nil
		}
		if resp.NextPage <= opts.Page {
			return nil, errors.New("listing the review comments of " + pr.String() + ": the API's next page goes backwards")
		}
		opts.Page = resp.NextPage
	}
}
