package prcomment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v84/github"
)

// explain turns an API error into one line: what was being done, the
// request, the status and GitHub's message, and what to do about it.
func (c *Client) explain(doing string, err error) error {
	var urlErr *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return c.redact(fmt.Errorf("%s: %v", doing, err))
	case errors.As(err, &urlErr):
		// Network errors: the URL error already names the request.
		return c.redact(fmt.Errorf("%s: cannot reach the GitHub API: %v", doing, err))
	}
	resp := responseOf(err)
	if resp == nil {
		return c.redact(fmt.Errorf("%s: %v", doing, err))
	}
	var message string
	var apiErr *github.ErrorResponse
	if errors.As(err, &apiErr) {
		message = apiErr.Message
		for _, e := range apiErr.Errors {
			if e.Message != "" {
				message += "; " + e.Message
			}
		}
	}
	status := resp.Status
	if status == "" {
		status = fmt.Sprint(resp.StatusCode)
	}
	line := fmt.Sprintf("%s: %s %s: %s", doing, resp.Request.Method, resp.Request.URL.Redacted(), status)
	if message != "" && !strings.Contains(status, message) {
		line += " (" + message + ")"
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		line += ": GITHUB_TOKEN is not a valid token"
	case http.StatusForbidden:
		line += ": the token may not write pull-request comments (a workflow needs permissions: pull-requests: write)"
	case http.StatusNotFound:
		line += ": no such pull request or comment, or the token cannot see the repository"
	}
	return c.redact(errors.New(line))
}

// redact replaces the token wherever an error might show it.
func (c *Client) redact(err error) error {
	if c.token == "" || !strings.Contains(err.Error(), c.token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), c.token, "[GITHUB_TOKEN]"))
}
