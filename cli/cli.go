package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/report"
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

	// load and run replace plan.Load and checks.Run in tests.
	load func(name string, stdin io.Reader) (*plan.Model, error)
	run  func(*plan.Model, checks.Config) []checks.Finding
}

// Main runs returnpath with args (without the program name) and returns the
// exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return Options{}.Main(args, stdin, stdout, stderr)
}

// Main runs returnpath with these options.
func (o Options) Main(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "returnpath: internal error: %s\n", oneLine(fmt.Sprint(r)))
			code = ExitError
		}
	}()
	if o.Version == "" {
		o.Version = Version()
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.load == nil {
		o.load = plan.Load
	}
	if o.run == nil {
		o.run = checks.Run
	}
	code, err := o.dispatch(args, stdin, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "returnpath: %s\n", oneLine(err.Error()))
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
	case "serve":
		return o.serve(rest, stdout, stderr)
	case "version", "--version", "-version":
		if len(rest) > 0 {
			return 0, usagef("version takes no arguments, got %q", rest[0])
		}
		fmt.Fprintf(stdout, "returnpath %s\n", o.Version)
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
	case len(args) == 1 && args[0] == "serve":
		fs, _ := serveFlags()
		printServeUsage(stdout, fs)
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
  returnpath check [flags] PLAN   check a plan (terraform show -json output, a binary plan, or - for stdin)
  returnpath serve [flags]        run the HCP Terraform / Terraform Enterprise run task server
  returnpath version              print the version
  returnpath help [COMMAND]       print this help, or the flags of check or serve

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.
`

// checkConfig is what the check command was asked to do.
type checkConfig struct {
	Format  string
	FailOn  string
	OnlyNew bool
	// Chdir is the configuration directory, for source locations in
	// reports (not used by text and json yet); "" means the plan file's
	// directory.
	Chdir   string
	NoColor bool
}

func checkFlags() (*flag.FlagSet, *checkConfig) {
	cfg := &checkConfig{}
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by Main, in one line
	fs.StringVar(&cfg.Format, "format", "text", "output `FORMAT`: "+strings.Join(report.Names(), ", "))
	fs.StringVar(&cfg.FailOn, "fail-on", "error", "exit 1 when a finding has at least `SEVERITY`: error, warning, notice or never")
	fs.BoolVar(&cfg.OnlyNew, "only-new", false, "report only findings this plan introduces, not those already in the prior state")
	fs.StringVar(&cfg.Chdir, "chdir", "", "the Terraform configuration `DIR`, for source locations (default: the plan file's directory)")
	fs.BoolVar(&cfg.NoColor, "no-color", false, "no colours in text output (also: NO_COLOR set, or stdout not a terminal)")
	return fs, cfg
}

func printCheckUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: returnpath check [flags] PLAN

Checks the network ACLs in PLAN: the JSON of 'terraform show -json PLANFILE',
a binary plan file (read with terraform), or - for standard input.

Flags:
`)
	printFlags(w, fs)
	fmt.Fprint(w, "\nFormats:\n")
	for _, f := range report.Formats() {
		fmt.Fprintf(w, "  %-8s %s\n", f.Name, f.Description)
	}
}

// printFlags lists the flags of fs, one a line, with their defaults.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, help := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if arg != "" {
			name += " " + arg
		}
		if f.DefValue != "" && f.DefValue != "false" {
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
			return nil, err
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
	failOn, err := parseFailOn(cfg.FailOn)
	if err != nil {
		return 0, usagef("check: %v", err)
	}
	switch len(positional) {
	case 0:
		return 0, usagef("check: missing PLAN (the JSON of 'terraform show -json PLANFILE', or - for stdin)")
	case 1:
	default:
		return 0, usagef("check: want one PLAN, got %d arguments: %s", len(positional), strings.Join(positional, " "))
	}
	name := positional[0]
	if cfg.Chdir != "" {
		if info, err := os.Stat(cfg.Chdir); err != nil || !info.IsDir() {
			return 0, fmt.Errorf("--chdir %s: not a directory", cfg.Chdir)
		}
	}

	r, err := o.analyse(name, stdin, cfg.OnlyNew)
	if err != nil {
		return 0, err
	}
	color := !cfg.NoColor && isTerminal(stdout) && o.Getenv("NO_COLOR") == "" && o.Getenv("TERM") != "dumb"
	var out bytes.Buffer
	if err := format.New(report.Options{Color: color}).Format(&out, r); err != nil {
		return 0, fmt.Errorf("writing the %s report: %v", format.Name, err)
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return 0, fmt.Errorf("writing the report: %v", err)
	}
	return exitCode(r, failOn), nil
}

// analyse is the path every command shares: load the plan, run the checks,
// keep only new findings when asked, and build the report.
func (o Options) analyse(name string, stdin io.Reader, onlyNew bool) (*report.Report, error) {
	m, err := o.load(name, stdin)
	if err != nil {
		msg := err.Error()
		if name != "-" && !strings.Contains(msg, name) {
			msg = name + ": " + msg
		}
		return nil, errors.New(msg)
	}
	return o.review(m, name, onlyNew), nil
}

// review runs the checks on a loaded plan, keeps only new findings when
// asked, and builds the report.
func (o Options) review(m *plan.Model, name string, onlyNew bool) *report.Report {
	findings := o.run(m, checks.DefaultConfig())
	if onlyNew {
		kept := findings[:0:0]
		for _, f := range findings {
			if f.Status != checks.Existing {
				kept = append(kept, f)
			}
		}
		findings = kept
	}
	return report.New(m, findings, name, o.Version)
}

// exitCode is ExitFindings when a finding reaches failOn.
func exitCode(r *report.Report, failOn checks.Severity) int {
	for _, f := range r.Findings {
		if failOn != never && f.Severity >= failOn {
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

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// oneLine keeps a message on one line of stderr.
func oneLine(s string) string {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(slices.DeleteFunc(lines, func(l string) bool { return l == "" }), "; ")
}
