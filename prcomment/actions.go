package prcomment

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Flags are what the command line says about the target; zero values
// take their defaults from the GitHub Actions environment.
type Flags struct {
	Repo string // OWNER/NAME; "" means GITHUB_REPOSITORY
	PR   int    // 0 means the pull request of the event at GITHUB_EVENT_PATH
	SHA  string // "" means the event's pull-request head, else GITHUB_SHA
}

// Target is the pull request to comment on and the run that comments.
type Target struct {
	PullRequest PullRequest
	HeadSHA     string // "" when unknown
	RunID       int64  // GITHUB_RUN_ID; 0 outside Actions
	// RunURL is the workflow run's page
	// (GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID); ""
	// outside Actions.
	RunURL string
}

// Resolve completes flags from the environment (getenv) the way GitHub
// Actions sets it. Its errors are one line naming the flag or variable.
func Resolve(flags Flags, getenv func(string) string) (Target, error) {
	var t Target
	repo := flags.Repo
	if repo == "" {
		repo = getenv("GITHUB_REPOSITORY")
	}
	if repo == "" {
		return t, fmt.Errorf("missing --repo OWNER/NAME (GITHUB_REPOSITORY is not set)")
	}
	owner, name, err := ParseRepo(repo)
	if err != nil {
		return t, fmt.Errorf("--repo: %v", err)
	}
	if flags.PR < 0 {
		return t, fmt.Errorf("--pr %d is not a pull request number", flags.PR)
	}
	if flags.SHA != "" {
		if err := ValidateSHA(flags.SHA); err != nil {
			return t, fmt.Errorf("--sha: %v", err)
		}
	}
	var event Event
	eventPath := getenv("GITHUB_EVENT_PATH")
	if eventPath != "" && (flags.PR == 0 || flags.SHA == "") {
		if event, err = ReadEvent(eventPath); err != nil {
			return t, err
		}
	}
	t.PullRequest = PullRequest{Owner: owner, Repo: name, Number: flags.PR}
	switch {
	case flags.PR != 0:
	case event.PullRequest != 0:
		t.PullRequest.Number = event.PullRequest
	case eventPath != "":
		eventName := getenv("GITHUB_EVENT_NAME")
		if eventName == "" {
			eventName = "unknown"
		}
		return t, fmt.Errorf("missing --pr NUMBER (the %s event at GITHUB_EVENT_PATH is not about a pull request)", eventName)
	default:
		return t, fmt.Errorf("missing --pr NUMBER (GITHUB_EVENT_PATH is not set)")
	}

	t.HeadSHA = flags.SHA
	for _, sha := range []struct{ from, value string }{
		{"the event at GITHUB_EVENT_PATH", event.HeadSHA},
		{"GITHUB_SHA", getenv("GITHUB_SHA")},
	} {
		if t.HeadSHA != "" || sha.value == "" {
			continue
		}
		if err := ValidateSHA(sha.value); err != nil {
			return t, fmt.Errorf("%s: %v", sha.from, err)
		}
		t.HeadSHA = sha.value
	}
	if id := getenv("GITHUB_RUN_ID"); id != "" {
		if t.RunID, err = strconv.ParseInt(id, 10, 64); err != nil || t.RunID <= 0 {
			return t, fmt.Errorf("GITHUB_RUN_ID %q is not a run id", id)
		}
		server, runRepo := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY")
		if server != "" && runRepo != "" {
			t.RunURL = strings.TrimSuffix(server, "/") + "/" + runRepo + "/actions/runs/" + id
		}
	}
	return t, nil
}

// MaxStepSummaryBytes is GitHub's limit on one step's job summary.
const MaxStepSummaryBytes = 1 << 20

// AppendStepSummary appends markdown to the job summary at
// GITHUB_STEP_SUMMARY, when that is set; it reports whether it wrote.
func AppendStepSummary(getenv func(string) string, markdown string) (bool, error) {
	path := getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return false, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return false, fmt.Errorf("GITHUB_STEP_SUMMARY: %v", err)
	}
	_, err = io.WriteString(f, markdown)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return false, fmt.Errorf("GITHUB_STEP_SUMMARY %s: %v", path, err)
	}
	return true, nil
}
