package checks

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

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
	// 203.0.113.7 is answered; the witness is a host of the hole, past
	// the addresses AWS keeps at the start of a subnet (.1 is a router).
	if want := netip.MustParseAddrPort("198.51.100.10:49152"); f.Flow.Witness.Dst != want {
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

// A gap only inside 1024-32767 is a warning, unless a client that uses
// those ports is on the path. Clients the plan places that are only
// Linux/Windows hosts (instances) use 32768-65535, so the gap does not
// concern them (severity 0: no finding).
func TestBroadClientsEscalateLowPortGaps(t *testing.T) {
	tcp := plan.ProtocolTCP
	highReturn := plan.PortRange{Lo: 32768, Hi: 65535}

	outbound := func() *plan.Network {
		return network([]string{"10.0.1.0/24"}, []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", highReturn.Lo, highReturn.Hi)},
			[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 443, 443)})
	}
	inbound := func() *plan.Network {
		return network([]string{"10.0.1.0/24"}, []plan.Entry{rule(100, true, tcp, "10.0.2.0/24", 8080, 8080)},
			[]plan.Entry{rule(100, true, tcp, "10.0.2.0/24", highReturn.Lo, highReturn.Hi)})
	}
	// place puts a workload in a subnet of the network, adding the subnet
	// when the network lacks it.
	place := func(n *plan.Network, cidr string, kind plan.WorkloadKind) *plan.Network {
		pfx := netip.MustParsePrefix(cidr)
		var subnet *plan.Subnet
		for _, s := range n.Subnets {
			if s.IPv4 == pfx {
				subnet = s
			}
		}
		if subnet == nil {
			subnet = &plan.Subnet{Address: "aws_subnet.peer", IPv4: pfx}
			n.Subnets = append(n.Subnets, subnet)
		}
		w := &plan.Workload{Address: "aws_thing.w", Kind: kind, Subnets: []*plan.Subnet{subnet}}
		subnet.Workloads = append(subnet.Workloads, w)
		n.Workloads = append(n.Workloads, w)
		return n
	}
	tests := []struct {
		name     string
		network  *plan.Network
		severity Severity
	}{
		{"outbound, no workload", outbound(), Warning},
		{"outbound from a NAT gateway subnet", place(outbound(), "10.0.1.0/24", plan.NATGateway), Error},
		{"outbound from a Lambda subnet", place(outbound(), "10.0.1.0/24", plan.LambdaFunction), Error},
		{"outbound from an instance subnet", place(outbound(), "10.0.1.0/24", plan.Instance), 0},
		{"outbound from a network interface subnet", place(outbound(), "10.0.1.0/24", plan.NetworkInterface), Warning},
		{"inbound, no workload", inbound(), Warning},
		{"inbound from a load balancer subnet", place(inbound(), "10.0.2.0/24", plan.LoadBalancer), Error},
		{"inbound from an instance subnet", place(inbound(), "10.0.2.0/24", plan.Instance), 0},
		{"inbound from an ECS task subnet", place(inbound(), "10.0.2.0/24", plan.ECSTask), 0},
		{"inbound, NAT gateway outside the peer", place(inbound(), "10.0.3.0/24", plan.NATGateway), Warning},
		// The local subnet's own workloads are servers for inbound intents.
		{"inbound to a NAT gateway subnet", place(inbound(), "10.0.1.0/24", plan.NATGateway), Warning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings := runPlanned(tt.network)
			if tt.severity == 0 {
				if len(findings) != 0 {
					t.Errorf("findings %q, want none: host clients use 32768-65535", summaries(findings))
				}
				return
			}
			if len(findings) != 1 {
				t.Fatalf("findings %q, want one", summaries(findings))
			}
			f := findings[0]
			if f.Severity != tt.severity {
				t.Errorf("severity %s, want %s: %s", f.Severity, tt.severity, f.Message)
			}
			if got := portsText(f.Flow.MissingPorts); got != "1024-32767" {
				t.Errorf("missing %s, want 1024-32767", got)
			}
			mentions := strings.Contains(f.Message, "aws_thing.w") && strings.Contains(f.Message, "1024-65535")
			if mentions != (tt.severity == Error) {
				t.Errorf("message names the workload: %v, want %v: %s", mentions, tt.severity == Error, f.Message)
			}
		})
	}
}
