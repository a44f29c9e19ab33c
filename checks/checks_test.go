package checks

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

// network builds one VPC (10.0.0.0/16) with testNACL holding the given
// rules and associated with subnets of the given CIDRs
// (aws_subnet.public["a"], ["b"], ...).
func network(subnetCIDRs []string, ingress, egress []plan.Entry) *plan.Network {
	vpc := &plan.VPC{Address: "aws_vpc.main", IPv4: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}}
	nacl := &plan.NACL{Address: testNACL, VPC: vpc, Ingress: directed(ingress, plan.Ingress), Egress: directed(egress, plan.Egress)}
	n := &plan.Network{VPCs: []*plan.VPC{vpc}, NACLs: []*plan.NACL{nacl}}
	for i, cidr := range subnetCIDRs {
		s := &plan.Subnet{Address: plan.Address(fmt.Sprintf(`aws_subnet.public["%c"]`, 'a'+i)), VPC: vpc, NACL: nacl}
		p := netip.MustParsePrefix(cidr)
		if p.Addr().Is4() {
			s.IPv4 = p
		} else {
			s.IPv6 = p
		}
		nacl.Subnets = append(nacl.Subnets, s)
		n.Subnets = append(n.Subnets, s)
	}
	return n
}

func directed(entries []plan.Entry, d plan.Direction) []plan.Entry {
	out := slices.Clone(entries)
	for i := range out {
		out[i].Direction = d
	}
	return out
}

func standalone(e plan.Entry, addr plan.Address) plan.Entry {
	e.Source, e.Inline = addr, false
	return e
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

func TestReturnPathRules(t *testing.T) {
	tcp, udp := plan.ProtocolTCP, plan.ProtocolUDP
	https := rule(100, true, tcp, "0.0.0.0/0", 443, 443)
	oneSubnet := []string{"10.0.1.0/24"}
	tests := []struct {
		name    string
		subnets []string
		ingress []plan.Entry
		egress  []plan.Entry
		want    []string
	}{
		{
			name:    "web tier with a return rule",
			subnets: oneSubnet,
			ingress: []plan.Entry{https},
			egress:  []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)},
		},
		{
			name:    "mirrored rules: no return either way",
			subnets: oneSubnet,
			ingress: []plan.Entry{https},
			egress:  []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 443, 443)},
			want: []string{
				"RP001 error ingress ipv4 tcp/443 from 0.0.0.0/0 missing 1024-65535",
				"RP002 error egress ipv4 tcp/443 to 0.0.0.0/0 missing 1024-65535",
			},
		},
		{
			name:    "return rule sized for Linux only",
			subnets: oneSubnet,
			ingress: []plan.Entry{https},
			egress:  []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 32768, 60999)},
			want:    []string{"RP001 error ingress ipv4 tcp/443 from 0.0.0.0/0 missing 1024-32767, 61000-65535"},
		},
		{
			name:    "return rule for Linux and Windows only: NAT clients break",
			subnets: oneSubnet,
			ingress: []plan.Entry{https},
			egress:  []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 32768, 65535)},
			want:    []string{"RP001 warning ingress ipv4 tcp/443 from 0.0.0.0/0 missing 1024-32767"},
		},
		{
			name:    "ephemeral rules only: no intent",
			subnets: oneSubnet,
			ingress: []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535), rule(110, true, udp, "0.0.0.0/0", 1024, 65535)},
			egress:  []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535), rule(110, true, udp, "0.0.0.0/0", 1024, 65535)},
		},
		{
			name:    "all traffic both ways",
			subnets: oneSubnet,
			ingress: []plan.Entry{rule(100, true, plan.ProtocolAll, "0.0.0.0/0", 0, 0)},
			egress:  []plan.Entry{rule(100, true, plan.ProtocolAll, "0.0.0.0/0", 0, 0)},
		},
		{
			name:    "icmp only: no intent",
			subnets: oneSubnet,
			ingress: []plan.Entry{icmpRule(100, true, "10.0.0.0/16", -1, -1)},
			egress:  []plan.Entry{icmpRule(100, true, "0.0.0.0/0", -1, -1)},
		},
		{
			name:    "deny after the return allow",
			subnets: oneSubnet,
			ingress: []plan.Entry{https},
			egress:  []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535), rule(300, false, plan.ProtocolAll, "0.0.0.0/0", 0, 0)},
		},
		{
			name:    "deny before the return allow",
			subnets: oneSubnet,
			ingress: []plan.Entry{https},
			egress:  []plan.Entry{rule(90, false, tcp, "0.0.0.0/0", 1024, 65535), rule(200, true, tcp, "0.0.0.0/0", 1024, 65535)},
			want:    []string{"RP001 error ingress ipv4 tcp/443 from 0.0.0.0/0 missing 1024-65535"},
		},
		{
			name:    "DNS to the VPC resolver and the link-local resolver is exempt",
			subnets: oneSubnet,
			egress: []plan.Entry{
				rule(100, true, udp, "10.0.0.2/32", 53, 53),
				rule(110, true, tcp, "10.0.0.2/32", 53, 53),
				rule(120, true, udp, "169.254.169.253/32", 53, 53),
			},
		},
		{
			name:    "metadata and time sync are exempt",
			subnets: oneSubnet,
			egress:  []plan.Entry{rule(100, true, tcp, "169.254.169.254/32", 80, 80), rule(110, true, udp, "169.254.169.123/32", 123, 123)},
		},
		{
			name:    "DNS to an internet resolver needs a return rule",
			subnets: oneSubnet,
			ingress: []plan.Entry{icmpRule(100, true, "10.0.0.0/16", -1, -1)},
			egress:  []plan.Entry{rule(100, true, udp, "8.8.8.8/32", 53, 53)},
			want:    []string{"RP002 error egress ipv4 udp/53 to 8.8.8.8/32 missing 1024-65535"},
		},
		{
			name:    "traffic within the single subnet is exempt",
			subnets: oneSubnet,
			ingress: []plan.Entry{rule(100, true, tcp, "10.0.1.0/24", 5432, 5432)},
			egress:  []plan.Entry{rule(100, true, tcp, "10.0.1.0/24", 5432, 5432)},
		},
		{
			name:    "traffic between two subnets of one NACL crosses it",
			subnets: []string{"10.0.1.0/24", "10.0.2.0/24"},
			ingress: []plan.Entry{rule(100, true, tcp, "10.0.1.0/24", 5432, 5432)},
			want:    []string{"RP001 error ingress ipv4 tcp/5432 from 10.0.1.0/24 missing 1024-65535"},
		},
		{
			name:    "an intent wholly shadowed by an earlier deny is no intent",
			subnets: oneSubnet,
			ingress: []plan.Entry{rule(90, false, tcp, "0.0.0.0/0", 0, 65535), https},
		},
		{
			name:    "replies are only needed for the part of the intent no earlier rule decides",
			subnets: oneSubnet,
			ingress: []plan.Entry{rule(90, false, tcp, "198.51.100.0/24", 0, 65535), https},
			egress: []plan.Entry{
				rule(100, false, tcp, "198.51.100.0/24", 1024, 65535),
				rule(110, true, tcp, "0.0.0.0/0", 1024, 65535),
			},
		},
		{
			name:    "IPv6 is evaluated apart from IPv4",
			subnets: oneSubnet,
			ingress: []plan.Entry{https, rule(101, true, tcp, "::/0", 443, 443)},
			egress:  []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)},
			want:    []string{"RP001 error ingress ipv6 tcp/443 from ::/0 missing 1024-65535"},
		},
		{
			name:    "outbound HTTPS with returns on 32768-65535 only",
			subnets: oneSubnet,
			ingress: []plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 443, 443), rule(110, true, tcp, "0.0.0.0/0", 32768, 65535)},
			egress:  []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 443, 443), rule(110, true, tcp, "10.0.0.0/16", 1024, 65535)},
			want:    []string{"RP002 warning egress ipv4 tcp/443 to 0.0.0.0/0 missing 1024-32767"},
		},
		{
			name:    "an all-ports allow is a return rule, not an intent",
			subnets: oneSubnet,
			ingress: []plan.Entry{https},
			egress:  []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 0, 65535)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summaries(runPlanned(network(tt.subnets, tt.ingress, tt.egress)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// TestSpecExample pins every field of the RP001 finding SPEC.md shows.
func TestSpecExample(t *testing.T) {
	n := network([]string{"10.0.1.0/24", "10.0.2.0/24"},
		[]plan.Entry{standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), "aws_network_acl_rule.https_in")},
		[]plan.Entry{standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), "aws_network_acl_rule.https_out")},
	)
	f, ok := findRule(runPlanned(n), "RP001")
	if !ok {
		t.Fatalf("no RP001 finding")
	}
	wantSuggestion := `resource "aws_network_acl_rule" "public_egress_ephemeral" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 110
  egress         = true
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 1024
  to_port        = 65535
}`
	want := Finding{
		Rule:     "RP001",
		Severity: Error,
		Resource: testNACL,
		Status:   New,
		Message: "inbound tcp/443 from 0.0.0.0/0 is allowed (ingress rule 100), but replies are dropped: " +
			"egress to 0.0.0.0/0 misses tcp 1024-65535 (implicit deny)",
		Subnets: []SubnetRef{
			{Address: `aws_subnet.public["a"]`, CIDR: "10.0.1.0/24"},
			{Address: `aws_subnet.public["b"]`, CIDR: "10.0.2.0/24"},
		},
		Flow: &Flow{
			Direction:    plan.Ingress,
			Leg:          ReplyLeg,
			Family:       plan.IPv4,
			Protocol:     plan.ProtocolTCP,
			PeerCIDR:     netip.MustParsePrefix("0.0.0.0/0"),
			ServicePorts: plan.PortRange{Lo: 443, Hi: 443},
			ClientPorts:  plan.BroadEphemeral,
			MissingPorts: []plan.PortRange{plan.BroadEphemeral},
			IntentRule:   RuleRef{Address: "aws_network_acl_rule.https_in", Number: 100},
			BlockingRule: nil,
			Witness: Packet{
				Protocol: plan.ProtocolTCP,
				Src:      netip.MustParseAddrPort("10.0.1.10:443"),
				Dst:      netip.MustParseAddrPort("203.0.113.7:49152"),
			},
			FailingShare: 1,
			Suggestion:   wantSuggestion,
		},
	}
	assertFinding(t, f, want)
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

func TestMessageOmitsAddressesWhenTheWholePeerIsMissing(t *testing.T) {
	n := network([]string{"10.0.1.0/24"}, []plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)}, nil)
	findings := runPlanned(n)
	if len(findings) != 1 {
		t.Fatalf("got %v, want one RP001", summaries(findings))
	}
	want := "inbound tcp/443 from 0.0.0.0/0 is allowed (ingress rule 100), but replies are dropped: " +
		"egress to 0.0.0.0/0 misses tcp 1024-65535 (implicit deny)"
	if findings[0].Message != want {
		t.Errorf("message:\n got %s\nwant %s", findings[0].Message, want)
	}
}

func TestDenyShadowingTheReturnRule(t *testing.T) {
	n := network([]string{"10.0.1.0/24"},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
		[]plan.Entry{rule(90, false, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535), rule(200, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535)},
	)
	findings := runPlanned(n)
	if len(findings) != 1 {
		t.Fatalf("got %v, want one RP001", summaries(findings))
	}
	flow := findings[0].Flow
	if flow.BlockingRule == nil || *flow.BlockingRule != (RuleRef{Address: testNACL, Number: 90}) {
		t.Errorf("blocking rule = %v, want egress rule 90", flow.BlockingRule)
	}
	if !strings.HasSuffix(findings[0].Message, "misses tcp 1024-65535 (denied by egress rule 90)") {
		t.Errorf("message does not name the deny: %s", findings[0].Message)
	}
	// Inline rules get an inline fix, numbered below the deny.
	want := `# add to aws_network_acl.public, next to its other egress blocks
egress {
  rule_no    = 80
  protocol   = "tcp"
  action     = "allow"
  cidr_block = "0.0.0.0/0"
  from_port  = 1024
  to_port    = 65535
}`
	if flow.Suggestion != want {
		t.Errorf("suggestion:\n%s\nwant:\n%s", flow.Suggestion, want)
	}
}

func TestDenyForPartOfThePeer(t *testing.T) {
	n := network([]string{"10.0.1.0/24"},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
		[]plan.Entry{rule(100, false, plan.ProtocolTCP, "198.51.100.0/24", 1024, 65535), rule(200, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535)},
	)
	findings := runPlanned(n)
	if len(findings) != 1 {
		t.Fatalf("got %v, want one RP001", summaries(findings))
	}
	f := findings[0]
	wantMsg := "inbound tcp/443 from 0.0.0.0/0 is allowed (ingress rule 100), but replies are dropped: " +
		"egress to 0.0.0.0/0 misses tcp 1024-65535 for 198.51.100.0/24 (denied by egress rule 100)"
	if f.Message != wantMsg {
		t.Errorf("message:\n got %s\nwant %s", f.Message, wantMsg)
	}
	// 203.0.113.7 is answered; the witness is the first host of the hole.
	if want := netip.MustParseAddrPort("198.51.100.1:49152"); f.Flow.Witness.Dst != want {
		t.Errorf("witness dst = %v, want %v", f.Flow.Witness.Dst, want)
	}
	if f.Flow.BlockingRule == nil || f.Flow.BlockingRule.Number != 100 {
		t.Errorf("blocking rule = %v, want egress rule 100", f.Flow.BlockingRule)
	}
	if !strings.Contains(f.Flow.Suggestion, "rule_no    = 90\n") {
		t.Errorf("the fix must come before the deny at 100:\n%s", f.Flow.Suggestion)
	}
	// It allows the shadowed peers only, not the whole 0.0.0.0/0 above
	// the deny.
	if !strings.Contains(f.Flow.Suggestion, `cidr_block = "198.51.100.0/24"`) {
		t.Errorf("the fix should allow just 198.51.100.0/24:\n%s", f.Flow.Suggestion)
	}
}

func TestOutboundWitnessEntersTheSubnet(t *testing.T) {
	n := network([]string{"10.0.1.0/24"}, nil, []plan.Entry{rule(100, true, plan.ProtocolUDP, "8.8.8.8/32", 53, 53)})
	findings := runPlanned(n)
	if len(findings) != 1 {
		t.Fatalf("got %v, want one RP002", summaries(findings))
	}
	w := findings[0].Flow.Witness
	want := Packet{
		Protocol: plan.ProtocolUDP,
		Src:      netip.MustParseAddrPort("8.8.8.8:53"),
		Dst:      netip.MustParseAddrPort("10.0.1.10:49152"),
	}
	if w != want {
		t.Errorf("witness = %+v, want %+v (the reply from the resolver to the local client)", w, want)
	}
	// The NACL has inline egress but no ingress rules: a standalone fix.
	if !strings.Contains(findings[0].Flow.Suggestion, `resource "aws_network_acl_rule" "public_ingress_ephemeral"`) ||
		!strings.Contains(findings[0].Flow.Suggestion, "egress         = false") {
		t.Errorf("suggestion is not a standalone ingress rule:\n%s", findings[0].Flow.Suggestion)
	}
}

func TestIPv6FindingValues(t *testing.T) {
	n := network([]string{"10.0.1.0/24"},
		[]plan.Entry{
			standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), "aws_network_acl_rule.https_in"),
			standalone(rule(101, true, plan.ProtocolTCP, "::/0", 443, 443), "aws_network_acl_rule.https_in_v6"),
		},
		[]plan.Entry{standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535), "aws_network_acl_rule.out")},
	)
	findings := runPlanned(n)
	if len(findings) != 1 || findings[0].Flow.Family != plan.IPv6 {
		t.Fatalf("got %v, want one IPv6 RP001", summaries(findings))
	}
	flow := findings[0].Flow
	// The subnet has no IPv6 CIDR in the plan: the local side is unknown.
	want := Packet{Protocol: plan.ProtocolTCP, Dst: netip.MustParseAddrPort("[2001:db8::7]:49152")}
	if flow.Witness != want {
		t.Errorf("witness = %+v, want %+v", flow.Witness, want)
	}
	wantFix := `resource "aws_network_acl_rule" "public_egress_ephemeral_ipv6" {
  network_acl_id  = aws_network_acl.public.id
  rule_number     = 110
  egress          = true
  protocol        = "tcp"
  rule_action     = "allow"
  ipv6_cidr_block = "::/0"
  from_port       = 1024
  to_port         = 65535
}`
	if flow.Suggestion != wantFix {
		t.Errorf("suggestion:\n%s\nwant:\n%s", flow.Suggestion, wantFix)
	}
}

func TestFailingShare(t *testing.T) {
	tests := []struct {
		allowLo, allowHi uint16
		want             float64
	}{
		{32768, 65535, 0},      // only 1024-32767 missing: no Linux port
		{32768, 60999, 0},      // Linux covered, Windows and NAT not
		{1024, 46883, 0.5},     // 46884-60999: 14116 of 28232 ports
		{40000, 65535, 0.2562}, // 32768-39999: 7232 of 28232 ports
		{1024, 32768, 1},       // 28231 of 28232 rounds to 1
		{1024, 1024, 1},        // every Linux port
	}
	for _, tt := range tests {
		n := network([]string{"10.0.1.0/24"},
			[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
			[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", tt.allowLo, tt.allowHi)})
		f, ok := findRule(runPlanned(n), "RP001")
		if !ok {
			t.Fatalf("allow %d-%d: no RP001 finding", tt.allowLo, tt.allowHi)
		}
		if got := f.Flow.FailingShare; got != tt.want {
			t.Errorf("allow %d-%d: failing share = %v, want %v", tt.allowLo, tt.allowHi, got, tt.want)
		}
	}
}

func TestUnassociatedNACL(t *testing.T) {
	n := network(nil,
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
		[]plan.Entry{rule(100, true, plan.ProtocolTCP, "10.0.0.0/8", 1024, 65535)})
	findings := runPlanned(n)
	if len(findings) != 1 {
		t.Fatalf("got %v, want one RP001", summaries(findings))
	}
	f := findings[0]
	if len(f.Subnets) != 0 {
		t.Errorf("subnets = %v, want none", f.Subnets)
	}
	if !strings.HasSuffix(f.Message, "; the NACL is not associated with any subnet yet") {
		t.Errorf("message does not say the NACL is unassociated: %s", f.Message)
	}
	if f.Flow.Witness.Src.IsValid() {
		t.Errorf("witness source = %v, want the zero value (no subnet)", f.Flow.Witness.Src)
	}
	if f.Flow.Witness.Dst != netip.MustParseAddrPort("203.0.113.7:49152") {
		t.Errorf("witness dst = %v", f.Flow.Witness.Dst)
	}
}

func TestResolverOfEveryVPCWhenTheNACLsIsUnknown(t *testing.T) {
	n := network([]string{"10.0.1.0/24"}, nil, []plan.Entry{rule(100, true, plan.ProtocolUDP, "10.1.0.2/32", 53, 53)})
	if got := runPlanned(n); len(got) != 1 {
		t.Fatalf("10.1.0.2 is no resolver of 10.0.0.0/16: got %v, want one RP002", summaries(got))
	}
	other := &plan.VPC{Address: "aws_vpc.other", IPv4: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}
	n.VPCs = append(n.VPCs, other)
	if got := runPlanned(n); len(got) != 1 {
		t.Fatalf("the NACL's VPC is known, so only its resolver is exempt: got %v", summaries(got))
	}
	n.NACLs[0].VPC = nil
	if got := runPlanned(n); len(got) != 0 {
		t.Errorf("with the NACL's VPC unknown, every VPC's resolver is exempt: got %v", summaries(got))
	}
}

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
	}
	for _, tt := range tests {
		got, ok := fixRuleNumber(tt.entries, tt.deny, tt.intent, nil)
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

func TestRuleDefinitions(t *testing.T) {
	t.Run("inline and standalone mixed", func(t *testing.T) {
		n := network([]string{"10.0.1.0/24"},
			[]plan.Entry{
				rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443),
				standalone(rule(200, true, plan.ProtocolTCP, "10.0.0.0/8", 22, 22), "aws_network_acl_rule.ssh_from_corp"),
			},
			[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535)})
		got := summaries(runPlanned(n))
		want := []string{"RP006 warning inline ingress/egress blocks and standalone rules (aws_network_acl_rule.ssh_from_corp) " +
			"are mixed on one NACL: each apply removes the other's rules; keep one style"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})
	t.Run("duplicate rule numbers", func(t *testing.T) {
		n := network([]string{"10.0.1.0/24"},
			[]plan.Entry{
				standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), "aws_network_acl_rule.https_in"),
				standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 80, 80), "aws_network_acl_rule.http_in"),
			},
			[]plan.Entry{
				standalone(rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535), "aws_network_acl_rule.out"),
				standalone(rule(200, true, plan.ProtocolUDP, "0.0.0.0/0", 1024, 65535), "aws_network_acl_rule.a"),
				standalone(rule(200, true, plan.ProtocolUDP, "::/0", 1024, 65535), "aws_network_acl_rule.b"),
				standalone(rule(200, true, plan.ProtocolTCP, "::/0", 1024, 65535), "aws_network_acl_rule.c"),
			})
		got := summaries(runPlanned(n))
		want := []string{
			"RP006 warning egress rule 200 is defined 3 times: by aws_network_acl_rule.a, aws_network_acl_rule.b and aws_network_acl_rule.c",
			"RP006 warning ingress rule 100 is defined twice: by aws_network_acl_rule.https_in and aws_network_acl_rule.http_in",
		}
		if !slices.Equal(got, want) {
			t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	})
	t.Run("one style, unique numbers", func(t *testing.T) {
		n := network([]string{"10.0.1.0/24"},
			[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443), rule(101, true, plan.ProtocolTCP, "::/0", 443, 443)},
			[]plan.Entry{rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535), rule(101, true, plan.ProtocolTCP, "::/0", 1024, 65535)})
		if got := runPlanned(n); len(got) != 0 {
			t.Errorf("got %v, want nothing", summaries(got))
		}
	})
}

func TestUnresolved(t *testing.T) {
	n := &plan.Network{Unresolved: []plan.Unresolved{
		{Address: "aws_network_acl_rule.x", Reason: "network_acl_id comes from a data source"},
		{Address: "aws_network_acl_association.y"},
	}}
	findings := runPlanned(n)
	if len(findings) != 2 {
		t.Fatalf("got %v, want two RP008", summaries(findings))
	}
	if f := findings[0]; f.Rule != "RP008" || f.Severity != Warning || f.Resource != "aws_network_acl_association.y" || f.Message == "" {
		t.Errorf("first finding = %+v", f)
	}
	if f := findings[1]; f.Resource != "aws_network_acl_rule.x" || f.Message != "network_acl_id comes from a data source" || f.Status != New {
		t.Errorf("second finding = %+v", f)
	}
}

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
