// Package prcomment keeps returnpath's sticky comment on a GitHub pull
// request: it finds the earlier comment by the hidden lines its body starts
// with and by its author, the token's own identity (GraphQL viewer; see
// identity.go), updates it in place, creates one only when there is none,
// or deletes it, and never touches any other comment.
//
// It owns the sticky-comment protocol: Marker and the key and run lines of
// CommentMeta, which CommentMeta.Header writes (report.Markdown puts them
// first in the body) and ParseCommentMeta reads back.
//
// It owns everything that knows GitHub: the REST API client (go-github,
// with the API base exactly as GITHUB_API_URL gives it), the stale-run
// guard (a run never replaces a comment recorded by a newer run), bounded
// retries on rate limits, errors as one line without the token, and what
// GitHub Actions provides: the environment, the event payload, the job
// summary.
package prcomment
