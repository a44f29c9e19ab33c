package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

// Report is everything one run found, as every format shows it.
type Report struct {
	// Version is the returnpath version that wrote the report.
	Version  string
	Plan     Plan
	Summary  Summary
	Findings []Finding
	// NACLs are the addresses of the NACLs of the planned network, sorted.
	NACLs []plan.Address
	// Contexts are the context files the plan was checked against.
	Contexts []plan.ContextInfo
	// UnusedContexts name the contexts that were asked for but could not
	// be read (a workspace whose state could not be fetched), each
	// "workspace NAME".
	UnusedContexts []string
	// Plans are the plans of a run that checks several (Merge), in the
	// order given, and PlanReports their own reports; nil for a run of
	// one (Plan).
	Plans       []Plan
	PlanReports []*Report

	// network is the planned network, which WitnessTrace traces findings
	// in; nil when the report was built without a model.
	network *plan.Network
}

// WitnessTrace traces the witness packet of a flow finding through the
// planned network (checks.WitnessQuery): the path the markdown report
// draws. Nil for findings without a complete witness, and for reports
// built without a model.
func (r *Report) WitnessTrace(f Finding) *checks.Trace {
	if r.network == nil {
		return nil
	}
	q, ok := checks.WitnessQuery(r.network, f.Finding)
	if !ok {
		return nil
	}
	return checks.TraceFlow(r.network, q, checks.DefaultConfig())
}

// Finding is one finding of the checks and where it is configured.
type Finding struct {
	checks.Finding
	// Location is set by Locate; the zero value when the configuration
	// does not say.
	Location source.Location
	// Patch is the edit of the configuration that fixes the finding, as
	// `returnpath fix` would make it; set by the caller, nil when there is
	// none. SARIF offers it as the result's fix.
	Patch *Patch
	// Plan is the plan file the finding is about when a run checks
	// several plans (Merge); "" for a run of one.
	Plan string
}

// Patch is a fix as edits of the configuration files as they are.
type Patch struct {
	Description string // what it adds where
	Edits       []PatchEdit
}

// PatchEdit replaces the text between two places of a file (the same
// place for an insertion) by Text. Lines and columns are 1-based, columns
// and offsets in bytes.
type PatchEdit struct {
	File                   string // relative to the repository root, forward slashes
	StartLine, StartColumn int
	EndLine, EndColumn     int
	StartByte, EndByte     int
	Text                   string
	// The same edit as whole lines, as a review suggestion writes it:
	// lines FromLine to ToLine become Lines (no final newline).
	FromLine, ToLine int
	Lines            string
}

// Plan describes the plan that was checked.
type Plan struct {
	File             string // as given on the command line; "<stdin>" for "-"
	FormatVersion    string
	TerraformVersion string
	Resources        int // resource instances in the plan
	// RepoFile is the plan file relative to the repository root, with
	// forward slashes; "" for standard input or a file outside the
	// repository. Set by the caller; SARIF uses it for findings that have
	// no location in the configuration.
	RepoFile string
}

// Summary counts the findings by severity and what was checked.
type Summary struct {
	// Errors, Warnings and Notices count the findings that are not
	// suppressed: those decide the exit code.
	Errors   int
	Warnings int
	Notices  int
	// Suppressed counts the findings an ignore silences, whatever their
	// severity.
	Suppressed int
	NACLs      int // network ACLs in the planned network
	Rules      int // their entries (ingress and egress), inline and standalone
	Subnets    int
	// SecurityGroups in the planned network.
	SecurityGroups int
	// ContextFindings counts the findings wholly inside the context (no
	// resource of the plan takes part) that the report does not list.
	ContextFindings int
	// OutsideSubnets counts the subnets resources of the plan sit in that
	// neither the plan nor a context defines: their NACLs were not checked.
	OutsideSubnets int
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
		Findings: make([]Finding, 0, len(findings)),
		NACLs:    []plan.Address{},
	}
	for _, f := range findings {
		r.Findings = append(r.Findings, Finding{Finding: f})
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
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
			r.network = n
			r.Summary.NACLs = len(n.NACLs)
			r.Summary.Subnets = len(n.Subnets)
			r.Summary.SecurityGroups = len(n.SecurityGroups)
			for _, nacl := range n.NACLs {
				r.Summary.Rules += len(nacl.Ingress) + len(nacl.Egress)
				r.NACLs = append(r.NACLs, nacl.Address)
			}
			slices.Sort(r.NACLs)
			r.Summary.OutsideSubnets = len(n.UncheckedSubnets)
		}
		r.Contexts = m.Contexts
	}
	for _, f := range r.Findings {
		if f.Suppression != nil {
			r.Summary.Suppressed++
			continue
		}
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

// Locate points every finding at where it is configured, from the index of
// the configuration: the inline ingress/egress block of the rule a flow
// finding is about when the resource writes it inline, else the resource
// block, else (a module that is not on disk) the innermost module block that
// calls it. Findings the index does not know keep no location.
func (r *Report) Locate(ix *source.Index) {
	for i := range r.Findings {
		r.Findings[i].Location = locate(r.Findings[i].Finding, ix)
	}
}

func locate(f checks.Finding, ix *source.Index) source.Location {
	if f.Resource.Context() != "" {
		// Configured in another stack: point at the plan's own rule that
		// allows the flow, where the plan's author reads annotations.
		if fl := f.Flow; fl != nil && fl.IntentRule.Address.Context() == "" {
			if b, ok := ix.Lookup(fl.IntentRule.Address); ok {
				return b.Location
			}
		}
		return source.Location{}
	}
	b, ok := ix.Lookup(f.Resource)
	if !ok {
		l, _ := ix.ModuleCall(f.Resource)
		return l
	}
	if fl := f.Flow; fl != nil && fl.IntentRule.Address == f.Resource {
		if l, ok := b.InlineRule(fl.Direction.String(), fl.IntentRule.Number); ok {
			return l
		}
	}
	return b.Location
}

// Formatter writes a report in one format.
type Formatter interface {
	Format(w io.Writer, r *Report) error
}

// Options are the choices a formatter may honour.
type Options struct {
	// MarkdownHeader is the Header of the markdown format: the hidden lines
	// that make its output a pull-request comment body (prcomment.Marker).
	MarkdownHeader string
	// Color allows ANSI colours (formats for people only). The caller
	// decides: a terminal, NO_COLOR unset, no --no-color.
	Color bool
	// FailOn is the gate (--fail-on): JUnit fails the test cases of
	// findings at or above it. 0 is never: no finding fails.
	FailOn checks.Severity
	// MaxAnnotations caps the github format's commands per severity
	// (--max-annotations); 0 means no cap.
	MaxAnnotations int
}

// Format is one output format.
type Format struct {
	Name        string // the --format value
	Description string // one line for help text
	New         func(Options) Formatter
}

// Shown are the findings no ignore suppresses: the problems formats list.
// Suppressed ones are only counted, except in formats that can carry the
// suppression (JSON, SARIF, JUnit).
func (r *Report) Shown() []Finding {
	var shown []Finding
	for _, f := range r.Findings {
		if f.Suppression == nil {
			shown = append(shown, f)
		}
	}
	return shown
}

// Tally counts the findings: "1 error, 2 warnings" (notices and
// suppressed findings only when there are some), or "no return-path
// problems" when none is left unsuppressed.
func (r *Report) Tally() string {
	s := r.Summary
	t := "no return-path problems"
	if len(r.Shown()) > 0 {
		t = plural(s.Errors, "error") + ", " + plural(s.Warnings, "warning")
		if s.Notices > 0 {
			t += ", " + plural(s.Notices, "notice")
		}
	}
	if s.Suppressed > 0 {
		t += ", " + plural(s.Suppressed, "finding") + " suppressed"
	}
	return t
}

// Verdict is the report in one line of plain text, for a status row (the
// run-task message): "2 errors, 1 warning — 3 NACLs (14 rules) checked",
// or "no return-path problems in 3 NACLs (1 finding suppressed)".
func (r *Report) Verdict() string {
	s := r.Summary
	if len(r.Shown()) == 0 {
		clean := "no return-path problems in " + plural(s.NACLs, "NACL")
		if s.Suppressed > 0 {
			clean += " (" + plural(s.Suppressed, "finding") + " suppressed)"
		}
		return clean + r.Scope()
	}
	return r.Tally() + " — " + naclsChecked(s) + " checked" + r.Scope()
}

// Scope is what the counts leave out, "" when nothing: the subnets whose
// NACLs were not checked and the findings only in the context, as
// " · 1 subnet outside the plan not checked (pass its network stack's
// state with --context) · 2 findings only in the context (--context-findings)".
func (r *Report) Scope() string {
	var b strings.Builder
	s := r.Summary
	if s.OutsideSubnets > 0 {
		verb := "is"
		if s.OutsideSubnets > 1 {
			verb = "are"
		}
		fmt.Fprintf(&b, " · %s outside the plan %s not checked (pass the network stack's state with --context)", plural(s.OutsideSubnets, "subnet"), verb)
	}
	if len(r.Contexts) > 0 {
		names := make([]string, len(r.Contexts))
		for i, c := range r.Contexts {
			names[i] = c.Name
		}
		fmt.Fprintf(&b, " · context %s", strings.Join(names, ", "))
	}
	if len(r.UnusedContexts) > 0 {
		fmt.Fprintf(&b, " · context %s not used (see RP008)", strings.Join(r.UnusedContexts, ", "))
	}
	if s.ContextFindings > 0 {
		fmt.Fprintf(&b, " · %s only in the context (shown with --context-findings)", plural(s.ContextFindings, "finding"))
	}
	return b.String()
}

// naclsChecked is "3 NACLs (14 rules)".
func naclsChecked(s Summary) string {
	return plural(s.NACLs, "NACL") + " (" + plural(s.Rules, "rule") + ")"
}

// Formats lists every output format, the default (text) first. It returns a
// new slice on every call; there is no registration at init time.
func Formats() []Format {
	return []Format{
		{Name: "text", Description: "grouped by NACL, for people (default)", New: func(o Options) Formatter { return Text{Color: o.Color} }},
		{Name: "json", Description: "one JSON document, for programs", New: func(Options) Formatter { return JSON{} }},
		{Name: "sarif", Description: "SARIF 2.1.0, for GitHub code scanning and SARIF viewers", New: func(Options) Formatter { return SARIF{} }},
		{Name: "github", Description: "GitHub Actions workflow commands: annotations on the .tf files, most severe first, capped by --max-annotations", New: func(o Options) Formatter { return GitHub{MaxPerSeverity: o.MaxAnnotations} }},
		{Name: "junit", Description: "JUnit XML: a testsuite per rule, a testcase per NACL; failures only at or above --fail-on", New: func(o Options) Formatter { return JUnit{FailOn: o.FailOn} }},
		{Name: "markdown", Description: "a pull-request comment body (what returnpath comment posts)", New: func(o Options) Formatter { return Markdown{Header: o.MarkdownHeader} }},
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
