package checks

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/plan"
)

func TestFixRuleNumber(t *testing.T) {
	entriesAt := func(numbers ...int) []plan.Entry {
		var out []plan.Entry
		for _, n := range numbers {
			out = append(out, rule(n, true, plan.ProtocolTCP, "0.0.0.0/0", 1, 1))
		}
		return out
	}
	tests := []struct {
		name    string
		entries []plan.Entry
		deny    int // the first deny's number, 0 for none
		intent  int
		want    int
		wantOK  bool
	}{
		{"after the intent", entriesAt(100), 0, 100, 110, true},
		{"after the intent, skipping used numbers", entriesAt(100, 110, 120), 0, 100, 130, true},
		{"after an intent off the grid", nil, 0, 105, 110, true},
		{"below a deny", entriesAt(90), 90, 100, 80, true},
		{"below a deny, skipping used numbers", entriesAt(70, 80, 90), 90, 100, 60, true},
		{"below a deny off the grid", entriesAt(95), 95, 100, 90, true},
		{"below a deny with no free multiple of 10", entriesAt(5, 10), 10, 100, 9, true},
		{"below rule 1: impossible", entriesAt(1), 1, 100, 0, false},
		{"after the intent at the top", entriesAt(32766), 0, 32766, 32765, true},
		// Numbers no plan rule has (plan drops them): nothing overflows.
		{"after the largest int", nil, 0, math.MaxInt, 32766, true},
		{"after the smallest int", nil, 0, math.MinInt, 10, true},
		{"below the largest int", nil, math.MaxInt, 100, 32760, true},
		{"below the smallest int", nil, math.MinInt, 100, 0, false},
	}
	for _, tt := range tests {
		done := make(chan struct{})
		var got int
		var ok bool
		go func() {
			defer close(done)
			got, ok = fixRuleNumber(tt.entries, tt.deny, tt.intent, nil)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the search did not end in 10 s", tt.name)
		}
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s: got %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestModuleRelativeAddresses(t *testing.T) {
	tests := []struct {
		addr     plan.Address
		relative string
		name     string
	}{
		{"aws_network_acl.public", "aws_network_acl.public", "public"},
		{"module.vpc.aws_network_acl.public[0]", "aws_network_acl.public[0]", "public"},
		{`module.vpc["eu.west"].module.net[2].aws_network_acl.private["a.b"]`, `aws_network_acl.private["a.b"]`, "private"},
		{"aws_default_network_acl.default", "aws_default_network_acl.default", "default"},
	}
	for _, tt := range tests {
		if got := moduleRelative(tt.addr); got != tt.relative {
			t.Errorf("moduleRelative(%s) = %s, want %s", tt.addr, got, tt.relative)
		}
		if got := resourceName(tt.addr); got != tt.name {
			t.Errorf("resourceName(%s) = %s, want %s", tt.addr, got, tt.name)
		}
	}
}

func TestSuggestionInsideAModule(t *testing.T) {
	n := network([]string{"10.0.1.0/24"},
		[]plan.Entry{standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), "module.vpc.aws_network_acl_rule.in[0]")}, nil)
	n.NACLs[0].Address = "module.vpc.aws_network_acl.public[0]"
	findings := runPlanned(n)
	if len(findings) != 1 {
		t.Fatalf("got %v, want one RP001", summaries(findings))
	}
	if s := findings[0].Flow.Suggestion; !strings.Contains(s, "network_acl_id = aws_network_acl.public[0].id\n") ||
		!strings.HasPrefix(s, `resource "aws_network_acl_rule" "public_egress_ephemeral" {`) {
		t.Errorf("suggestion does not reference the NACL inside its module:\n%s", s)
	}
	if findings[0].Resource != "module.vpc.aws_network_acl.public[0]" {
		t.Errorf("resource = %s, want the full address", findings[0].Resource)
	}
}

// Two fixes for one NACL direction get different rule numbers, so that
// applying both does not make a duplicate (RP006).
func TestFixesOfOneNACLDoNotShareNumbers(t *testing.T) {
	tp := newTopo()
	app := tp.Subnet("app", "10.0.10.0/24",
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)},
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 32768, 65535)})
	lbSG, appSG := tp.Group("alb"), tp.Group("app")
	tp.Place("aws_lb.web", plan.LoadBalancer, []*plan.Subnet{tp.Subnet("a", "10.0.0.0/24", nil, nil), tp.Subnet("b", "10.0.1.0/24", nil, nil)}, lbSG)
	tp.Place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, appSG)
	allow(appSG, plan.Ingress, tcp, 8080, 8080, lbSG)
	var numbers []string
	for _, f := range findingsOf(tp, "RP003") {
		for _, line := range strings.Split(f.Flow.Suggestion, "\n") {
			if strings.Contains(line, "rule_no") {
				numbers = append(numbers, strings.TrimSpace(line))
			}
		}
	}
	wantLines(t, numbers, "rule_no    = 110", "rule_no    = 120")
}

// Two standalone fixes for one NACL get different resource names, so that
// applying both is valid Terraform.
func TestFixesOfOneModuleDoNotShareNames(t *testing.T) {
	n := network([]string{"10.0.1.0/24"},
		[]plan.Entry{
			standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), "aws_network_acl_rule.https_in"),
			standalone(rule(110, true, plan.ProtocolUDP, "0.0.0.0/0", 53, 53), "aws_network_acl_rule.dns_in"),
		}, nil)
	var names []string
	for _, f := range runPlanned(n) {
		if f.Fix != nil {
			names = append(names, f.Fix.Name)
		}
	}
	wantLines(t, names, "public_egress_ephemeral", "public_egress_ephemeral_2")
}
