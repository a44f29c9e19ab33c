package report

import (
	"cmp"
	"io"
	"slices"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// Report is everything one run found, as every format shows it.
type Report struct {
	// Version is the returnpath version that wrote the report.
	Version  string
	Plan     Plan
	Summary  Summary
	Findings []checks.Finding
}

// Plan describes the plan that was checked.
type Plan struct {
	File             string // as given on the command line; "<stdin>" for "-"
	FormatVersion    string
	TerraformVersion string
	Resources        int // resource instances in the plan
}

// Summary counts the findings by severity and what was checked.
type Summary struct {
	Errors   int
	Warnings int
	Notices  int
	NACLs    int // network ACLs in the planned network
	Rules    int // their entries (ingress and egress), inline and standalone
	Subnets  int
	// SecurityGroups in the planned network.
	SecurityGroups int
}

// StdinName is how a plan read from standard input is named.
const StdinName = "<stdin>"

// New builds the report of findings on model m, read from file (a path, or
// "-" for standard input), by returnpath version. m may be nil (no plan
// facts) and findings may be nil.
//
// Findings are ordered by resource address, then severity (highest first),
// then rule id; findings that tie keep the order they were given in. The
// caller's slice is not modified.
func New(m *plan.Model, findings []checks.Finding, file, version string) *Report {
	if file == "-" {
		file = StdinName
	}
	r := &Report{
		Version:  version,
		Plan:     Plan{File: file},
		Findings: slices.Clone(findings),
	}
	if r.Findings == nil {
		r.Findings = []checks.Finding{}
	}
	slices.SortStableFunc(r.Findings, func(a, b checks.Finding) int {
		return cmp.Or(
			cmp.Compare(a.Resource, b.Resource),
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
	if m != nil {
		r.Plan.FormatVersion = m.Info.FormatVersion
		r.Plan.TerraformVersion = m.Info.TerraformVersion
		r.Plan.Resources = m.Info.Resources
		if n := m.Planned; n != nil {
			r.Summary.NACLs = len(n.NACLs)
			r.Summary.Subnets = len(n.Subnets)
			r.Summary.SecurityGroups = len(n.SecurityGroups)
			for _, nacl := range n.NACLs {
				r.Summary.Rules += len(nacl.Ingress) + len(nacl.Egress)
			}
		}
	}
	for _, f := range r.Findings {
		switch f.Severity {
		case checks.Error:
			r.Summary.Errors++
		case checks.Warning:
			r.Summary.Warnings++
		case checks.Notice:
			r.Summary.Notices++
		}
	}
	return r
}

// Formatter writes a report in one format.
type Formatter interface {
	Format(w io.Writer, r *Report) error
}

// Options are the choices a formatter may honour.
type Options struct {
	// Color allows ANSI colours (formats for people only). The caller
	// decides: a terminal, NO_COLOR unset, no --no-color.
	Color bool
}

// Format is one output format.
type Format struct {
	Name        string // the --format value
	Description string // one line for help text
	New         func(Options) Formatter
}

// Formats lists every output format, the default (text) first. It returns a
// new slice on every call; there is no registration at init time.
func Formats() []Format {
	return []Format{
		{Name: "text", Description: "grouped by NACL, for people (default)", New: func(o Options) Formatter { return Text{Color: o.Color} }},
		{Name: "json", Description: "one JSON document, for programs", New: func(Options) Formatter { return JSON{} }},
	}
}

// Lookup finds a format by name.
func Lookup(name string) (Format, bool) {
	for _, f := range Formats() {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// Names lists the format names in Formats order.
func Names() []string {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	return names
}
