package report

import (
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

func fixtureReport(t *testing.T, name string) *Report {
	t.Helper()
	m, err := plan.Load("../fixtures/"+name+"/plan.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	return New(m, checks.Run(m, checks.DefaultConfig()), "plan.json", "test")
}

// TestMarkdownDrawsBrokenPaths: the comment draws each broken path once,
// the worst first, at most maxDiagrams of them, and counts the others;
// when the body would pass the limit, diagrams go first (counted, not
// drawn), before any finding or fix does.
func TestMarkdownDrawsBrokenPaths(t *testing.T) {
	r := fixtureReport(t, "web-missing-return")
	full, truncated, err := Markdown{}.Render(r)
	if err != nil || truncated {
		t.Fatalf("%v, truncated %v", err, truncated)
	}
	if n := strings.Count(full, "```mermaid\n"); n != 2 || !strings.Contains(full, pathsHead) || strings.Contains(full, "not drawn") {
		t.Fatalf("want 2 diagrams and no count of others:\n%s", full)
	}
	// RP001 (replies to inbound HTTPS) and RP002 are both errors and new,
	// with the same failing share: the table's order.
	if i, j := strings.Index(full, "RP001 on `aws_network_acl.public`: 203.0.113.7 → 10.0.1.10 tcp/443, reply dropped"),
		strings.Index(full, "RP002 on `aws_network_acl.public`: 10.0.1.10 → 203.0.113.7 tcp/443, reply dropped"); i < 0 || j < i {
		t.Errorf("the paths are not named, or not in order:\n%s", full)
	}
	if !strings.Contains(full, "<sub>returnpath trace --from 203.0.113.7 --to 10.0.1.10 --port tcp/443</sub>") {
		t.Errorf("no trace command:\n%s", full)
	}

	diagram := strings.Index(full, "\nRP002 on")
	end := strings.Index(full[diagram:], "</sub>\n") + len("</sub>\n")
	oneLess := len(full) - end + len("\n1 more broken path not drawn; `returnpath trace` draws any of them.\n")
	body, truncated, err := Markdown{MaxBytes: oneLess}.Render(r)
	if err != nil || truncated || len(body) > oneLess {
		t.Fatalf("%v, truncated %v, %d bytes of %d", err, truncated, len(body), oneLess)
	}
	if strings.Count(body, "```mermaid\n") != 1 || !strings.Contains(body, "1 more broken path not drawn") || strings.Count(body, "<details>") != 2 {
		t.Errorf("want one diagram, the other counted, both fixes:\n%s", body)
	}

	noDiagram := strings.Index(full, pathsHead)
	small := noDiagram + len(full) - strings.LastIndex(full, "\n<sub>returnpath test") + len(pathsHead) + len("\n2 more broken paths not drawn; `returnpath trace` draws any of them.\n")
	body, truncated, err = Markdown{MaxBytes: small}.Render(r)
	if err != nil || truncated || strings.Contains(body, "```mermaid") || !strings.Contains(body, "2 more broken paths not drawn") {
		t.Errorf("%v, truncated %v:\n%s", err, truncated, body)
	}
	body, truncated, _ = Markdown{MaxBytes: small - 200}.Render(r)
	if !truncated || strings.Contains(body, pathsHead) {
		t.Errorf("a body short of findings draws paths:\n%s", body)
	}
}

// TestMarkdownDrawsEachPathOnce: findings on one path draw it once.
func TestMarkdownDrawsEachPathOnce(t *testing.T) {
	r := fixtureReport(t, "web-missing-return")
	r.Findings = append(r.Findings, r.Findings[0])
	body, _, err := Markdown{}.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(body, "```mermaid\n"); n != 2 {
		t.Errorf("%d diagrams, want 2:\n%s", n, body)
	}
}

// TestFindingBodyDrawsThePath: a run-task outcome draws its broken path.
func TestFindingBodyDrawsThePath(t *testing.T) {
	r := fixtureReport(t, "web-missing-return")
	f := r.Findings[0]
	body := Markdown{}.FindingBody(f, r.WitnessTrace(f))
	if !strings.Contains(body, "**Path:**\n\n```mermaid\nflowchart LR\n") || !strings.Contains(body, "`returnpath trace --from 203.0.113.7 --to 10.0.1.10 --port tcp/443`") {
		t.Errorf("no path:\n%s", body)
	}
	if body := (Markdown{}).FindingBody(f, nil); strings.Contains(body, "mermaid") {
		t.Errorf("a path without a trace:\n%s", body)
	}
}
