package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

func TestGitHub(t *testing.T) {
	r := located(t)
	got := format(t, GitHub{}, r)
	want := `::error file=infra/main.tf,line=4,title=RP001 aws_network_acl.public::inbound tcp/443 from 0.0.0.0/0 is allowed (ingress rule 100), but replies are dropped: egress to 0.0.0.0/0 misses tcp 1024-65535 (implicit deny)%0Ae.g. 10.0.1.10:443 → 203.0.113.7:49731 dropped; 100%25 of Linux clients fail%0Afix:%0Aresource "aws_network_acl_rule" "public_egress_ephemeral" {%0A  network_acl_id = aws_network_acl.public.id%0A  rule_number    = 110%0A  egress         = true%0A  protocol       = "tcp"%0A  rule_action    = "allow"%0A  cidr_block     = "0.0.0.0/0"%0A  from_port      = 1024%0A  to_port        = 65535%0A}
::warning file=infra/main.tf,line=3,title=RP006 aws_network_acl.public::inline ingress blocks and aws_network_acl_rule.extra both manage this NACL
::warning file=infra/main.tf,line=11,title=RP008 aws_network_acl_rule.legacy::network_acl_id comes from a data source: the rule cannot be linked to a NACL (already so before this plan)
1 error, 2 warnings — 3 NACLs (14 rules) checked · terraform 1.11.4, 42 resources
`
	if got != want {
		t.Errorf("github:\n%s\nwant:\n%s", got, want)
	}
}

func TestGitHubEscaping(t *testing.T) {
	m, _ := sample()
	f := checks.Finding{
		Rule: "RP006", Severity: checks.Notice, Resource: `aws_network_acl.this["a,b:c%d"]`, Status: checks.New,
		Message: "50% of\r\nrules: a, b",
	}
	r := New(m, []checks.Finding{f}, "plan.json", "test")
	r.Findings[0].Location = source.Location{File: "dir,x/a:b%.tf", Line: 7}
	got := strings.SplitN(format(t, GitHub{}, r), "\n", 2)[0]
	want := `::notice file=dir%2Cx/a%3Ab%25.tf,line=7,title=RP006 aws_network_acl.this["a%2Cb%3Ac%25d"]::50%25 of%0D%0Arules: a, b`
	if got != want {
		t.Errorf("escaped command:\n%s\nwant:\n%s", got, want)
	}
}

func TestGitHubWithoutLocation(t *testing.T) {
	m, findings := sample()
	got := format(t, GitHub{}, New(m, findings[:1], "plan.json", "test"))
	if !strings.HasPrefix(got, "::warning title=RP008 aws_network_acl_rule.legacy::network_acl_id") {
		t.Errorf("without a location:\n%s", got)
	}
}

func TestGitHubSuppressed(t *testing.T) {
	m, findings := sample()
	findings[2].Suppression = &checks.Suppression{Kind: checks.External, Reason: "accepted risk"}
	got := format(t, GitHub{}, New(m, findings, "plan.json", "test"))
	if strings.Contains(got, "RP001") || strings.Count(got, "::warning ") != 2 {
		t.Errorf("a suppressed finding is annotated:\n%s", got)
	}
}

func TestGitHubClean(t *testing.T) {
	m, _ := sample()
	if got := format(t, GitHub{}, New(m, nil, "plan.json", "test")); got != "no return-path problems in 3 NACLs\n" {
		t.Errorf("clean: %q", got)
	}
	// The summary line carries the plan's terraform_version: it must not
	// be able to start a workflow command of its own.
	m.Info.TerraformVersion = "1.11\n::add-mask::x"
	_, findings := sample()
	got := format(t, GitHub{}, New(m, findings, "plan.json", "test"))
	if strings.Contains(got, "\n::add-mask") {
		t.Errorf("injected command:\n%s", got)
	}
}

// TestGitHubCap: at most MaxPerSeverity commands of each severity, errors
// first and new breakages before existing ones, then one plain line that
// counts what was left out; 0 writes them all.
func TestGitHubCap(t *testing.T) {
	m, _ := sample()
	var findings []checks.Finding
	add := func(n int, rule string, sev checks.Severity, status checks.Status) {
		for i := range n {
			findings = append(findings, checks.Finding{
				Rule: rule, Severity: sev, Status: status,
				Resource: plan.Address(fmt.Sprintf("aws_network_acl.%s_%s_%02d", rule, status, i)),
				Message:  rule + " " + status.String(),
			})
		}
	}
	add(4, "RP001", checks.Error, checks.New)
	add(9, "RP002", checks.Error, checks.Existing) // addresses sort before the new ones
	add(3, "RP006", checks.Warning, checks.New)
	add(14, "RP007", checks.Notice, checks.New)
	findings[0].Suppression = &checks.Suppression{Kind: checks.InSource, Reason: "ok"} // never counted
	r := New(m, findings, "plan.json", "test")

	lines := strings.Split(strings.TrimSuffix(format(t, GitHub{MaxPerSeverity: 5}, r), "\n"), "\n")
	var commands []string
	for _, l := range lines {
		if strings.HasPrefix(l, "::") {
			commands = append(commands, l[:strings.Index(l[2:], "::")+2])
		}
	}
	want := []string{}
	for i := 1; i < 4; i++ { // RP001 new errors first, the suppressed one left out
		want = append(want, fmt.Sprintf("::error title=RP001 aws_network_acl.RP001_new_%02d", i))
	}
	for i := range 2 {
		want = append(want, fmt.Sprintf("::error title=RP002 aws_network_acl.RP002_existing_%02d", i))
	}
	for i := range 3 {
		want = append(want, fmt.Sprintf("::warning title=RP006 aws_network_acl.RP006_new_%02d", i))
	}
	for i := range 5 {
		want = append(want, fmt.Sprintf("::notice title=RP007 aws_network_acl.RP007_new_%02d", i))
	}
	if !slices.Equal(commands, want) {
		t.Errorf("commands:\n%s\nwant:\n%s", strings.Join(commands, "\n"), strings.Join(want, "\n"))
	}
	rest := lines[len(commands):]
	wantRest := []string{
		"returnpath: 16 more findings (7 errors, 9 notices) not annotated: at most 5 annotations per severity (--max-annotations); " +
			"the text, JSON and SARIF reports list every finding (the returnpath action writes the text report to the job summary)",
		"12 errors, 3 warnings, 14 notices, 1 suppressed — 3 NACLs (14 rules) checked · terraform 1.11.4, 42 resources",
	}
	if !slices.Equal(rest, wantRest) {
		t.Errorf("after the commands:\n%s\nwant:\n%s", strings.Join(rest, "\n"), strings.Join(wantRest, "\n"))
	}

	all := format(t, GitHub{}, r)
	if n := strings.Count(all, "\n::"); n+1 != 29 || strings.Contains(all, "not annotated") {
		t.Errorf("no cap: %d commands, want 29 (12 errors, 3 warnings, 14 notices):\n%s", n+1, all)
	}
	if err := (GitHub{MaxPerSeverity: -1}).Format(io.Discard, r); err == nil {
		t.Error("a negative cap: no error")
	}
}
