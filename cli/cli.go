package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/config"
	"github.com/returnpath-dev/returnpath/internal/oneline"
	"github.com/returnpath-dev/returnpath/internal/redact"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/prcomment"
	"github.com/returnpath-dev/returnpath/report"
	"github.com/returnpath-dev/returnpath/source"
)

// Exit codes (as actionlint and TFLint use them).
const (
	ExitOK       = 0 // nothing at or above --fail-on
	ExitFindings = 1 // findings at or above --fail-on
	ExitError    = 2 // usage or input error
)

// Options are what Main takes from its surroundings; the zero value is the
// real program. Tests set Version to get reports that do not change per
// build.
type Options struct {
	// Version is shown by `returnpath version` and written into reports;
	// "" means Version().
	Version string
	// Getenv reads the environment (NO_COLOR, TERM); nil means os.Getenv.
	Getenv func(string) string
	// Now is the clock that expiry dates of ignores are read against; nil
	// means time.Now.
	Now func() time.Time

	// load and run replace plan.LoadLimited and checks.RunContext in
	// tests.
	load func(name string, stdin io.Reader, dir string, maxBytes int64) (*plan.Model, error)
	run  func(context.Context, *plan.Model, checks.Config) ([]checks.Finding, error)
	// repoRoot replaces source.RepoRoot in tests, so that report paths do
	// not depend on where the checkout is.
	repoRoot func(dir string) string
	// sleep replaces the waits on GitHub rate limits in tests; nil waits.
	sleep func(context.Context, time.Duration) error

	// secrets are redacted from stderr, from the stdout of comment and
	// serve, and from serve's logs: GITHUB_TOKEN, the HMAC key, and the
	// access tokens of running tasks. Main sets it.
	secrets *redact.Set
}

// Main runs returnpath with args (without the program name) and returns the
// exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return Options{}.Main(args, stdin, stdout, stderr)
}

// Main runs returnpath with these options.
func (o Options) Main(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	o.secrets = redact.NewSet(o.Getenv("GITHUB_TOKEN"), o.Getenv(HMACKeyEnv))
	errOut := redact.NewWriter(stderr, o.secrets)
	defer errOut.Flush()
	stderr = errOut
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "returnpath: internal error: %s\n", oneline.Of(fmt.Sprint(r)))
			code = ExitError
		}
	}()
	if o.Version == "" {
		o.Version = Version()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.load == nil {
		o.load = func(name string, stdin io.Reader, dir string, maxBytes int64) (*plan.Model, error) {
			return plan.LoadLimited(name, stdin, dir, nil, maxBytes)
		}
	}
	if o.run == nil {
		o.run = checks.RunContext
	}
	if o.repoRoot == nil {
		o.repoRoot = source.RepoRoot
	}
	code, err := o.dispatch(args, stdin, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "returnpath: %s\n", oneline.Of(err.Error()))
		return ExitError
	}
	return code
}

// usagef is a mistake on the command line; its message says how to get help.
func usagef(format string, args ...any) error { return fmt.Errorf(format, args...) }

func (o Options) dispatch(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		return 0, usagef("no command given (run 'returnpath help')")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "check":
		return o.check(rest, stdin, stdout)
	case "rules":
		return rules(rest, stdout)
	case "explain":
		return explain(rest, stdout)
	case "comment":
		return o.comment(rest, stdin, stdout)
	case "fix":
		return o.fix(rest, stdin, stdout, stderr)
	case "serve":
		return o.serve(rest, stdout, stderr)
	case "completion":
		return completion(rest, stdout)
	case "trace":
		return o.trace(rest, stdin, stdout)
	case "version", "--version", "-version":
		if len(rest) > 0 {
			return 0, usagef("version takes no arguments, got %q", rest[0])
		}
		BuildOf(o.Version).Print(stdout)
		return ExitOK, nil
	case "help", "--help", "-help", "-h":
		return help(rest, stdout)
	}
	if strings.HasPrefix(cmd, "-") {
		return 0, usagef("unknown flag %s before the command (run 'returnpath help')", cmd)
	}
	return 0, usagef("unknown command %q (run 'returnpath help')", cmd)
}

func help(args []string, stdout io.Writer) (int, error) {
	switch {
	case len(args) == 0:
		fmt.Fprint(stdout, usage)
	case len(args) == 1 && args[0] == "check":
		fs, _ := checkFlags()
		printCheckUsage(stdout, fs)
	case len(args) == 1 && args[0] == "rules":
		fmt.Fprint(stdout, rulesUsage)
	case len(args) == 1 && args[0] == "explain":
		fmt.Fprint(stdout, explainUsage)
	case len(args) == 1 && args[0] == "comment":
		fs, _ := commentFlags()
		printCommentUsage(stdout, fs)
	case len(args) == 1 && args[0] == "fix":
		fs, _ := fixFlags()
		printFixUsage(stdout, fs)
	case len(args) == 1 && args[0] == "trace":
		fs, _ := traceFlags()
		printTraceUsage(stdout, fs)
	case len(args) == 1 && args[0] == "serve":
		fs, _ := serveFlags()
		printServeUsage(stdout, fs)
	case len(args) == 1 && args[0] == "completion":
		fmt.Fprint(stdout, completionUsage)
	case len(args) == 1 && (args[0] == "version" || args[0] == "help"):
		fmt.Fprint(stdout, usage)
	default:
		return 0, usagef("help: unknown command %q (run 'returnpath help')", strings.Join(args, " "))
	}
	return ExitOK, nil
}

const usage = `returnpath finds AWS network ACL rules in a Terraform plan that break the
return half of connections (NACLs are stateless: replies need their own allow
rule on the client's ephemeral ports).

Usage:
  returnpath check [flags] PLAN   check a plan (terraform show -json output, a binary plan, or - for stdin);
                                  several plans, or --context FILE, check across stacks
  returnpath comment [flags] PLAN check a plan and post the report as a GitHub pull-request comment
  returnpath fix [flags] PLAN     write the fixes of error findings into the Terraform configuration
  returnpath trace --from A --to B --port tcp/443 PLAN
                                  follow one flow hop by hop, both ways: where is it dropped?
  returnpath serve [flags]        run the HCP Terraform / Terraform Enterprise run task server
  returnpath rules                list the rules with their severity and what they find
  returnpath explain RULE         explain a rule at length, with an example fix
  returnpath version              print the version, commit, build date and Go version
  returnpath completion SHELL     print a completion script for bash, zsh or fish
  returnpath help [COMMAND]       print this help, or the help of check, comment, fix, trace, serve, rules, explain or completion

Configuration: .returnpath.hcl in the configuration directory or a parent up to
the repository root (or --config FILE) sets client ranges, rule severities,
fail_on and ignores; '# returnpath:ignore RULE REASON' above a resource block
ignores one rule there.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.
`

// checkConfig is what the check command was asked to do.
type checkConfig struct {
	Format string
	analysisFlags
	NoColor        bool
	MaxAnnotations int
}

// analysisFlags are the flags of every command that analyses a plan: they
// choose the configuration, the findings kept and the exit code.
type analysisFlags struct {
	FailOn  string
	OnlyNew bool
	// Chdir is the Terraform configuration directory: for source
	// locations and ignore comments, and where the search for the
	// configuration file starts; "" means source.ConfigDir's default.
	Chdir     string
	Config    string // --config FILE; "" means look for config.FileName
	NoIgnores bool
	// Contexts are the --context files; ContextFindings lists the
	// findings wholly inside them instead of only counting them.
	Contexts        stringList
	ContextFindings bool
	// MaxPlanBytes bounds the plan read; a larger one is an input error.
	MaxPlanBytes byteSizeFlag
}

// defaultFailOn is --fail-on when neither the flag nor fail_on is given.
const defaultFailOn = "error"

// register defines the flags on fs.
func (a *analysisFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.FailOn, "fail-on", defaultFailOn, "exit 1 when a finding has at least `SEVERITY`: error, warning, notice or never; overrides fail_on of the configuration")
	fs.BoolVar(&a.OnlyNew, "only-new", false, "report only findings this plan introduces, not those already in the prior state")
	fs.StringVar(&a.Chdir, "chdir", "", "the Terraform configuration `DIR`, for source locations, ignore comments and the module sources that locals are read from, and where the search for "+config.FileName+" starts (default: the plan file's directory)")
	fs.StringVar(&a.Config, "config", "", "read the configuration from `FILE` (default: "+config.FileName+" in the configuration directory or a parent, up to the repository root)")
	fs.BoolVar(&a.NoIgnores, "no-ignores", false, "apply no ignore (blocks of the configuration, returnpath:ignore comments): report everything")
	fs.Var(&a.Contexts, "context", "check against the existing infrastructure in `FILE`: `terraform show -json` of a state, a raw state (`terraform state pull`) or another plan's JSON (repeatable; adds to context in the configuration)")
	fs.BoolVar(&a.ContextFindings, "context-findings", false, "also list the findings wholly inside the context, which are otherwise only counted")
	a.MaxPlanBytes = byteSizeFlag(plan.DefaultMaxBytes)
	fs.Var(&a.MaxPlanBytes, "max-plan-bytes", "refuse a plan larger than `SIZE` (bytes, or with KiB, MiB, GiB) before reading all of it")
}

func checkFlags() (*flag.FlagSet, *checkConfig) {
	cfg := &checkConfig{}
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by Main, in one line
	fs.StringVar(&cfg.Format, "format", "text", "output `FORMAT`: "+strings.Join(report.Names(), ", "))
	cfg.analysisFlags.register(fs)
	fs.BoolVar(&cfg.NoColor, "no-color", false, "no colours in text output (also: NO_COLOR set, or stdout not a terminal)")
	fs.IntVar(&cfg.MaxAnnotations, "max-annotations", report.DefaultMaxAnnotations, "--format github: write at most `N` annotations per severity, most severe first (GitHub shows 10 per type and step); 0 writes all")
	return fs, cfg
}

func printCheckUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: returnpath check [flags] PLAN [PLAN...]

Checks the network ACLs in PLAN: the JSON of 'terraform show -json PLANFILE',
a binary plan file (read with terraform), or - for standard input.

With --context FILE (or context = [...] in the configuration), PLAN is
checked against the existing infrastructure of other stacks: the JSON of
'terraform show -json' of a state, a raw state ('terraform state pull'), or
another plan's JSON. Only findings a resource of PLAN takes part in are
listed; those wholly inside the context are counted. Several PLANs are each
checked with the others as context, in one report grouped by plan; the exit
code is that of the worst.

Flags:
`)
	printFlags(w, fs)
	fmt.Fprint(w, "\nFormats:\n")
	for _, f := range report.Formats() {
		fmt.Fprintf(w, "  %-8s %s\n", f.Name, f.Description)
	}
}

// printFlags lists a command's flags, "--name ARG  help (default x)".
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, help := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if arg != "" {
			name += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			help += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  %-20s %s\n", name, help)
	})
}

// parseInterleaved parses flags before and after positional arguments
// ("check plan.json --format json" works); "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, doubleDash(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func (o Options) check(args []string, stdin io.Reader, stdout io.Writer) (int, error) {
	fs, cfg := checkFlags()
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printCheckUsage(stdout, fs)
		return ExitOK, nil
	}
	if err != nil {
		return 0, usagef("check: %v (run 'returnpath check --help')", err)
	}
	format, ok := report.Lookup(cfg.Format)
	if !ok {
		return 0, usagef("check: unknown --format %q (want %s)", cfg.Format, strings.Join(report.Names(), ", "))
	}
	if len(positional) == 0 {
		_, err := onePlan(positional)
		return 0, usagef("check: %v", err)
	}
	if cfg.MaxAnnotations < 0 {
		return 0, usagef("check: --max-annotations must not be negative, got %d", cfg.MaxAnnotations)
	}
	var attach func(*plan.Model, *report.Report, string, analysis)
	if format.Name == "sarif" {
		// SARIF results carry the edit returnpath fix would make.
		attach = func(m *plan.Model, r *report.Report, name string, a analysis) {
			attachPatches(m, r, source.ConfigDir(cfg.Chdir, name), a.root)
		}
	}
	r, code, failOn, err := o.analysePlans(fs, cfg.analysisFlags, positional, stdin, attach)
	if err != nil {
		return 0, err
	}
	color := !cfg.NoColor && isTerminal(stdout) && o.Getenv("NO_COLOR") == "" && o.Getenv("TERM") != "dumb"
	var out bytes.Buffer
	if err := format.New(report.Options{Color: color, MarkdownHeader: prcomment.Marker + "\n", FailOn: failOn, MaxAnnotations: cfg.MaxAnnotations}).Format(&out, r); err != nil {
		return 0, fmt.Errorf("writing the %s report: %v", format.Name, err)
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return 0, fmt.Errorf("writing the report: %v", err)
	}
	return code, nil
}

// analysis is what a command that analyses a plan settles from its flags
// and files before it loads the plan.
type analysis struct {
	config *config.Config
	// ignores are the returnpath:ignore comments, then the ignore blocks
	// of the configuration; none with --no-ignores.
	ignores []config.Ignore
	failOn  checks.Severity
	onlyNew bool
	// maxPlanBytes bounds the plan read from a file or stdin.
	maxPlanBytes int64
	// sources is the Terraform configuration, read once for ignore
	// comments and file:line locations; root is the repository that
	// holds it, the base of the paths.
	sources *source.Index
	root    string
	// dir is the Terraform configuration directory, whose module sources
	// resolve locals.
	dir string
	// showContext lists the findings wholly inside the context.
	showContext bool
	// contextFiles are the context files analyseModel reads while it
	// reads the plan; contexts are the contexts of a plan checked with
	// others (analysePlans), already read.
	contexts     []*plan.Context
	contextFiles []string
}

// prepare checks the analysis flags of fs (parsed into flags) and reads
// the configuration: the file (--config, or the one found from the
// configuration directory) and the ignore comments of the Terraform
// configuration. A bad configuration is an error that names the file,
// line and column.
func (o Options) prepare(fs *flag.FlagSet, flags analysisFlags, planName string) (analysis, error) {
	if err := checkChdir(flags.Chdir); err != nil {
		return analysis{}, err
	}
	dir := source.ConfigDir(flags.Chdir, planName)
	cfg, err := loadConfig(flags.Config, dir)
	if err != nil {
		return analysis{}, err
	}
	failOn := flags.FailOn
	if !isSet(fs, "fail-on") && cfg.FailOn != "" {
		failOn = cfg.FailOn
	}
	a := analysis{config: cfg, onlyNew: flags.OnlyNew, dir: dir, showContext: flags.ContextFindings, maxPlanBytes: int64(flags.MaxPlanBytes)}
	if a.failOn, err = parseFailOn(failOn); err != nil {
		return analysis{}, usagef("%s: %v", fs.Name(), err)
	}
	// Comments are checked even with --no-ignores: a malformed one is an
	// error either way.
	a.root = o.repoRoot(dir)
	a.sources = source.Load(dir, a.root)
	comments, diags := config.Comments(a.sources)
	if diags.HasErrors() {
		return analysis{}, diags
	}
	if !flags.NoIgnores {
		a.ignores = append(comments, cfg.Ignores...)
	}
	return a, nil
}

// loadConfig reads the configuration file: path when given, else the
// nearest config.FileName from dir up to the repository root, else the
// defaults.
func loadConfig(path, dir string) (*config.Config, error) {
	if path == "" {
		found, ok, err := config.Find(dir)
		if err != nil {
			return nil, fmt.Errorf("looking for %s: %v", config.FileName, err)
		}
		if !ok {
			return config.Default(), nil
		}
		path = found
	} else if info, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("--config %s: no such file", path)
	} else if err == nil && info.IsDir() {
		return nil, fmt.Errorf("--config %s: a directory, not a file", path)
	}
	cfg, err := config.Load(path)
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return nil, fmt.Errorf("%s: %v", path, pathErr.Err)
	}
	return cfg, err // hcl diagnostics name the file, line and column
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// analyse is the path every command shares: load the plan, run the checks
// as configured, apply the ignores, keep only new findings when asked, and
// build the report.
func (o Options) analyse(name string, stdin io.Reader, a analysis) (*report.Report, error) {
	_, r, err := o.analyseModel(name, stdin, a)
	return r, err
}

// analyseModel is analyse that also returns the loaded plan's model.
func (o Options) analyseModel(name string, stdin io.Reader, a analysis) (*plan.Model, *report.Report, error) {
	m, err := o.loadModel(name, stdin, a)
	if err != nil {
		msg := err.Error()
		if name != "-" && !strings.Contains(msg, name) {
			msg = name + ": " + msg
		}
		return nil, nil, errors.New(msg)
	}
	r, err := o.review(context.Background(), m, name, a)
	return m, r, err
}

// loadModel loads the plan with its contexts. The context files are read
// while the plan is read and decoded: the two are independent until the
// model is built, and overlap on a machine with more than one core. A
// context that cannot be read is the error, as when they were read first.
func (o Options) loadModel(name string, stdin io.Reader, a analysis) (*plan.Model, error) {
	if len(a.contextFiles) == 0 {
		return o.load(name, stdin, a.dir, a.maxPlanBytes)
	}
	var contexts []*plan.Context
	var contextErr error
	read := make(chan struct{})
	go func() {
		defer close(read)
		contexts, contextErr = contextCache{}.contextsFor(a.contextFiles, nil)
	}()
	decoded, err := plan.DecodeLimited(name, stdin, a.maxPlanBytes)
	<-read
	if contextErr != nil {
		return nil, contextErr
	}
	if err != nil {
		return nil, err
	}
	return decoded.Build(a.dir, contexts)
}

// review runs the checks on a loaded plan, applies the ignores, keeps only
// new findings when asked, and builds the report. It fails only when ctx
// ends the checks.
func (o Options) review(ctx context.Context, m *plan.Model, name string, a analysis) (*report.Report, error) {
	findings, err := o.run(ctx, m, a.config.Checks)
	if err != nil {
		return nil, err
	}
	findings, inContext := checks.InPlan(m, findings)
	if a.showContext {
		findings, inContext = append(findings, inContext...), nil
	}
	// What the configuration index did not read: about this plan's
	// configuration, never the context's.
	findings = append(findings, sourceNotices(a.sources, a.config.Checks)...)
	findings = config.Suppress(findings, a.ignores, o.Now(), a.config.Checks)
	if a.onlyNew {
		findings, inContext = onlyNew(findings), onlyNew(inContext)
	}
	r := report.New(m, findings, name, o.Version)
	r.Summary.ContextFindings = len(inContext)
	return r, nil
}

func onlyNew(findings []checks.Finding) []checks.Finding {
	kept := findings[:0:0]
	for _, f := range findings {
		if f.Status != checks.Existing {
			kept = append(kept, f)
		}
	}
	return kept
}

// sourceNotices are the RP008 notices of what the configuration index did
// not read (outside the repository, too large, not UTF-8), graded by cfg.
func sourceNotices(ix *source.Index, cfg checks.Config) []checks.Finding {
	var out []checks.Finding
	for _, n := range ix.Notices() {
		f, ok := cfg.Grade(checks.Finding{
			Rule: checks.Unresolved, Severity: checks.Notice, Status: checks.New,
			Resource: plan.Address(n.Subject), Message: n.Reason,
		})
		if ok {
			out = append(out, f)
		}
	}
	return out
}

// locate points the findings at their .tf files, with paths relative to
// the repository that holds the configuration. A configuration that is
// missing or does not name a resource only means fewer locations.
func locate(r *report.Report, planFile string, a analysis) {
	r.Locate(a.sources)
	if planFile != "-" {
		// A plan outside the repository has no path code scanning could
		// show: RepoFile stays "".
		r.Plan.RepoFile, _ = source.RepoRelative(a.root, planFile)
	}
}

// exitCode is ExitFindings when a finding that no ignore suppresses
// reaches failOn.
func exitCode(r *report.Report, failOn checks.Severity) int {
	for _, f := range r.Findings {
		if f.Suppression == nil && failOn != never && f.Severity >= failOn {
			return ExitFindings
		}
	}
	return ExitOK
}

// never is the --fail-on value that no severity reaches.
const never checks.Severity = 0

func parseFailOn(s string) (checks.Severity, error) {
	if s == "never" {
		return never, nil
	}
	sev, err := checks.ParseSeverity(s)
	if err != nil {
		return 0, fmt.Errorf("unknown --fail-on %q (want error, warning, notice or never)", s)
	}
	return sev, nil
}

// flagName is a flag's name as package flag writes it in its errors
// ("flag needs an argument: -format", "invalid value "x" for flag -n").
var flagName = regexp.MustCompile(`(: |for flag |for )-([^\s:=-][^\s:=]*)`)

// doubleDash rewrites the flag names in an error of package flag to the
// "--name" form the help text and the documentation use; ErrHelp is kept.
func doubleDash(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errors.New(flagName.ReplaceAllString(err.Error(), "$1--$2"))
}

// onePlan is the PLAN argument of command cmd; the caller names the
// command in the error.
func onePlan(positional []string) (string, error) {
	switch len(positional) {
	case 0:
		return "", usagef("missing PLAN (the JSON of 'terraform show -json PLANFILE', or - for stdin)")
	case 1:
		return positional[0], nil
	}
	return "", usagef("want one PLAN, got %d arguments: %s", len(positional), strings.Join(positional, " "))
}

// checkChdir checks that --chdir, when given, is a directory.
func checkChdir(dir string) error {
	if dir == "" {
		return nil
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return fmt.Errorf("--chdir %s: not a directory", dir)
	}
	return nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
