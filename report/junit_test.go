package report

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
)

// junitDoc is a JUnit document as consumers read it.
type junitDoc struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Suites []struct {
		Name string `xml:"name,attr"`
		junitCounts
		Cases []struct {
			Name       string `xml:"name,attr"`
			Classname  string `xml:"classname,attr"`
			File       string `xml:"file,attr"`
			Line       int    `xml:"line,attr"`
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			SystemOut string `xml:"system-out"`
			Skipped   *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			Failures []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitCounts struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
}

func decodeJUnit(t *testing.T, out string) junitDoc {
	t.Helper()
	if !strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`+"\n") {
		t.Errorf("no XML declaration:\n%s", out)
	}
	var doc junitDoc
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	return doc
}

func TestJUnit(t *testing.T) {
	r := located(t)
	// A second RP001 on the same NACL, and a suppressed RP006 on another.
	second := r.Findings[0]
	second.Message = "inbound tcp/80 from 0.0.0.0/0 is allowed (ingress rule 110), but replies are dropped"
	r.Findings = append(r.Findings, second, Finding{Finding: checks.Finding{
		Rule: "RP006", Severity: checks.Warning, Resource: "aws_network_acl.private", Status: checks.New,
		Message: "duplicate rule number 100", Suppression: &checks.Suppression{Kind: checks.External, Reason: "tracked in JIRA-12"},
	}})
	out := format(t, JUnit{FailOn: checks.Notice}, r)
	if again := format(t, JUnit{FailOn: checks.Notice}, r); again != out {
		t.Error("JUnit output is not deterministic")
	}
	doc := decodeJUnit(t, out)
	if len(doc.Suites) != len(checks.All()) {
		t.Fatalf("%d suites, want one per rule (%d)", len(doc.Suites), len(checks.All()))
	}
	suites := map[string]int{}
	for i, s := range doc.Suites {
		suites[strings.Fields(s.Name)[0]] = i
		if !strings.HasPrefix(s.Name, checks.All()[i].ID+" "+checks.All()[i].Title) {
			t.Errorf("suite %d is %q", i, s.Name)
		}
		if s.Tests != len(s.Cases) || s.Errors != 0 {
			t.Errorf("suite %s: tests %d for %d cases, errors %d", s.Name, s.Tests, len(s.Cases), s.Errors)
		}
	}

	rp001 := doc.Suites[suites["RP001"]]
	var names []string
	for _, c := range rp001.Cases {
		names = append(names, c.Name)
	}
	if strings.Join(names, " ") != "aws_network_acl.private aws_network_acl.public aws_network_acl.spare" {
		t.Errorf("RP001 testcases %v, want every NACL in address order", names)
	}
	public := rp001.Cases[1]
	if rp001.Failures != 1 || len(public.Failures) != 2 || public.Classname != "returnpath.RP001" ||
		public.File != "infra/main.tf" || public.Line != 4 {
		t.Errorf("RP001 public: suite failures %d, case %+v", rp001.Failures, public)
	}
	f := public.Failures[0]
	if f.Type != "error" || !strings.HasPrefix(f.Message, "inbound tcp/443") ||
		!strings.HasPrefix(f.Text, "infra/main.tf:4\ninbound tcp/443") || !strings.Contains(f.Text, "\nfix:\nresource \"aws_network_acl_rule\"") {
		t.Errorf("RP001 failure %+v", f)
	}
	if len(rp001.Cases[0].Failures) != 0 || rp001.Cases[0].Skipped != nil {
		t.Errorf("a NACL without findings does not pass: %+v", rp001.Cases[0])
	}

	rp006 := doc.Suites[suites["RP006"]]
	private := rp006.Cases[0]
	if private.Name != "aws_network_acl.private" || private.Skipped == nil || len(private.Failures) != 0 ||
		!strings.Contains(private.Skipped.Message, "suppressed (external): tracked in JIRA-12") || rp006.Skipped != 1 {
		t.Errorf("suppressed RP006: suite skipped %d, case %+v", rp006.Skipped, private)
	}
	if rp006.Cases[1].Failures[0].Type != "warning" {
		t.Errorf("RP006 public: %+v", rp006.Cases[1])
	}

	// RP008 reports a rule, not a NACL: it gets its own testcase.
	rp008 := doc.Suites[suites["RP008"]]
	names = names[:0]
	for _, c := range rp008.Cases {
		names = append(names, c.Name)
	}
	if strings.Join(names, " ") != "aws_network_acl.private aws_network_acl.public aws_network_acl.spare aws_network_acl_rule.legacy" ||
		rp008.Failures != 1 || rp008.Tests != 4 {
		t.Errorf("RP008 testcases %v, failures %d", names, rp008.Failures)
	}

	// Every rule's suite has a testcase per NACL (3); RP008 one more for
	// the rule it reports.
	if doc.Name != "returnpath" || doc.Failures != 3 || doc.Skipped != 1 || doc.Tests != 3*len(checks.All())+1 {
		t.Errorf("testsuites: tests %d, failures %d, skipped %d", doc.Tests, doc.Failures, doc.Skipped)
	}
}

// TestJUnitGate: the test view agrees with --fail-on. Below the gate a
// finding passes its testcase and is kept as a property and in
// system-out; at --fail-on never nothing fails.
func TestJUnitGate(t *testing.T) {
	r := located(t) // 1 error (RP001), 2 warnings (RP006, RP008 already broken)
	doc := decodeJUnit(t, format(t, JUnit{FailOn: checks.Error}, r))
	if doc.Failures != 1 || doc.Skipped != 0 {
		t.Errorf("fail-on error: failures %d, skipped %d; want only the RP001 error", doc.Failures, doc.Skipped)
	}
	var passedWithFinding int
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if len(c.Properties) == 0 {
				if c.SystemOut != "" {
					t.Errorf("%s %s: system-out without a finding: %q", s.Name, c.Name, c.SystemOut)
				}
				continue
			}
			passedWithFinding++
			if len(c.Failures) != 0 || c.Skipped != nil || c.Properties[0].Name != "returnpath.finding" ||
				!strings.HasPrefix(c.Properties[0].Value, "warning "+strings.Fields(s.Name)[0]+" ") ||
				!strings.HasPrefix(c.SystemOut, "warning (below --fail-on): ") {
				t.Errorf("%s %s: %+v", s.Name, c.Name, c)
			}
		}
	}
	if passedWithFinding != 2 {
		t.Errorf("%d passed testcases carry a finding, want the 2 warnings", passedWithFinding)
	}
	if doc := decodeJUnit(t, format(t, JUnit{FailOn: checks.Warning}, r)); doc.Failures != 3 {
		t.Errorf("fail-on warning: %d failures, want 3", doc.Failures)
	}
	if doc := decodeJUnit(t, format(t, JUnit{}, r)); doc.Failures != 0 {
		t.Errorf("fail-on never: %d failures, want none", doc.Failures)
	}
}

func TestJUnitClean(t *testing.T) {
	got := format(t, JUnit{}, New(nil, nil, "plan.json", "test"))
	doc := decodeJUnit(t, got)
	if doc.Tests != 0 || doc.Failures != 0 || len(doc.Suites) != len(checks.All()) {
		t.Errorf("clean JUnit:\n%s", got)
	}
}

func TestJUnitErrors(t *testing.T) {
	r := located(t)
	r.Findings[0].Rule = "RP999"
	var b strings.Builder
	if err := (JUnit{}).Format(&b, r); err == nil || !strings.Contains(err.Error(), "RP999") {
		t.Errorf("unknown rule: %v", err)
	}
	r = located(t)
	r.Findings[0].Severity = 0
	if err := (JUnit{}).Format(&b, r); err == nil {
		t.Error("finding without a severity: no error")
	}
}
