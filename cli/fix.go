package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/fix"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/report"
	"github.com/returnpath-dev/returnpath/source"
)

// fixConfig is what the fix command was asked to do.
type fixConfig struct {
	DryRun    bool
	Chdir     string
	Config    string
	NoIgnores bool
	// Contexts are the --context files: the other stacks whose
	// resources the plan's NACLs serve (as for check).
	Contexts stringList
}

func fixFlags() (*flag.FlagSet, *fixConfig) {
	cfg := &fixConfig{}
	fs := flag.NewFlagSet("fix", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&cfg.DryRun, "dry-run", false, "print the edits as a unified diff (paths relative to the repository root) and change nothing")
	fs.StringVar(&cfg.Chdir, "chdir", "", "the Terraform configuration `DIR` to edit (default: the plan file's directory when it holds .tf files, else the current directory)")
	fs.StringVar(&cfg.Config, "config", "", "read the returnpath configuration from `FILE` (severities and ignores decide which findings are errors)")
	fs.BoolVar(&cfg.NoIgnores, "no-ignores", false, "fix suppressed findings too")
	fs.Var(&cfg.Contexts, "context", "check against the existing infrastructure in `FILE`, as check does, and fix what it finds in this plan's NACLs (repeatable; adds to context in the configuration)")
	return fs, cfg
}

func printFixUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: returnpath fix [flags] PLAN

Writes the fix of every error finding of PLAN into the Terraform
configuration: an ingress/egress block in a NACL with inline rules, an
aws_network_acl_rule next to the NACL's other standalone rules, or an entry
in the literal list or map its rules are made from (for_each, count, dynamic
blocks, a module input). Files are written atomically; only files inside the
repository and outside .terraform/ are edited. What cannot be edited is
listed with the HCL to add by hand, as is a fix that belongs to a NACL of
a --context file (another stack's configuration).

Flags:
`)
	printFlags(w, fs)
	fmt.Fprint(w, `
Exit codes: 0 every error finding fixed (or none), 1 some left unfixed (listed), 2 usage or input error.
`)
}

func (o Options) fix(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	fs, cfg := fixFlags()
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printFixUsage(stdout, fs)
		return ExitOK, nil
	}
	if err != nil {
		return 0, usagef("fix: %v (run 'returnpath fix --help')", err)
	}
	name, err := onePlan(positional)
	if err != nil {
		return 0, usagef("fix: %v", err)
	}
	a, err := o.prepare(fs, analysisFlags{FailOn: defaultFailOn, Chdir: cfg.Chdir, Config: cfg.Config, NoIgnores: cfg.NoIgnores, MaxPlanBytes: byteSizeFlag(plan.DefaultMaxBytes)}, name)
	if err != nil {
		return 0, err
	}
	a.contextFiles = slices.Concat(cfg.Contexts, a.config.Context)
	m, r, err := o.analyseModel(name, stdin, a)
	if err != nil {
		return 0, err
	}
	res, n, err := fixes(m, r, source.ConfigDir(cfg.Chdir, name), a.root)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		fmt.Fprintln(stdout, "nothing to fix: no error finding")
		return ExitOK, nil
	}

	summary := stdout
	if cfg.DryRun {
		summary = stderr // stdout is the patch alone
		if _, err := io.WriteString(stdout, res.Diff()); err != nil {
			return 0, fmt.Errorf("writing the diff: %v", err)
		}
	} else if err := res.Write(); err != nil {
		return 0, err
	}
	for _, f := range res.Fixed {
		fmt.Fprintf(summary, "fixed %s %s: %s, %s\n", f.Finding.Rule, f.Finding.Resource, f.What, f.At)
	}
	if !cfg.DryRun {
		for _, c := range res.Changes {
			fmt.Fprintf(summary, "wrote %s\n", c.Rel)
		}
	}
	for _, u := range res.Unfixed {
		fmt.Fprintf(summary, "not fixed %s %s: %s\n", u.Finding.Rule, u.Finding.Resource, u.Reason)
		if u.HCL != "" {
			fmt.Fprintf(summary, "  add by hand:\n%s\n", indentLines(u.HCL, "    "))
		}
	}
	verb := "fixed"
	if cfg.DryRun {
		verb = "would be fixed"
	}
	fmt.Fprintf(summary, "%d %s, %d not fixed\n", len(res.Fixed), verb, len(res.Unfixed))
	if len(res.Unfixed) > 0 {
		return ExitFindings, nil
	}
	return ExitOK, nil
}

// fixes works out the fixes of a report's error findings in memory: the
// edits of the configuration in dir, inside the repository root. n is the
// number of error findings considered.
func fixes(m *plan.Model, r *report.Report, dir, root string) (*fix.Result, int, error) {
	var all []*plan.NACL
	if m.Planned != nil {
		all = m.Planned.NACLs
	}
	findings := make([]checks.Finding, len(r.Findings))
	for i, f := range r.Findings {
		findings[i] = f.Finding
	}
	requests := fix.Requests(findings)
	if len(requests) == 0 {
		return &fix.Result{}, 0, nil
	}
	res, err := fix.Apply(requests, all, fix.Options{Dir: dir, Root: root})
	return res, len(requests), err
}

// attachPatches gives each finding of r that fix can fix its edits, for
// the formats that offer fixes (SARIF). A configuration that cannot be
// read only means no patches: check reports findings without it.
func attachPatches(m *plan.Model, r *report.Report, dir, root string) {
	res, _, err := fixes(m, r, dir, root)
	if err != nil || res == nil {
		return
	}
	for _, f := range res.Fixed {
		if len(f.Edits) == 0 || f.Index < 0 || f.Index >= len(r.Findings) {
			continue
		}
		p := &report.Patch{Description: "add " + f.What}
		for _, e := range f.Edits {
			p.Edits = append(p.Edits, report.PatchEdit{
				File: e.File, StartLine: e.Start.Line, StartColumn: e.Start.Column, EndLine: e.End.Line, EndColumn: e.End.Column,
				StartByte: e.Start.Byte, EndByte: e.End.Byte, Text: e.Text,
				FromLine: e.From, ToLine: e.To, Lines: e.Lines,
			})
		}
		r.Findings[f.Index].Patch = p
	}
}

func indentLines(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
