package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/report"
	"github.com/returnpath-dev/returnpath/source"
)

// traceConfig is what the trace command was asked to do.
type traceConfig struct {
	From, To, Port string
	Before         bool
	Format         string
	Chdir          string
	Config         string
	// Contexts are the --context files: existing infrastructure the
	// endpoints and subnets may belong to.
	Contexts stringList
	// MaxPlanBytes bounds the plan read, as in check.
	MaxPlanBytes byteSizeFlag
}

func traceFlags() (*flag.FlagSet, *traceConfig) {
	cfg := &traceConfig{}
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by Main, in one line
	fs.StringVar(&cfg.From, "from", "", "the client: an IP address or the Terraform address of a workload (aws_instance.app, module.x.aws_lb.web)")
	fs.StringVar(&cfg.To, "to", "", "the server: an IP address or the Terraform address of a workload")
	fs.StringVar(&cfg.Port, "port", "", "the service: tcp/`PORT`, udp/PORT, icmp/TYPE[:CODE] or icmpv6/TYPE[:CODE]")
	fs.BoolVar(&cfg.Before, "before", false, "trace the prior state (what exists today) instead of the plan")
	fs.StringVar(&cfg.Format, "format", "text", "output `FORMAT`: "+strings.Join(traceFormatNames(), ", "))
	fs.StringVar(&cfg.Chdir, "chdir", "", "the Terraform configuration `DIR`, for the .tf locations of rules (default: the plan file's directory)")
	fs.StringVar(&cfg.Config, "config", "", "read client ranges from `FILE` (default: .returnpath.hcl in the configuration directory or a parent)")
	cfg.MaxPlanBytes = byteSizeFlag(plan.DefaultMaxBytes)
	fs.Var(&cfg.MaxPlanBytes, "max-plan-bytes", "refuse a plan larger than `SIZE` (bytes, or with KiB, MiB, GiB) before reading all of it")
	fs.Var(&cfg.Contexts, "context", "trace through the existing infrastructure in `FILE` too: `terraform show -json` of a state, a raw state or another plan's JSON (repeatable; adds to context in the configuration)")
	return fs, cfg
}

func traceFormatNames() []string {
	var names []string
	for _, f := range report.TraceFormats() {
		names = append(names, f.Name)
	}
	return names
}

func printTraceUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage: returnpath trace --from ENDPOINT --to ENDPOINT --port PROTO/PORT [flags] PLAN

Follows one flow through the network PLAN builds, hop by hop as AWS filters
it: the source's security groups, the NACL of every subnet boundary (a NAT
gateway's subnet both ways), the destination's security groups; then the
replies back through the NACLs on the client's ephemeral ports, for each
client range that applies. A workload in several subnets is traced from (or
to) each. Without --before it also says when this plan breaks or fixes the
flow.

Flags:
`)
	printFlags(w, fs)
	fmt.Fprint(w, "\nFormats:\n")
	for _, f := range report.TraceFormats() {
		fmt.Fprintf(w, "  %-8s %s\n", f.Name, f.Description)
	}
	fmt.Fprint(w, "\nExit codes: 0 delivered both ways, 1 dropped, 2 usage or input error.\n")
}

func (o Options) trace(args []string, stdin io.Reader, stdout io.Writer) (int, error) {
	fs, cfg := traceFlags()
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printTraceUsage(stdout, fs)
		return ExitOK, nil
	}
	if err != nil {
		return 0, usagef("trace: %v (run 'returnpath trace --help')", err)
	}
	format, ok := report.LookupTraceFormat(cfg.Format)
	if !ok {
		return 0, usagef("trace: unknown --format %q (want %s)", cfg.Format, strings.Join(traceFormatNames(), ", "))
	}
	for _, f := range []struct{ name, value string }{{"from", cfg.From}, {"to", cfg.To}, {"port", cfg.Port}} {
		if f.value == "" {
			return 0, usagef("trace: --%s is required (run 'returnpath trace --help')", f.name)
		}
	}
	ask := checks.TraceAsk{From: cfg.From, To: cfg.To}
	if ask.Protocol, ask.Port, ask.ICMP, err = parseService(cfg.Port); err != nil {
		return 0, usagef("trace: --port %s: %v", cfg.Port, err)
	}
	name, err := onePlan(positional)
	if err != nil {
		return 0, usagef("trace: %v", err)
	}
	if err := checkChdir(cfg.Chdir); err != nil {
		return 0, err
	}
	dir := source.ConfigDir(cfg.Chdir, name)
	conf, err := loadConfig(cfg.Config, dir)
	if err != nil {
		return 0, err
	}

	contexts, err := contextCache{}.contextsFor(cfg.Contexts, conf.Context)
	if err != nil {
		return 0, err
	}
	load := o.load
	if len(contexts) > 0 {
		load = func(name string, stdin io.Reader, dir string, maxBytes int64) (*plan.Model, error) {
			return plan.LoadLimited(name, stdin, dir, contexts, maxBytes)
		}
	}
	m, err := load(name, stdin, dir, int64(cfg.MaxPlanBytes))
	if err != nil {
		msg := err.Error()
		if name != "-" && !strings.Contains(msg, name) {
			msg = name + ": " + msg
		}
		return 0, errors.New(msg)
	}
	traced, other := m.Planned, m.Prior
	if cfg.Before {
		if m.Prior == nil {
			return 0, fmt.Errorf("trace --before: %s creates everything: there is no prior state to trace", planName(name))
		}
		traced, other = m.Prior, nil
	}
	paths, err := checks.TraceNames(traced, ask, conf.Checks)
	if err != nil {
		return 0, fmt.Errorf("trace: %v", err)
	}
	r := &report.TraceReport{
		Version: o.Version, From: cfg.From, To: cfg.To, Service: paths[0].Service(), Before: cfg.Before,
		Plan: report.Plan{File: planName(name), FormatVersion: m.Info.FormatVersion, TerraformVersion: m.Info.TerraformVersion, Resources: m.Info.Resources},
	}
	for _, p := range paths {
		r.Paths = append(r.Paths, report.NewTracePath(p))
	}
	if !cfg.Before {
		r.Compared = compareWithPrior(other, ask, conf.Checks)
	}
	root := o.repoRoot(dir)
	r.Locate(source.Load(dir, root))

	var out bytes.Buffer
	if err := format.Format(&out, r); err != nil {
		return 0, fmt.Errorf("writing the %s trace: %v", format.Name, err)
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return 0, fmt.Errorf("writing the trace: %v", err)
	}
	if r.Verdict() != "delivered" {
		return ExitFindings, nil
	}
	return ExitOK, nil
}

// compareWithPrior traces the same flow in the prior state.
func compareWithPrior(prior *plan.Network, ask checks.TraceAsk, cfg checks.Config) *report.Comparison {
	if prior == nil {
		return &report.Comparison{Why: "the plan creates the whole network"}
	}
	paths, err := checks.TraceNames(prior, ask, cfg)
	var unknown *checks.UnknownEndpointError
	switch {
	case errors.As(err, &unknown):
		return &report.Comparison{Why: unknown.Name + " does not exist before this plan"}
	case err != nil:
		return &report.Comparison{Why: err.Error()}
	}
	for _, p := range paths {
		if !p.Delivered() {
			return &report.Comparison{Verdict: "dropped"}
		}
	}
	return &report.Comparison{Verdict: "delivered"}
}

func planName(name string) string {
	if name == "-" {
		return report.StdinName
	}
	return name
}

// parseService reads tcp/443, udp/53, icmp/8, icmp/3:4 or icmpv6/128.
func parseService(s string) (plan.Protocol, uint16, plan.ICMPMatch, error) {
	protoText, portText, ok := strings.Cut(s, "/")
	if !ok || portText == "" {
		return 0, 0, plan.ICMPMatch{}, fmt.Errorf("want PROTO/PORT, e.g. tcp/443, udp/53 or icmp/3:4")
	}
	switch proto := strings.ToLower(protoText); proto {
	case "tcp", "udp":
		port, err := strconv.ParseUint(portText, 10, 16)
		if err != nil || port == 0 {
			return 0, 0, plan.ICMPMatch{}, fmt.Errorf("%q is not a port (1-65535)", portText)
		}
		p, _ := plan.ParseProtocol(proto)
		return p, uint16(port), plan.ICMPMatch{}, nil
	case "icmp", "icmpv6":
		typeText, codeText, hasCode := strings.Cut(portText, ":")
		typ, err := strconv.ParseUint(typeText, 10, 8)
		if err != nil {
			return 0, 0, plan.ICMPMatch{}, fmt.Errorf("%q is not an ICMP type (0-255)", typeText)
		}
		code := uint64(0)
		if hasCode {
			if code, err = strconv.ParseUint(codeText, 10, 8); err != nil {
				return 0, 0, plan.ICMPMatch{}, fmt.Errorf("%q is not an ICMP code (0-255)", codeText)
			}
		}
		p, _ := plan.ParseProtocol(proto)
		return p, 0, plan.ICMPMatch{Type: int16(typ), Code: int16(code)}, nil
	}
	return 0, 0, plan.ICMPMatch{}, fmt.Errorf("unknown protocol %q (want tcp, udp, icmp or icmpv6)", protoText)
}
