package prcomment

import (
	"encoding/json"
	"fmt"
	"os"
)

// Event is what returnpath reads from a GitHub Actions event payload
// (GITHUB_EVENT_PATH).
type Event struct {
	// PullRequest is the number of the pull request the event is about; 0
	// for events about none (push, schedule, …).
	PullRequest int
	// HeadSHA is the pull request's head commit; "" when the event does
	// not say (GITHUB_SHA is then the commit to record).
	HeadSHA string
}

// ReadEvent reads the event payload at path: pull_request and
// pull_request_target events (pull_request.number and head.sha), and
// issue_comment events on a pull request (issue.number).
func ReadEvent(path string) (Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Event{}, fmt.Errorf("GITHUB_EVENT_PATH: %v", err)
	}
	var payload struct {
		PullRequest *struct {
			Number int `json:"number"`
			Head   struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
		Issue *struct {
			Number      int             `json:"number"`
			PullRequest json.RawMessage `json:"pull_request"`
		} `json:"issue"`
	}
	if err := json.Unmarshal(data, &payload); err != nil {
		return Event{}, fmt.Errorf("GITHUB_EVENT_PATH %s: not an event payload: %v", path, err)
	}
	switch {
	case payload.PullRequest != nil:
		return Event{PullRequest: payload.PullRequest.Number, HeadSHA: payload.PullRequest.Head.SHA}, nil
	case payload.Issue != nil && len(payload.Issue.PullRequest) > 0 && string(payload.Issue.PullRequest) != "null":
		return Event{PullRequest: payload.Issue.Number}, nil
	}
	return Event{}, nil
}
