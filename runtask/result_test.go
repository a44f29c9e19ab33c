package runtask

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/report"
)

func TestOutcomeIDsAreUnique(t *testing.T) {
	f := func(rule string, sev checks.Severity) report.Finding {
		return report.Finding{Finding: checks.Finding{Rule: rule, Severity: sev, Resource: "aws_network_acl.a", Status: checks.New, Message: "m"}}
	}
	outcomes, err := outcomesOf(&report.Report{}, []report.Finding{f("RP001", checks.Error), f("RP001", checks.Warning), f("RP006", checks.Warning), f("RP001", checks.Notice)})
	if err != nil {
		t.Fatal(err)
	}
	var ids, labels []string
	for _, o := range outcomes {
		ids = append(ids, o.Attributes.OutcomeID)
		labels = append(labels, o.Attributes.Tags["Severity"][0].Label+"/"+o.Attributes.Tags["Severity"][0].Level)
	}
	wantIDs := "RP001 aws_network_acl.a|RP001 aws_network_acl.a #2|RP006 aws_network_acl.a|RP001 aws_network_acl.a #3"
	if got := strings.Join(ids, "|"); got != wantIDs {
		t.Errorf("ids %s, want %s", got, wantIDs)
	}
	if got, want := strings.Join(labels, " "), "High/error Medium/warning Medium/warning Low/info"; got != want {
		t.Errorf("severity tags %s, want %s", got, want)
	}
	if _, err := outcomesOf(&report.Report{}, []report.Finding{f("RP001", 0)}); err == nil {
		t.Error("a finding without a severity was accepted")
	}
}

func TestStatusMessageIsOneLine(t *testing.T) {
	r := statusResult(statusFailed, "x\ny", "")
	if r.Data.Attributes.Message != "x; y" {
		t.Errorf("message %q", r.Data.Attributes.Message)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	req, err := decodeRequest([]byte(`{"payload_version":1,"access_token":"` + testToken + `","task_result_callback_url":"https://h/cb","plan_json_api_url":"https://h/plan","run_id":"run-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(req.AccessToken) != testToken {
		t.Fatalf("token %q", string(req.AccessToken))
	}
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "task", req, "token", req.AccessToken)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "task", req, "token", req.AccessToken)
	encoded, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fmt.Sprint(req), fmt.Sprintf("%+v %#v %s %q", req, req, req.AccessToken, req.AccessToken), logs.String(), string(encoded)} {
		if strings.Contains(out, testToken) {
			t.Errorf("the token is printed: %s", out)
		}
	}
	if !strings.Contains(logs.String(), `"run_id":"run-1"`) {
		t.Errorf("the task is not named in logs: %s", logs.String())
	}
}

func TestValidSignature(t *testing.T) {
	body := []byte(`{"a":1}`)
	good := sign("k", body)
	for header, want := range map[string]bool{
		good:                  true,
		strings.ToUpper(good): true,
		" " + good + " ":      true,
		good[:len(good)-2]:    false,
		sign("K", body):       false,
		"":                    false,
	} {
		if got := validSignature([]byte("k"), body, header); got != want {
			t.Errorf("validSignature(%q) = %v, want %v", header, got, want)
		}
	}
}

func TestClientHelpers(t *testing.T) {
	for n, want := range map[int64]string{900: "900 bytes", 1024: "1 KiB", 1536: "1.5 KiB", 256 << 20: "256 MiB", 3 << 30: "3 GiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
	for h, want := range map[string]string{"3": "3s", " 0 ": "0s", "-1": "0s", "Wed, 21 Oct 2015 07:28:00 GMT": "0s"} {
		if got := retryAfter(h).String(); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", h, got, want)
		}
	}
	for body, want := range map[string]string{
		`{"errors":[{"status":"404","title":"not found"}]}`:                     "not found",
		`{"errors":[{"title":"invalid attribute","detail":"Status is wrong"}]}`: "invalid attribute: Status is wrong",
		`{"errors":[{"detail":"a"},{"title":"b"}]}`:                             "a; b",
		`<html>`: "",
	} {
		if got := apiErrorDetail(strings.NewReader(body)); got != want {
			t.Errorf("apiErrorDetail(%s) = %q, want %q", body, got, want)
		}
	}
}

// Suppressed findings are counted in the message but are no outcomes.
func TestSuppressedFindingsAreNoOutcomes(t *testing.T) {
	suppressed := checks.Finding{Rule: "RP001", Severity: checks.Error, Resource: "aws_network_acl.a", Status: checks.New, Message: "m",
		Suppression: &checks.Suppression{Kind: checks.External, Reason: "legacy", Source: ".returnpath.hcl:3"}}
	shown := checks.Finding{Rule: "RP006", Severity: checks.Warning, Resource: "aws_network_acl.b", Status: checks.New, Message: "m"}
	r := &report.Report{
		Summary:  report.Summary{Warnings: 1, Suppressed: 1, NACLs: 2, Rules: 4},
		Findings: []report.Finding{{Finding: suppressed}, {Finding: shown}},
	}
	got, err := analysisResult(Analysis{Report: r}, "")
	if err != nil {
		t.Fatal(err)
	}
	outcomes := got.Data.Relationships.Outcomes.Data
	if len(outcomes) != 1 || outcomes[0].Attributes.OutcomeID != "RP006 aws_network_acl.b" {
		t.Errorf("outcomes %+v, want only RP006", outcomes)
	}
	if want := "0 errors, 1 warning, 1 finding suppressed — 2 NACLs (4 rules) checked"; got.Data.Attributes.Message != want {
		t.Errorf("message %q, want %q", got.Data.Attributes.Message, want)
	}
	r.Findings = r.Findings[:1]
	r.Summary = report.Summary{Suppressed: 1, NACLs: 2}
	if got, err := analysisResult(Analysis{Report: r}, ""); err != nil || got.Data.Attributes.Status != statusPassed ||
		got.Data.Attributes.Message != "no return-path problems in 2 NACLs (1 finding suppressed)" || len(got.Data.Relationships.Outcomes.Data) != 0 {
		t.Errorf("clean result %+v, %v", got.Data, err)
	}
}
