package checks

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

func TestStatusAgainstPrior(t *testing.T) {
	broken := func(egressRule int) *plan.Network {
		return network([]string{"10.0.1.0/24"},
			[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
			[]plan.Entry{rule(egressRule, true, plan.ProtocolTCP, "0.0.0.0/0", 32768, 60999)})
	}
	fixed := network([]string{"10.0.1.0/24"},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535)})
	withUnresolved := func(n *plan.Network, reason string) *plan.Network {
		n.Unresolved = []plan.Unresolved{{Address: "aws_network_acl_rule.x", Reason: reason}}
		return n
	}
	tests := []struct {
		name  string
		model *plan.Model
		want  []Status
	}{
		{"no prior state", &plan.Model{Planned: broken(100)}, []Status{New}},
		{"already broken today", &plan.Model{Planned: broken(100), Prior: broken(100)}, []Status{Existing}},
		{"already broken, rule renumbered", &plan.Model{Planned: broken(200), Prior: broken(100)}, []Status{Existing}},
		{"broken by this plan", &plan.Model{Planned: broken(100), Prior: fixed}, []Status{New}},
		{
			"non-flow findings match by message",
			&plan.Model{Planned: withUnresolved(broken(100), "a"), Prior: withUnresolved(broken(100), "b")},
			[]Status{Existing, New},
		},
	}
	for _, tt := range tests {
		findings := withoutRule(Run(tt.model, DefaultConfig()), "RP007")
		var got []Status
		for _, f := range findings {
			got = append(got, f.Status)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: statuses %v, want %v (%v)", tt.name, got, tt.want, summaries(findings))
		}
	}
	if got := Run(&plan.Model{Prior: fixed}, DefaultConfig()); got != nil {
		t.Errorf("a model without a planned network gave %v", got)
	}
}

func TestOutputOrderIsStable(t *testing.T) {
	mk := func(addr plan.Address) *plan.NACL {
		return &plan.NACL{
			Address: addr,
			Ingress: []plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), rule(110, true, plan.ProtocolTCP, "0.0.0.0/0", 80, 80)},
			Egress:  []plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
		}
	}
	n := &plan.Network{NACLs: []*plan.NACL{mk("aws_network_acl.b"), mk("aws_network_acl.a")}}
	var got []string
	for _, f := range runPlanned(n) {
		got = append(got, string(f.Resource)+" "+summary(f))
	}
	want := []string{
		"aws_network_acl.a RP001 error ingress ipv4 tcp/80 from 0.0.0.0/0 missing 1024-65535",
		"aws_network_acl.a RP001 error ingress ipv4 tcp/443 from 0.0.0.0/0 missing 1024-65535",
		"aws_network_acl.a RP002 error egress ipv4 tcp/443 to 0.0.0.0/0 missing 1024-65535",
		"aws_network_acl.b RP001 error ingress ipv4 tcp/80 from 0.0.0.0/0 missing 1024-65535",
		"aws_network_acl.b RP001 error ingress ipv4 tcp/443 from 0.0.0.0/0 missing 1024-65535",
		"aws_network_acl.b RP002 error egress ipv4 tcp/443 to 0.0.0.0/0 missing 1024-65535",
	}
	if !slices.Equal(got, want) {
		t.Errorf("order:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestConfig(t *testing.T) {
	n := network([]string{"10.0.1.0/24"},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 32768, 65535)})
	model := &plan.Model{Planned: n}

	if got := summaries(Run(model, Config{})); !slices.Equal(got, summaries(Run(model, DefaultConfig()))) {
		t.Errorf("the zero Config does not behave as DefaultConfig: %v", got)
	}
	hostsOnly := DefaultConfig()
	hostsOnly.UnknownClients = plan.HostEphemeral
	if got := withoutRule(Run(model, hostsOnly), "RP007"); len(got) != 0 {
		t.Errorf("with clients assumed on 32768-65535 the return rule suffices, got %v", summaries(got))
	}
	strict := DefaultConfig()
	strict.Severity = map[string]Severity{"RP001": Error, "RP006": 0}
	got := withoutRule(Run(model, strict), "RP007")
	if len(got) != 1 || got[0].Severity != Error {
		t.Errorf("severity override not applied: %v", summaries(got))
	}
}

// The hosts range grades a gap: the default 32768-65535 makes a gap at
// 61000-65535 an error; hosts known to be Linux only (32768-60999) leave
// it to NAT gateways and load balancers: a warning.
func TestHostClientsGradeTheGap(t *testing.T) {
	// The ICMP rule keeps path-MTU discovery working, so RP007 stays out.
	n := network([]string{"10.0.1.0/24"},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), icmpRule(110, true, "0.0.0.0/0", 3, 4)},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 60999)})
	model := &plan.Model{Planned: n}
	if got := summaries(Run(model, DefaultConfig())); !slices.Equal(got, []string{"RP001 error ingress ipv4 tcp/443 from 0.0.0.0/0 missing 61000-65535"}) {
		t.Errorf("default hosts: %v", got)
	}
	linux := DefaultConfig()
	linux.HostClients = plan.LinuxEphemeral
	if got := summaries(Run(model, linux)); !slices.Equal(got, []string{"RP001 warning ingress ipv4 tcp/443 from 0.0.0.0/0 missing 61000-65535"}) {
		t.Errorf("Linux hosts: %v", got)
	}
}

func TestDisabledRules(t *testing.T) {
	n := network([]string{"10.0.1.0/24"},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), icmpRule(110, true, "0.0.0.0/0", 3, 4)},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)})
	model := &plan.Model{Planned: n, Prior: n}
	if got := summaries(Run(model, DefaultConfig())); len(got) != 2 {
		t.Fatalf("want RP001 and RP002, got %v", got)
	}
	cfg := DefaultConfig()
	cfg.Disabled = map[string]bool{"RP002": true}
	got := Run(model, cfg)
	if len(got) != 1 || got[0].Rule != "RP001" || got[0].Status != Existing {
		t.Errorf("RP002 disabled: %v", summaries(got))
	}
}

func TestGrade(t *testing.T) {
	expired := Finding{Rule: ExpiredIgnore, Resource: "aws_network_acl.a", Status: New, Message: "expired"}
	f, ok := DefaultConfig().Grade(expired)
	if !ok || f.Severity != Warning {
		t.Errorf("default: %v %v", f.Severity, ok)
	}
	cfg := Config{Severity: map[string]Severity{ExpiredIgnore: Error}}
	if f, ok := cfg.Grade(expired); !ok || f.Severity != Error {
		t.Errorf("override: %v %v", f.Severity, ok)
	}
	cfg = Config{Disabled: map[string]bool{ExpiredIgnore: true}}
	if _, ok := cfg.Grade(expired); ok {
		t.Error("a disabled rule's finding was kept")
	}
	if _, ok := DefaultConfig().Grade(Finding{Rule: "RP999"}); ok {
		t.Error("a finding of no rule was kept")
	}
	// Run never reports ExpiredIgnore itself: the configuration does.
	n := network([]string{"10.0.1.0/24"}, nil, nil)
	for _, f := range Run(&plan.Model{Planned: n}, DefaultConfig()) {
		if f.Rule == ExpiredIgnore {
			t.Errorf("Run reported %v", f)
		}
	}
}

func TestOddInputDoesNotPanic(t *testing.T) {
	odd := []plan.Entry{
		rule(100, true, plan.ProtocolTCP, "", 443, 443),                     // no prefix
		rule(110, true, 300, "0.0.0.0/0", 0, 0),                             // impossible protocol
		rule(120, true, plan.ProtocolTCP, "0.0.0.0/0", 500, 400),            // reversed ports
		icmpRule(130, true, "0.0.0.0/0", 999, 999),                          // impossible ICMP
		rule(140, true, plan.ProtocolTCP, "255.255.255.255/32", 443, 443),   // peer at the end of the space
		rule(150, true, plan.ProtocolTCP, "ffff::/16", 443, 443),            // IPv6 at the end of the space
		rule(-5, false, plan.ProtocolUDP, "0.0.0.0/0", 0, 65535),            // negative number
		rule(40000, false, plan.ProtocolUDP, "0.0.0.0/0", 0, 65535),         // number out of range
		rule(160, true, plan.ProtocolUDP, "0.0.0.0/0", 0, 0),                // port 0
		rule(170, true, plan.ProtocolTCP, "::ffff:192.0.2.0/120", 443, 443), // IPv4-mapped IPv6
	}
	n := network([]string{"10.0.1.0/24", "2001:db8::/64"}, odd, odd)
	n.NACLs = append(n.NACLs, nil, &plan.NACL{Address: "aws_network_acl.empty", Subnets: []*plan.Subnet{nil, {Address: "aws_subnet.x"}}})
	n.VPCs = append(n.VPCs, nil, &plan.VPC{IPv4: []netip.Prefix{{}, netip.MustParsePrefix("255.255.255.254/31")}})
	n.NACLs[0].VPC = nil
	findings := Run(&plan.Model{Planned: n, Prior: n}, DefaultConfig())
	for _, f := range findings {
		if f.Severity < Notice || f.Severity > Error || f.Status != Existing || f.Message == "" {
			t.Errorf("malformed finding %+v", f)
		}
		if f.Flow != nil && (f.Flow.Suggestion == "" || len(f.Flow.MissingPorts) == 0 || !f.Flow.Witness.Dst.IsValid() && !f.Flow.Witness.Src.IsValid()) {
			t.Errorf("incomplete flow %+v", *f.Flow)
		}
	}
	if len(findings) == 0 {
		t.Error("the valid intents among the odd rules were not checked")
	}
}

func TestAllChecksAreDescribed(t *testing.T) {
	checks := All()
	var ids []string
	for _, c := range checks {
		if c.ID == "" || c.Severity < Notice || c.Severity > Error || c.Title == "" || c.Doc == "" || c.Explain == "" || (c.run == nil) != (c.ID == ExpiredIgnore) {
			t.Errorf("check %q is incomplete", c.ID)
		}
		if strings.Contains(c.Title, "\n") {
			t.Errorf("%s title is not one line", c.ID)
		}
		for i, line := range strings.Split(c.Explain, "\n") {
			if len([]rune(line)) > 80 {
				t.Errorf("%s explain line %d is longer than 80 characters: %q", c.ID, i+1, line)
			}
		}
		ids = append(ids, c.ID)
	}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("IDs %v are not sorted and unique", ids)
	}
	checks[0].Severity = Notice
	if All()[0].Severity == Notice {
		t.Error("changing a check returned by All changed the next caller's")
	}
}

// A finding is new when the plan breaks traffic that was not broken
// before: the same broken NACL with a subnet it did not govern (or none
// before) is new; with the same subnets or fewer, existing.
func TestStatusComparesSubnets(t *testing.T) {
	ingress := []plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), icmpRule(110, true, "0.0.0.0/0", 3, 4)}
	egress := []plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)}
	none := network(nil, ingress, egress)
	one := network([]string{"10.0.1.0/24"}, ingress, egress)
	two := network([]string{"10.0.1.0/24", "10.0.2.0/24"}, ingress, egress)
	for _, c := range []struct {
		name         string
		prior, after *plan.Network
		want         Status
	}{
		{"same subnets", one, one, Existing},
		{"fewer subnets", two, one, Existing},
		{"a subnet more", one, two, New},
		{"a subnet where there was none", none, one, New},
	} {
		for _, f := range Run(&plan.Model{Planned: c.after, Prior: c.prior}, DefaultConfig()) {
			if f.Status != c.want {
				t.Errorf("%s: %s is %s, want %s", c.name, summary(f), f.Status, c.want)
			}
		}
	}
}

// A rule that cannot be linked to a NACL may be the one a finding misses:
// findings it could prevent are left out, the others stay.
func TestUnlinkedRuleMakesVerdictsUncertain(t *testing.T) {
	ingress := []plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), icmpRule(110, true, "0.0.0.0/0", 3, 4)}
	egress := []plan.Entry{rule(200, true, plan.ProtocolUDP, "8.8.8.8/32", 53, 53)}
	for _, c := range []struct {
		name     string
		unlinked plan.Entry
		want     []string
	}{
		{"an egress allow of the HTTPS replies", standalone(directed([]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535)}, plan.Egress)[0], "aws_network_acl_rule.x"),
			[]string{"RP002 error egress ipv4 udp/53 to 8.8.8.8/32 missing 1024-65535"}},
		{"an ingress allow of the DNS replies", standalone(directed([]plan.Entry{rule(100, true, plan.ProtocolUDP, "8.8.8.8/32", 1024, 65535)}, plan.Ingress)[0], "aws_network_acl_rule.x"),
			[]string{"RP001 error ingress ipv4 tcp/443 from 0.0.0.0/0 missing 1024-65535"}},
		{"a rule of another protocol", standalone(directed([]plan.Entry{rule(100, true, plan.ProtocolICMP, "0.0.0.0/0", 0, 65535)}, plan.Egress)[0], "aws_network_acl_rule.x"),
			[]string{"RP001 error ingress ipv4 tcp/443 from 0.0.0.0/0 missing 1024-65535", "RP002 error egress ipv4 udp/53 to 8.8.8.8/32 missing 1024-65535"}},
	} {
		n := network([]string{"10.0.1.0/24"}, ingress, egress)
		n.Unlinked = []plan.Entry{c.unlinked}
		got := summaries(runPlanned(n))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}
