package runtask

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// SignatureHeader carries the hex HMAC-SHA512 of the request body, keyed
// with the run task's HMAC key.
const SignatureHeader = "X-TFC-Task-Signature"

// verificationToken is the access token of the request HCP Terraform sends
// when a run task is created or edited, to check that the URL answers.
const verificationToken = "test-token"

// isPrePlan reports whether stage comes before a plan exists (older
// Terraform Enterprise releases wrote stages with a hyphen).
func isPrePlan(stage string) bool { return stage == "pre_plan" || stage == "pre-plan" }

// Request is the body of a run task request (payload_version 1). Only the
// fields returnpath uses or logs are read; others are ignored.
type Request struct {
	PayloadVersion        int    `json:"payload_version"`
	AccessToken           secret `json:"access_token"`
	Stage                 string `json:"stage"`
	IsSpeculative         bool   `json:"is_speculative"`
	TaskResultID          string `json:"task_result_id"`
	TaskResultCallbackURL string `json:"task_result_callback_url"`
	RunID                 string `json:"run_id"`
	WorkspaceID           string `json:"workspace_id"`
	WorkspaceName         string `json:"workspace_name"`
	OrganizationName      string `json:"organization_name"`
	PlanJSONAPIURL        string `json:"plan_json_api_url"`
}

// LogValue names the task in logs, without its access token.
func (r Request) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("run_id", r.RunID),
		slog.String("task_result_id", r.TaskResultID),
		slog.String("organization", r.OrganizationName),
		slog.String("workspace", r.WorkspaceName),
		slog.String("stage", r.Stage),
		slog.Bool("speculative", r.IsSpeculative),
	)
}

// isVerification reports whether this is HCP Terraform checking the
// endpoint: answer 200 and do nothing else.
func (r Request) isVerification() bool { return string(r.AccessToken) == verificationToken }

// hasPlan reports whether the task was sent at a stage with a plan.
func (r Request) hasPlan() bool { return !isPrePlan(r.Stage) || r.PlanJSONAPIURL != "" }

// decodeRequest reads a request body. A verification request is returned
// as soon as it is recognised; any other request must have the fields a
// task needs.
func decodeRequest(body []byte) (Request, error) {
	var r Request
	if err := json.Unmarshal(body, &r); err != nil {
		return Request{}, fmt.Errorf("the request body is not a run task request: %v", jsonProblem(err))
	}
	if r.isVerification() {
		return r, nil
	}
	var problems []string
	switch r.PayloadVersion {
	case 1:
	case 0:
		problems = append(problems, "payload_version is missing")
	default:
		problems = append(problems, fmt.Sprintf("payload_version %d is not supported (returnpath reads version 1)", r.PayloadVersion))
	}
	if r.AccessToken == "" {
		problems = append(problems, "access_token is missing")
	}
	if err := checkURL(r.TaskResultCallbackURL); err != nil {
		problems = append(problems, "task_result_callback_url "+err.Error())
	}
	if r.hasPlan() {
		if err := checkURL(r.PlanJSONAPIURL); err != nil {
			problems = append(problems, "plan_json_api_url "+err.Error())
		}
	}
	if len(problems) > 0 {
		return Request{}, errors.New(strings.Join(problems, "; "))
	}
	return r, nil
}

// checkURL accepts absolute http and https URLs, the only kind the task
// may call.
func checkURL(s string) error {
	if s == "" {
		return errors.New("is missing")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("is not an http(s) URL")
	}
	return nil
}

// jsonProblem describes a decoding error without quoting the body, which
// may hold the access token.
func jsonProblem(err error) string {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typeErr):
		if typeErr.Field != "" {
			return fmt.Sprintf("%s is a JSON %s, want %s", typeErr.Field, typeErr.Value, typeErr.Type)
		}
		return fmt.Sprintf("the body is a JSON %s, want an object", typeErr.Value)
	}
	return "invalid JSON"
}

// validSignature checks X-TFC-Task-Signature: the hex HMAC-SHA512 of body
// keyed with key, compared in constant time.
func validSignature(key, body []byte, header string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(header))
	if err != nil || len(got) != sha512.Size {
		return false
	}
	mac := hmac.New(sha512.New, key)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// secret is a credential: it prints, logs and encodes as "REDACTED", so
// that no format verb, log call or JSON encoding can leak it. Decoding
// reads it as a plain string.
type secret string

func (secret) String() string               { return "REDACTED" }
func (secret) GoString() string             { return `"REDACTED"` }
func (secret) LogValue() slog.Value         { return slog.StringValue("REDACTED") }
func (secret) MarshalText() ([]byte, error) { return []byte("REDACTED"), nil }
