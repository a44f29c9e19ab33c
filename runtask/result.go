package runtask

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/internal/oneline"
	"github.com/returnpath-dev/returnpath/report"
)

// Analysis is what Config.Analyse found in one plan.
type Analysis struct {
	Report *report.Report
	// Failed says a finding reaches the server's --fail-on severity: the
	// task result is "failed" rather than "passed".
	Failed bool
}

// Task result statuses of the callback.
const (
	statusRunning = "running"
	statusPassed  = "passed"
	statusFailed  = "failed"
)

// taskResult is the JSON:API document PATCHed to task_result_callback_url.
type taskResult struct {
	Data taskResultData `json:"data"`
}

type taskResultData struct {
	Type          string                   `json:"type"` // "task-results"
	Attributes    taskResultAttributes     `json:"attributes"`
	Relationships *taskResultRelationships `json:"relationships,omitempty"`
}

type taskResultAttributes struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	URL     string `json:"url,omitempty"`
}

type taskResultRelationships struct {
	Outcomes outcomeList `json:"outcomes"`
}

type outcomeList struct {
	Data []outcome `json:"data"`
}

type outcome struct {
	Type       string            `json:"type"` // "task-result-outcomes"
	Attributes outcomeAttributes `json:"attributes"`
}

type outcomeAttributes struct {
	OutcomeID   string           `json:"outcome-id"`
	Description string           `json:"description"`
	Body        string           `json:"body"`
	Tags        map[string][]tag `json:"tags"`
}

// tag is a label in an outcome column; level is none, info, warning or
// error.
type tag struct {
	Label string `json:"label"`
	Level string `json:"level"`
}

// encode writes the document as the callback body. HTML characters stay as
// they are: the body is read by HCP Terraform, not embedded in a page.
func (t taskResult) encode() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		// Strings, slices and maps of strings always encode.
		panic("runtask: encoding a task result: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// statusResult is a result with a status and a message and no outcomes:
// "running" updates and tasks that could not be analysed.
func statusResult(status, message, url string) taskResult {
	return taskResult{Data: taskResultData{
		Type:       "task-results",
		Attributes: taskResultAttributes{Status: status, Message: oneline.Of(message), URL: url},
	}}
}

// analysisResult is the final result of an analysed plan: passed or failed
// by the verdict, a summary, and one outcome per finding.
func analysisResult(a Analysis, url string) (taskResult, error) {
	status := statusPassed
	if a.Failed {
		status = statusFailed
	}
	t := statusResult(status, a.Report.Verdict(), url)
	// Suppressed findings are not outcomes: like annotations, they would
	// ask for a fix the team has decided against.
	outcomes, err := outcomesOf(a.Report, a.Report.Shown())
	if err != nil {
		return taskResult{}, err
	}
	t.Data.Relationships = &taskResultRelationships{Outcomes: outcomeList{Data: outcomes}}
	return t, nil
}

// outcomesOf makes one outcome per finding. An outcome is named by its rule
// and resource; a second finding of one rule on one resource (another
// flow) gets " #2", and so on, so that every outcome-id is unique.
func outcomesOf(r *report.Report, findings []report.Finding) ([]outcome, error) {
	seen := map[string]int{}
	outcomes := make([]outcome, 0, len(findings))
	for _, f := range findings {
		sev, err := severityTag(f.Severity)
		if err != nil {
			return nil, fmt.Errorf("finding %s on %s: %v", f.Rule, f.Resource, err)
		}
		id := f.Rule + " " + string(f.Resource)
		seen[id]++
		if n := seen[id]; n > 1 {
			id += fmt.Sprintf(" #%d", n)
		}
		outcomes = append(outcomes, outcome{
			Type: "task-result-outcomes",
			Attributes: outcomeAttributes{
				OutcomeID:   id,
				Description: oneline.Of(f.Message),
				Body:        report.Markdown{}.FindingBody(f, r.WitnessTrace(f)),
				Tags:        map[string][]tag{"Severity": {sev}},
			},
		})
	}
	return outcomes, nil
}

// severityTag maps returnpath severities to the High/Medium/Low column HCP
// Terraform shows for outcomes.
func severityTag(s checks.Severity) (tag, error) {
	switch s {
	case checks.Error:
		return tag{Label: "High", Level: "error"}, nil
	case checks.Warning:
		return tag{Label: "Medium", Level: "warning"}, nil
	case checks.Notice:
		return tag{Label: "Low", Level: "info"}, nil
	}
	return tag{}, fmt.Errorf("invalid severity %d", s)
}
