package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// JUnit writes the report as JUnit XML for CI test views (Jenkins, GitLab,
// Azure DevOps, test-reporter actions): one testsuite per rule, one
// testcase per NACL of the plan (and per other resource a rule reports,
// such as an unlinkable aws_network_acl_rule).
//
// The test view agrees with the gate: a finding at or above FailOn (the
// --fail-on severity) is a <failure>, typed by its severity; a finding
// below it leaves its testcase passed, with the finding as <properties>
// (returnpath.finding: "severity rule status: message") and its
// explanation in <system-out>, so that a plan that passes the gate never
// shows red. A testcase whose findings are all suppressed is skipped. No
// timestamps or host names: one input always gives the same bytes.
type JUnit struct {
	// FailOn is the lowest severity that fails a testcase; 0 (--fail-on
	// never) fails none.
	FailOn checks.Severity
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name       string           `xml:"name,attr"`
	Classname  string           `xml:"classname,attr"`
	File       string           `xml:"file,attr,omitempty"`
	Line       int              `xml:"line,attr,omitempty"`
	Properties *junitProperties `xml:"properties"`
	Skipped    *junitSkipped    `xml:"skipped"`
	Failures   []junitFailure   `xml:"failure"`
	SystemOut  string           `xml:"system-out,omitempty"`
}

type junitProperties struct {
	Properties []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Format writes r as JUnit XML.
func (j JUnit) Format(w io.Writer, r *Report) error {
	byRule := map[string][]Finding{}
	for i, f := range r.Findings {
		if _, err := f.Severity.MarshalText(); err != nil {
			return fmt.Errorf("finding %d (%s %s): %v", i+1, f.Rule, f.Resource, err)
		}
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	out := junitSuites{Name: "returnpath"}
	for _, c := range checks.All() {
		suite := junitSuiteOf(c, r.NACLs, byRule[c.ID], j.FailOn)
		delete(byRule, c.ID)
		out.Suites = append(out.Suites, suite)
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Skipped += suite.Skipped
	}
	if len(byRule) > 0 {
		unknown := slices.Sorted(maps.Keys(byRule))
		return fmt.Errorf("findings of rule %s: no such rule", strings.Join(unknown, ", "))
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitSuiteOf is the testsuite of one rule: a testcase for every NACL and
// for every other resource the rule reports, in address order. Findings at
// or above failOn fail their testcase; 0 fails none.
func junitSuiteOf(c *checks.Check, nacls []plan.Address, findings []Finding, failOn checks.Severity) junitSuite {
	byResource := map[plan.Address][]Finding{}
	resources := slices.Clone(nacls)
	for _, f := range findings {
		if _, ok := byResource[f.Resource]; !ok && !slices.Contains(nacls, f.Resource) {
			resources = append(resources, f.Resource)
		}
		byResource[f.Resource] = append(byResource[f.Resource], f)
	}
	slices.Sort(resources)

	suite := junitSuite{Name: c.ID + " " + c.Title}
	for _, addr := range resources {
		tc := junitCase{Name: escapeControl(string(addr)), Classname: "returnpath." + c.ID}
		var suppressed, below []string
		for _, f := range byResource[addr] {
			if s := f.Suppression; s != nil {
				suppressed = append(suppressed, "suppressed ("+s.Kind.String()+"): "+escapeControl(s.Reason))
				continue
			}
			if tc.File == "" && f.Location.IsValid() {
				tc.File, tc.Line = escapeControl(f.Location.File), f.Location.Line
			}
			text := explanation(f)
			if f.Location.IsValid() {
				text = f.Location.String() + "\n" + text
			}
			if failOn == 0 || f.Severity < failOn {
				if tc.Properties == nil {
					tc.Properties = &junitProperties{}
				}
				tc.Properties.Properties = append(tc.Properties.Properties, junitProperty{
					Name:  "returnpath.finding",
					Value: escapeControl(f.Severity.String() + " " + f.Rule + " " + f.Status.String() + ": " + headline(f)),
				})
				below = append(below, f.Severity.String()+" (below --fail-on): "+escapeControlKeepBreaks(text))
				continue
			}
			tc.Failures = append(tc.Failures, junitFailure{
				Message: escapeControl(headline(f)),
				Type:    f.Severity.String(),
				Text:    escapeControlKeepBreaks(text),
			})
		}
		tc.SystemOut = strings.Join(below, "\n\n")
		switch {
		case len(tc.Failures) > 0:
			suite.Failures++
		case len(suppressed) > 0 && len(below) == 0:
			tc.Skipped = &junitSkipped{Message: strings.Join(suppressed, "; ")}
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	suite.Tests = len(suite.Cases)
	return suite
}
