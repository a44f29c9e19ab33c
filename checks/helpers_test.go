package checks

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/returnpath-dev/returnpath/checks/internal/testnet"
	"github.com/returnpath-dev/returnpath/plan"
)

// Short names for the one test network builder, checks/internal/testnet.
const testNACL = testnet.NACL

type topo = testnet.Builder

var (
	rule       = testnet.Rule
	icmpRule   = testnet.ICMPRule
	icmp6Rule  = testnet.ICMP6Rule
	standalone = testnet.Standalone
	directed   = testnet.Directed
	sourced    = testnet.Sourced
	allow      = testnet.Allow
	newTopo    = testnet.New
	network    = testnet.Network

	tcp     = plan.ProtocolTCP
	allFrom = func(n int, cidr string) plan.Entry { return rule(n, true, plan.ProtocolAll, cidr, 0, 0) }
)

// run runs the checks and renders the findings of the given rules as
// "RULE severity RESOURCE leg".
func run(t *topo, rules ...string) []string {
	var out []string
	for _, f := range Run(&plan.Model{Planned: t.Net}, DefaultConfig()) {
		if !slices.Contains(rules, f.Rule) {
			continue
		}
		line := f.Rule + " " + f.Severity.String() + " " + string(f.Resource)
		if f.Flow != nil {
			line += " " + f.Flow.Leg.String() + " " + f.Flow.PeerCIDR.String()
		}
		out = append(out, line)
	}
	return out
}

// runPlanned runs the checks on a planned network. The NACLs of these
// tests have no ICMP rules, so the path-MTU notices (RP007, tested on
// their own) are left out.
func runPlanned(n *plan.Network) []Finding {
	return withoutRule(Run(&plan.Model{Planned: n}, DefaultConfig()), "RP007")
}

func withoutRule(findings []Finding, id string) []Finding {
	return slices.DeleteFunc(findings, func(f Finding) bool { return f.Rule == id })
}

// summary is the gist of a finding, for table tests.
func summary(f Finding) string {
	if f.Flow == nil {
		return fmt.Sprintf("%s %s %s", f.Rule, f.Severity, f.Message)
	}
	toward := "from"
	if f.Flow.Direction == plan.Egress {
		toward = "to"
	}
	return fmt.Sprintf("%s %s %s %s %s/%s %s %s missing %s", f.Rule, f.Severity, f.Flow.Direction, f.Flow.Family,
		f.Flow.Protocol, f.Flow.ServicePorts, toward, f.Flow.PeerCIDR, portsText(f.Flow.MissingPorts))
}

func summaries(findings []Finding) []string {
	var out []string
	for _, f := range findings {
		out = append(out, summary(f))
	}
	return out
}

func findRule(findings []Finding, id string) (Finding, bool) {
	for _, f := range findings {
		if f.Rule == id {
			return f, true
		}
	}
	return Finding{}, false
}

func assertFinding(t *testing.T, got, want Finding) {
	t.Helper()
	if got.Rule != want.Rule || got.Severity != want.Severity || got.Resource != want.Resource || got.Status != want.Status {
		t.Errorf("header = %s %s %s %s, want %s %s %s %s", got.Rule, got.Severity, got.Resource, got.Status,
			want.Rule, want.Severity, want.Resource, want.Status)
	}
	if got.Message != want.Message {
		t.Errorf("message:\n got %s\nwant %s", got.Message, want.Message)
	}
	if !slices.Equal(got.Subnets, want.Subnets) {
		t.Errorf("subnets = %v, want %v", got.Subnets, want.Subnets)
	}
	if (got.Flow == nil) != (want.Flow == nil) {
		t.Fatalf("flow = %v, want %v", got.Flow, want.Flow)
	}
	if got.Flow == nil {
		return
	}
	g, w := *got.Flow, *want.Flow
	if g.Suggestion != w.Suggestion {
		t.Errorf("suggestion:\n%s\nwant:\n%s", g.Suggestion, w.Suggestion)
	}
	if !slices.Equal(g.MissingPorts, w.MissingPorts) {
		t.Errorf("missing ports = %v, want %v", g.MissingPorts, w.MissingPorts)
	}
	if (g.BlockingRule == nil) != (w.BlockingRule == nil) || (g.BlockingRule != nil && *g.BlockingRule != *w.BlockingRule) {
		t.Errorf("blocking rule = %v, want %v", g.BlockingRule, w.BlockingRule)
	}
	g.Suggestion, g.MissingPorts, g.BlockingRule = "", nil, nil
	w.Suggestion, w.MissingPorts, w.BlockingRule = "", nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("flow:\n got %+v\nwant %+v", g, w)
	}
}

func findingsOf(t *topo, rule string) []Finding {
	var out []Finding
	for _, f := range Run(&plan.Model{Planned: t.Net}, DefaultConfig()) {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func wantLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
}
