package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/returnpath-dev/returnpath/config"
	"github.com/returnpath-dev/returnpath/internal/redact"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/report"
	"github.com/returnpath-dev/returnpath/runtask"
)

// HMACKeyEnv names the environment variable with the run task's HMAC key.
const HMACKeyEnv = "RETURNPATH_HMAC_KEY"

// serveConfig is what the serve command was asked to do.
type serveConfig struct {
	Addr         string
	FailOn       string
	OnlyNew      bool
	MaxPlanBytes byteSizeFlag
	Workers      int
	Queue        int
	ReportURL    string
	LogFormat    string
	DrainTimeout time.Duration
	Config       string
}

func serveFlags() (*flag.FlagSet, *serveConfig) {
	cfg := &serveConfig{MaxPlanBytes: 256 << 20}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by Main, in one line
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT` (0.0.0.0:8080 for every interface)")
	fs.StringVar(&cfg.FailOn, "fail-on", "error", "the task fails when a finding has at least `SEVERITY`: error, warning, notice or never")
	fs.BoolVar(&cfg.OnlyNew, "only-new", false, "report only findings the plan introduces, not those already in the prior state")
	fs.Var(&cfg.MaxPlanBytes, "max-plan-bytes", "fail tasks whose plan JSON is larger than `SIZE` (bytes, or with KiB, MiB, GiB)")
	fs.IntVar(&cfg.Workers, "workers", 4, "run at most `N` tasks at once")
	fs.IntVar(&cfg.Queue, "queue", 100, "let at most `N` more tasks wait; beyond that requests get 503")
	fs.StringVar(&cfg.ReportURL, "report-url", "", "the task result's details link, a `TEMPLATE` with {run_id}, {task_result_id}, {workspace_id}, {workspace_name}, {organization_name} or {stage}")
	fs.StringVar(&cfg.LogFormat, "log-format", "text", "log lines on stderr as `FORMAT`: text or json")
	fs.StringVar(&cfg.Config, "config", "", "read client ranges, rule settings, fail_on and ignore blocks from `FILE` (default: "+config.FileName+" in the working directory or a parent, up to the repository root)")
	fs.DurationVar(&cfg.DrainTimeout, "drain-timeout", runtask.DefaultTiming().DrainTimeout, "on SIGTERM or SIGINT, let queued and running tasks finish for up to `DURATION`")
	return fs, cfg
}

func printServeUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: returnpath serve [flags]

Runs an HCP Terraform / Terraform Enterprise run task endpoint: POST / takes
run task requests, GET /healthz answers 200. Each task's plan JSON is
fetched, checked like 'returnpath check', and the result is sent back to
HCP Terraform ("failed" when a finding reaches --fail-on). Every task ends
within 9 minutes of its request, under HCP Terraform's 10: one that runs
out of time is called back "failed".

The HMAC key of the run task is read from `+HMACKeyEnv+`; without it,
request signatures are not checked. Workspace blocks of the configuration
name context workspaces, whose current JSON state each task of a matching
workspace is checked against; `+TFETokenEnv+` is the token that reads them. A first SIGTERM or SIGINT stops taking
tasks and lets queued and running ones finish; a second one ends at once.

Flags:
`)
	printFlags(w, fs)
}

func (o Options) serve(args []string, stdout, stderr io.Writer) (int, error) {
	out := redact.NewWriter(stdout, o.secrets)
	defer out.Flush()
	stdout = out
	fs, cfg := serveFlags()
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printServeUsage(stdout, fs)
		return ExitOK, nil
	}
	if err != nil {
		return 0, usagef("serve: %v (run 'returnpath serve --help')", err)
	}
	if len(positional) > 0 {
		return 0, usagef("serve: unexpected argument %q (serve takes only flags)", positional[0])
	}
	// The server checks plans of many workspaces and has no .tf files:
	// one configuration file applies to all, and only its ignore blocks.
	settings, err := loadConfig(cfg.Config, ".")
	if err != nil {
		return 0, err
	}
	failOnText := cfg.FailOn
	if !isSet(fs, "fail-on") && settings.FailOn != "" {
		failOnText = settings.FailOn
	}
	failOn, err := parseFailOn(failOnText)
	if err != nil {
		return 0, usagef("serve: %v", err)
	}
	a := analysis{config: settings, ignores: settings.Ignores, failOn: failOn, onlyNew: cfg.OnlyNew}
	var handler slog.Handler
	switch cfg.LogFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	default:
		return 0, usagef("serve: unknown --log-format %q (want text or json)", cfg.LogFormat)
	}
	switch {
	case cfg.Workers < 1:
		return 0, usagef("serve: --workers must be at least 1, got %d", cfg.Workers)
	case cfg.Queue < 0:
		return 0, usagef("serve: --queue must not be negative, got %d", cfg.Queue)
	case cfg.DrainTimeout <= 0:
		return 0, usagef("serve: --drain-timeout must be positive, got %s", cfg.DrainTimeout)
	}
	if _, err := runtask.ParseReportURL(cfg.ReportURL); err != nil {
		return 0, usagef("serve: --report-url: %v", err)
	}

	timing := runtask.DefaultTiming()
	timing.DrainTimeout = cfg.DrainTimeout
	srv, err := runtask.New(runtask.Config{
		Analyse: o.taskAnalysis(a),
		Context: runtask.ContextConfig{
			Workspaces: settings.ContextWorkspaces,
			Token:      o.Getenv(TFETokenEnv),
			MaxBytes:   int64(cfg.MaxPlanBytes),
			Timeout:    contextTimeout,
		},
		AnalyseWithContext: func(ctx context.Context, name string, planJSON []byte, states []runtask.ContextState, problems []runtask.ContextProblem) (runtask.Analysis, error) {
			r, err := o.reviewWithContext(ctx, name, planJSON, states, problems, a)
			if err != nil {
				return runtask.Analysis{}, err
			}
			return runtask.Analysis{Report: r, Failed: exitCode(r, failOn) == ExitFindings}, nil
		},
		HMACKey:      []byte(o.Getenv(HMACKeyEnv)),
		Secrets:      o.secrets, // stderr, where the logs go, redacts them
		MaxPlanBytes: int64(cfg.MaxPlanBytes),
		Workers:      cfg.Workers,
		QueueSize:    cfg.Queue,
		ReportURL:    cfg.ReportURL,
		Version:      o.Version,
		Logger:       slog.New(handler),
		Timing:       timing,
	})
	if err != nil {
		return 0, fmt.Errorf("serve: %v", err)
	}

	// The first signal starts the graceful shutdown; after it, signals
	// have their default effect again, so a second one ends the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return 0, fmt.Errorf("serve: cannot listen on %s: %v", cfg.Addr, err)
	}
	if err := srv.Serve(ctx, ln); err != nil {
		return 0, fmt.Errorf("serve: %v", err)
	}
	return ExitOK, nil
}

// TFETokenEnv names the environment variable with the token that reads the
// state of context workspaces (never logged).
const TFETokenEnv = "RETURNPATH_TFE_TOKEN"

// contextTimeout bounds the fetches of a task's context workspaces, well
// inside the task deadline.
const contextTimeout = 2 * time.Minute

// reviewWithContext checks a task's plan against the states of its context
// workspaces. A state that cannot be fetched or read leaves the plan
// checked without it, with an RP008 notice that says why.
func (o Options) reviewWithContext(ctx context.Context, name string, planJSON []byte, states []runtask.ContextState, problems []runtask.ContextProblem, a analysis) (*report.Report, error) {
	var contexts []*plan.Context
	for _, st := range states {
		c, err := plan.ParseContext("workspace "+st.Workspace, st.JSON, "")
		if err != nil {
			problems = append(problems, runtask.ContextProblem{Workspace: st.Workspace, Reason: err.Error()})
			continue
		}
		contexts = append(contexts, c)
	}
	m, err := plan.ParseWithContext(name, planJSON, "", contexts)
	if err != nil {
		return nil, err
	}
	var unused []string
	for _, p := range problems {
		unused = append(unused, "workspace "+p.Workspace)
		m.Planned.Unresolved = append(m.Planned.Unresolved, plan.Unresolved{
			Address: plan.Address("workspace " + p.Workspace), Informational: true,
			Reason: "context workspace not used: " + p.Reason + "; the plan is checked without it",
		})
	}
	r, err := o.review(ctx, m, name, a)
	if err != nil {
		return nil, err
	}
	r.UnusedContexts = unused
	return r, nil
}

// taskAnalysis is how serve analyses a task's plan: like check, under the
// task's deadline (the checks stop when ctx ends).
func (o Options) taskAnalysis(a analysis) func(ctx context.Context, name string, planJSON []byte) (runtask.Analysis, error) {
	return func(ctx context.Context, name string, planJSON []byte) (runtask.Analysis, error) {
		m, err := plan.Parse(name, planJSON)
		if err != nil {
			return runtask.Analysis{}, err
		}
		r, err := o.review(ctx, m, name, a)
		if err != nil {
			return runtask.Analysis{}, err
		}
		return runtask.Analysis{Report: r, Failed: exitCode(r, a.failOn) == ExitFindings}, nil
	}
}

// byteSizeFlag is a size in bytes written as a number of bytes or with a
// binary unit: 268435456, 256MiB, 1GiB.
type byteSizeFlag int64

func (b *byteSizeFlag) String() string {
	n := int64(*b)
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSizeFlag) Set(s string) error {
	number, unit := strings.TrimSpace(s), int64(1)
	for _, u := range []struct {
		name string
		size int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if rest, ok := strings.CutSuffix(number, u.name); ok {
			number, unit = strings.TrimSpace(rest), u.size
			break
		}
	}
	n, err := strconv.ParseInt(number, 10, 64)
	if err != nil || n < 1 || n > (1<<62)/unit {
		return fmt.Errorf("want a positive number of bytes, or one with KiB, MiB or GiB, got %q", s)
	}
	*b = byteSizeFlag(n * unit)
	return nil
}
