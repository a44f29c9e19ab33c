package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/report"
)

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ", ") }

func (l *stringList) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("want a file, got an empty value")
	}
	*l = append(*l, s)
	return nil
}

// contextCache reads each context file once per run, whichever plans it
// serves as context for.
type contextCache map[string]*plan.Context

func (c contextCache) load(name string) (*plan.Context, error) {
	key := filepath.Clean(name)
	if ctx, ok := c[key]; ok {
		return ctx, nil
	}
	ctx, err := plan.LoadContext(name)
	if err != nil {
		return nil, err
	}
	c[key] = ctx
	return ctx, nil
}

// contextsFor loads the context files of one plan: --context, then the
// configuration's context, each once.
func (c contextCache) contextsFor(flags []string, configured []string) ([]*plan.Context, error) {
	var out []*plan.Context
	for _, name := range append(slices.Clone(flags), configured...) {
		ctx, err := c.load(name)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, ctx) {
			out = append(out, ctx)
		}
	}
	return out, nil
}

// analysePlans checks one plan, or several each with the others as
// context, against the context files, and returns one report (grouped by
// plan) and the exit code of the worst plan.
//
// attach, when not nil, is called with each plan's model and report once
// it is located (SARIF attaches the fixes' patches).
func (o Options) analysePlans(fs *flag.FlagSet, flags analysisFlags, names []string, stdin io.Reader,
	attach func(*plan.Model, *report.Report, string, analysis)) (*report.Report, int, checks.Severity, error) {
	cache := contextCache{}
	if len(names) == 1 {
		a, err := o.prepare(fs, flags, names[0])
		if err != nil {
			return nil, 0, 0, err
		}
		a.contextFiles = slices.Concat(flags.Contexts, a.config.Context)
		m, r, err := o.analyseModel(names[0], stdin, a)
		if err != nil {
			return nil, 0, 0, err
		}
		locate(r, names[0], a)
		if attach != nil {
			attach(m, r, names[0], a)
		}
		return r, exitCode(r, a.failOn), a.failOn, nil
	}
	// Each plan is read once, and serves as the others' context.
	type planInput struct {
		data    []byte
		display string
		asCtx   *plan.Context
	}
	if slices.Contains(names, "-") {
		return nil, 0, 0, usagef("%s: standard input cannot be one of several plans: give each plan's file", fs.Name())
	}
	// Each plan's analysis comes first: its configuration directory
	// resolves locals when the plan is read as the others' context too.
	analyses := make([]analysis, len(names))
	for i, name := range names {
		a, err := o.prepare(fs, flags, name)
		if err != nil {
			return nil, 0, 0, err
		}
		if a.contexts, err = cache.contextsFor(flags.Contexts, a.config.Context); err != nil {
			return nil, 0, 0, err
		}
		analyses[i] = a
	}
	inputs := make([]planInput, len(names))
	for i, name := range names {
		data, display, err := plan.ReadPlanLimited(name, stdin, analyses[i].maxPlanBytes)
		if err != nil {
			return nil, 0, 0, err
		}
		ctx, err := plan.ParseContext(display, data, analyses[i].dir)
		if err != nil {
			return nil, 0, 0, err
		}
		inputs[i] = planInput{data, display, ctx}
	}
	var reports []*report.Report
	code := ExitOK
	// The merged report's gate is the strictest of the plans' gates (0:
	// never), as the exit code is the worst plan's.
	var gate checks.Severity
	for i, name := range names {
		a := analyses[i]
		for j, other := range inputs {
			if j != i {
				a.contexts = append(a.contexts, other.asCtx)
			}
		}
		m, err := plan.ParseWithContext(inputs[i].display, inputs[i].data, a.dir, a.contexts)
		if err != nil {
			return nil, 0, 0, err
		}
		r, err := o.review(context.Background(), m, name, a)
		if err != nil {
			return nil, 0, 0, err
		}
		locate(r, name, a)
		if attach != nil {
			attach(m, r, name, a)
		}
		reports = append(reports, r)
		code = max(code, exitCode(r, a.failOn))
		if a.failOn != 0 && (gate == 0 || a.failOn < gate) {
			gate = a.failOn
		}
	}
	return report.Merge(reports), code, gate, nil
}
