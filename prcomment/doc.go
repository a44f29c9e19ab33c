// Package prcomment keeps returnpath's sticky comment on a GitHub pull
// request: it finds the earlier comment by the hidden marker the markdown
// report starts with (report.Marker and its key line), updates it in place,
// creates one only when there is none, or deletes it, and never touches
// any other comment.
//
// It owns everything that knows GitHub: the REST API client (go-github,
// with the API base exactly as GITHUB_API_URL gives it), the stale-run
// guard (a run never replaces a comment recorded by a newer run), bounded
// retries on rate limits, errors as one line without the token, and what
// GitHub Actions provides: the environment, the event payload, the job
// summary.
package prcomment
