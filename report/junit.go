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
// such as an unlinkable aws_network_acl_rule), and one failure per
// finding, typed by its severity. A testcase whose findings are all
// suppressed is skipped. No timestamps or host names: one input always
// gives the same bytes.
type JUnit struct{}

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
	Name      string         `xml:"name,attr"`
	Classname string         `xml:"classname,attr"`
	File      string         `xml:"file,attr,omitempty"`
	Line      int            `xml:"line,attr,omitempty"`
	Skipped   *junitSkipped  `xml:"skipped"`
	Failures  []junitFailure `xml:"failure"`
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
func (JUnit) Format(w io.Writer, r *Report) error {
	byRule := map[string][]Finding{}
	for i, f := range r.Findings {
		if _, err := f.Severity.MarshalText(); err != nil {
			return fmt.Errorf("finding %d (%s %s): %v", i+1, f.Rule, f.Resource, err)
		}
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	out := junitSuites{Name: "returnpath"}
	for _, c := range checks.All() {
		suite := junitSuiteOf(c, r.NACLs, byRule[c.ID])
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
// for every other resource the rule reports, in address order.
func junitSuiteOf(c *checks.Check, nacls []plan.Address, findings []Finding) junitSuite {
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
		var suppressed []string
		for _, f := range byResource[addr] {
			if s := f.Suppression; s != nil {
				suppressed = append(suppressed, "suppressed ("+s.Kind.String()+"): "+escapeControl(s.Reason))
				continue
			}
			if len(tc.Failures) == 0 && f.Location.IsValid() {
				tc.File, tc.Line = escapeControl(f.Location.File), f.Location.Line
			}
			text := explanation(f)
			if f.Location.IsValid() {
				text = f.Location.String() + "\n" + text
			}
			tc.Failures = append(tc.Failures, junitFailure{
				Message: escapeControl(headline(f)),
				Type:    f.Severity.String(),
				Text:    escapeControlKeepBreaks(text),
			})
		}
		switch {
		case len(tc.Failures) > 0:
			suite.Failures++
		case len(suppressed) > 0:
			tc.Skipped = &junitSkipped{Message: strings.Join(suppressed, "; ")}
			suite.Skipped++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	suite.Tests = len(suite.Cases)
	return suite
}
