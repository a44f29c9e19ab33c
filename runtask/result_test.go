package runtask

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/report"
)

func TestOutcomeIDsAreUnique(t *testing.T) {
	f := func(rule string, sev checks.Severity) report.Finding {
		return report.Finding{Finding: checks.Finding{Rule: rule, Severity: sev, Resource: "aws_network_acl.a", Status: checks.New, Message: "m"}}
	}
	outcomes, err := outcomesOf([]report.Finding{f("RP001", checks.Error), f("RP001", checks.Warning), f("RP006", checks.Warning), f("RP001", checks.Notice)})
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
	if _, err := outcomesOf([]report.Finding{f("RP001", 0)}); err == nil {
		t.Error("a finding without a severity was accepted")
	}
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		summary  report.Summary
		findings int
		want     string
	}{
		{report.Summary{NACLs: 3}, 0, "no return-path problems in 3 NACLs"},
		{report.Summary{NACLs: 1}, 0, "no return-path problems in 1 NACL"},
		{report.Summary{Errors: 1, NACLs: 1, Rules: 1}, 1, "1 error, 0 warnings — 1 NACL (1 rule) checked"},
		{report.Summary{Warnings: 2, Notices: 1, NACLs: 2, Rules: 9}, 3, "0 errors, 2 warnings, 1 notice — 2 NACLs (9 rules) checked"},
	} {
		r := &report.Report{Summary: tc.summary, Findings: make([]report.Finding, tc.findings)}
		if got := summary(r); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.summary, got, tc.want)
		}
	}
}

func TestOutcomeBodyWithoutFlow(t *testing.T) {
	f := checks.Finding{
		Rule: "RP008", Severity: checks.Warning, Resource: `aws_network_acl_rule.legacy["a*b"]`, Status: checks.Existing,
		Message: "network_acl_id comes from a data source: the rule cannot be linked to a NACL",
	}
	var rp008 *checks.Check
	for _, c := range checks.All() {
		if c.ID == "RP008" {
			rp008 = c
		}
	}
	body := outcomeBody(report.Finding{Finding: f}, rp008)
	for _, want := range []string{
		"**warning RP008** on `aws_network_acl_rule.legacy[\"a*b\"]` (already broken today)",
		`network\_acl\_id comes from a data source`,
		"**About RP008:** The plan holds",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	for _, unwanted := range []string{"**Fix:**", "**Subnets:**", "Dropped reply"} {
		if strings.Contains(body, unwanted) {
			t.Errorf("body has %q:\n%s", unwanted, body)
		}
	}
}

func TestOutcomeBodyWithDeny(t *testing.T) {
	f := checks.Finding{
		Rule: "RP002", Severity: checks.Warning, Resource: "aws_network_acl.private", Status: checks.New, Message: "m",
		Flow: &checks.Flow{
			Direction: plan.Egress, Family: plan.IPv6, Protocol: plan.ProtocolUDP,
			PeerCIDR: netip.MustParsePrefix("::/0"), ServicePorts: plan.PortRange{Lo: 53, Hi: 53},
			ClientPorts:  plan.PortRange{Lo: 1024, Hi: 65535},
			MissingPorts: []plan.PortRange{{Lo: 1024, Hi: 32767}, {Lo: 61000, Hi: 65535}},
			BlockingRule: &checks.RuleRef{Address: "aws_network_acl_rule.deny", Number: 90},
			Witness:      checks.Packet{Protocol: plan.ProtocolUDP, Dst: netip.MustParseAddrPort("[2001:db8::7]:1024")},
			FailingShare: 0.004,
		},
	}
	body := outcomeBody(report.Finding{Finding: f}, nil)
	for _, want := range []string{
		"**Missing:** udp 1024-32767, 61000-65535, dropped by `aws_network_acl_rule.deny` rule 90",
		"**Dropped reply, e.g.:** the reply to `[2001:db8::7]:1024`; <1% of Linux clients fail",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "About") || strings.Contains(body, "**Fix:**") {
		t.Errorf("body without a check or a suggestion:\n%s", body)
	}
}

func TestMarkdownHelpers(t *testing.T) {
	for in, want := range map[string]string{
		`aws_subnet.x`:          "`aws_subnet.x`",
		"aws_subnet.x[\"a`b\"]": "``aws_subnet.x[\"a`b\"]``",
		"`edge":                 "`` `edge ``",
		"a``b":                  "```a``b```",
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := codeBlock("hcl", "a\n```\nb\n"), "````hcl\na\n```\nb\n````"; got != want {
		t.Errorf("codeBlock: %q, want %q", got, want)
	}
	if got, want := escapeMarkdown(`a_b *c* [d](e) <f> g|h \`), `a\_b \*c\* \[d\](e) \<f\> g\|h \\`; got != want {
		t.Errorf("escapeMarkdown: %q, want %q", got, want)
	}
	for share, want := range map[float64]string{0: "0%", 0.004: "<1%", 0.5: "50%", 0.996: ">99%", 1: "100%"} {
		if got := percent(share); got != want {
			t.Errorf("percent(%v) = %q, want %q", share, got, want)
		}
	}
}

func TestOneLine(t *testing.T) {
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
	if got := summary(r); got != "no return-path problems in 2 NACLs (1 finding suppressed)" {
		t.Errorf("clean summary %q", got)
	}
}
