package checks

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

// topo builds networks of several subnets, each with its own NACL, in one
// VPC (10.0.0.0/16), with workloads and security groups.
type topo struct {
	net *plan.Network
	vpc *plan.VPC
}

func newTopo() *topo {
	vpc := &plan.VPC{Address: "aws_vpc.main", IPv4: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}}
	return &topo{net: &plan.Network{VPCs: []*plan.VPC{vpc}}, vpc: vpc}
}

// subnet adds aws_subnet.NAME with its own aws_network_acl.NAME holding
// the rules (nil rules: the subnet keeps the unmanaged default NACL).
func (t *topo) subnet(name, cidr string, ingress, egress []plan.Entry) *plan.Subnet {
	s := &plan.Subnet{Address: plan.Address("aws_subnet." + name), VPC: t.vpc, IPv4: netip.MustParsePrefix(cidr)}
	t.net.Subnets = append(t.net.Subnets, s)
	if ingress != nil || egress != nil {
		n := &plan.NACL{
			Address: plan.Address("aws_network_acl." + name), VPC: t.vpc,
			Ingress: sourced(directed(ingress, plan.Ingress), "aws_network_acl."+name),
			Egress:  sourced(directed(egress, plan.Egress), "aws_network_acl."+name),
			Subnets: []*plan.Subnet{s},
		}
		s.NACL = n
		t.net.NACLs = append(t.net.NACLs, n)
	}
	return s
}

func sourced(entries []plan.Entry, addr string) []plan.Entry {
	for i := range entries {
		entries[i].Source, entries[i].Inline = plan.Address(addr), true
	}
	return entries
}

// place puts a workload of a kind in subnets, member of groups.
func (t *topo) place(addr string, kind plan.WorkloadKind, subnets []*plan.Subnet, groups ...*plan.SecurityGroup) *plan.Workload {
	w := &plan.Workload{Address: plan.Address(addr), Kind: kind, Subnets: subnets, SecurityGroups: groups}
	for _, s := range subnets {
		s.Workloads = append(s.Workloads, w)
	}
	for _, g := range groups {
		g.Members = append(g.Members, w)
	}
	t.net.Workloads = append(t.net.Workloads, w)
	return w
}

func (t *topo) group(name string) *plan.SecurityGroup {
	g := &plan.SecurityGroup{Address: plan.Address("aws_security_group." + name), VPC: t.vpc}
	t.net.SecurityGroups = append(t.net.SecurityGroups, g)
	return g
}

// allow adds a standalone rule to a group: peer is a CIDR or a group.
func allow(g *plan.SecurityGroup, dir plan.Direction, proto plan.Protocol, lo, hi uint16, peer any) {
	r := plan.SGRule{Direction: dir, Protocol: proto, Ports: plan.PortRange{Lo: lo, Hi: hi}, ICMP: plan.AnyICMP,
		Source: plan.Address("aws_vpc_security_group_" + dir.String() + "_rule." + strings.TrimPrefix(string(g.Address), "aws_security_group."))}
	switch p := peer.(type) {
	case string:
		r.Peer, r.Prefix = plan.PeerCIDR, netip.MustParsePrefix(p)
	case *plan.SecurityGroup:
		r.Peer, r.Group = plan.PeerGroup, p
	}
	if dir == plan.Ingress {
		g.Ingress = append(g.Ingress, r)
	} else {
		g.Egress = append(g.Egress, r)
	}
}

// run runs the checks and renders the findings of the given rules as
// "RULE severity RESOURCE leg".
func (t *topo) run(rules ...string) []string {
	var out []string
	for _, f := range Run(&plan.Model{Planned: t.net}, DefaultConfig()) {
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

func findingsOf(t *topo, rule string) []Finding {
	var out []Finding
	for _, f := range Run(&plan.Model{Planned: t.net}, DefaultConfig()) {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

var (
	tcp     = plan.ProtocolTCP
	allFrom = func(n int, cidr string) plan.Entry { return rule(n, true, plan.ProtocolAll, cidr, 0, 0) }
)

func wantLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
}

// The database group allows 5432 from the app group: both NACLs are on
// the path, and each must pass its half.
func TestSecurityGroupPeerChecksBothEnds(t *testing.T) {
	build := func(appIn, appOut, dbIn, dbOut []plan.Entry) *topo {
		tp := newTopo()
		app := tp.subnet("app", "10.0.1.0/24", appIn, appOut)
		db := tp.subnet("db", "10.0.2.0/24", dbIn, dbOut)
		appSG, dbSG := tp.group("app"), tp.group("db")
		tp.place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, appSG)
		tp.place("aws_instance.db", plan.Instance, []*plan.Subnet{db}, dbSG)
		allow(dbSG, plan.Ingress, tcp, 5432, 5432, appSG)
		return tp
	}
	vpcAll := []plan.Entry{allFrom(100, "10.0.0.0/16")}
	tests := []struct {
		name                       string
		appIn, appOut, dbIn, dbOut []plan.Entry
		want                       []string
	}{
		{"every NACL passes everything", vpcAll, vpcAll, vpcAll, vpcAll, nil},
		{
			"the db NACL drops the requests",
			vpcAll, vpcAll, []plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 3306, 3306)}, vpcAll,
			[]string{"RP003 error aws_network_acl.db request 10.0.1.0/24"},
		},
		{
			"the db NACL drops the replies",
			vpcAll, vpcAll, vpcAll, []plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 443, 443)},
			[]string{"RP003 error aws_network_acl.db reply 10.0.1.0/24"},
		},
		{
			"the app NACL drops the requests on their way out",
			vpcAll, []plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 443, 443)}, vpcAll, vpcAll,
			[]string{"RP003 error aws_network_acl.app request 10.0.2.0/24"},
		},
		{
			"the app NACL drops the replies on their way in",
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 443, 443)}, vpcAll, vpcAll, vpcAll,
			[]string{"RP003 error aws_network_acl.app reply 10.0.2.0/24"},
		},
		{
			// Instances are Linux/Windows hosts: 32768-65535 is their range.
			"replies sized for host clients",
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 32768, 65535)}, vpcAll,
			vpcAll, []plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 32768, 65535)},
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantLines(t, build(tt.appIn, tt.appOut, tt.dbIn, tt.dbOut).run("RP003", "RP004"), tt.want...)
		})
	}
}

// A flow that a NACL intent rule decides is RP001/RP002's to report;
// RP003 does not repeat it.
func TestSecurityGroupLeavesNACLIntentsToRP001(t *testing.T) {
	tp := newTopo()
	db := tp.subnet("db", "10.0.2.0/24",
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 5432, 5432)},
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 443, 443)})
	dbSG := tp.group("db")
	tp.place("aws_instance.db", plan.Instance, []*plan.Subnet{db}, dbSG)
	allow(dbSG, plan.Ingress, tcp, 5432, 5432, "10.0.0.0/16")
	wantLines(t, tp.run("RP001", "RP003"), "RP001 error aws_network_acl.db reply 10.0.0.0/16")
}

// A broad CIDR in a group (0.0.0.0/0) says nothing of the peers a subnet
// really talks to: replies are checked only for the peers the NACL lets
// anything back to.
func TestSecurityGroupCIDRRepliesFollowTheNACLsScope(t *testing.T) {
	build := func(ingress []plan.Entry) *topo {
		tp := newTopo()
		app := tp.subnet("app", "10.0.1.0/24", ingress, []plan.Entry{allFrom(100, "0.0.0.0/0")})
		sg := tp.group("app")
		tp.place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, sg)
		allow(sg, plan.Egress, tcp, 443, 443, "0.0.0.0/0")
		return tp
	}
	// Only the VPC (its endpoints) may answer: the subnet has no internet.
	wantLines(t, build([]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)}).run("RP003"))
	// The NACL takes something back from the internet, but not the replies.
	wantLines(t, build([]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 22, 22)}).run("RP003"),
		"RP003 error aws_network_acl.app reply 0.0.0.0/0")
}

// A requests leg that the NACL drops only in part is a deliberate
// narrowing (a deny list, a CIDR narrower than the group's): only a leg
// dropped entirely is a finding.
func TestSecurityGroupPartialRequestsAreDeliberate(t *testing.T) {
	tp := newTopo()
	web := tp.subnet("web", "10.0.1.0/24",
		[]plan.Entry{rule(90, false, tcp, "198.51.100.0/24", 0, 65535), rule(100, true, tcp, "0.0.0.0/0", 0, 65535)},
		[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)})
	sg := tp.group("web")
	tp.place("aws_instance.web", plan.Instance, []*plan.Subnet{web}, sg)
	allow(sg, plan.Ingress, tcp, 443, 443, "0.0.0.0/0")
	wantLines(t, tp.run("RP003"))
}

// A NACL that denies exactly the traffic a group allows says no on
// purpose; the implicit deny, or a deny-all rule standing for it, is an
// oversight.
func TestSecurityGroupRequestsDeniedOnPurpose(t *testing.T) {
	build := func(ingress ...plan.Entry) *topo {
		tp := newTopo()
		web := tp.subnet("web", "10.0.1.0/24", ingress, []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)})
		sg := tp.group("web")
		tp.place("aws_instance.web", plan.Instance, []*plan.Subnet{web}, sg)
		allow(sg, plan.Ingress, tcp, 22, 22, "0.0.0.0/0")
		return tp
	}
	https := rule(100, true, tcp, "0.0.0.0/0", 443, 443)
	wantLines(t, build(https).run("RP003"), "RP003 error aws_network_acl.web request 0.0.0.0/0")
	wantLines(t, build(rule(90, false, tcp, "0.0.0.0/0", 22, 22), https).run("RP003"))
	wantLines(t, build(https, rule(32766, false, plan.ProtocolAll, "0.0.0.0/0", 0, 0)).run("RP003"),
		"RP003 error aws_network_acl.web request 0.0.0.0/0")
	// Denied in part, the rest left to the implicit deny: an oversight.
	wantLines(t, build(rule(90, false, tcp, "0.0.0.0/1", 22, 22), https).run("RP003"),
		"RP003 error aws_network_acl.web request 0.0.0.0/0")
}

// Replies to a load balancer's ports 1024-32767 are an error; the
// message names the path and the balancer.
func TestSecurityGroupReplyToLoadBalancer(t *testing.T) {
	tp := newTopo()
	pub := tp.subnet("public", "10.0.0.0/24", nil, nil)
	app := tp.subnet("app", "10.0.10.0/24",
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)},
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 32768, 65535)})
	lbSG, appSG := tp.group("alb"), tp.group("app")
	tp.place("aws_lb.web", plan.LoadBalancer, []*plan.Subnet{pub}, lbSG)
	tp.place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, appSG)
	allow(appSG, plan.Ingress, tcp, 8080, 8080, lbSG)
	got := findingsOf(tp, "RP003")
	if len(got) != 1 {
		t.Fatalf("findings %v, want one", summaries(got))
	}
	f := got[0]
	want := "aws_lb.web in aws_subnet.public (10.0.0.0/24) → aws_instance.app in aws_subnet.app (10.0.10.0/24) on tcp/8080 " +
		"(allowed by aws_vpc_security_group_ingress_rule.app); reply 8080 → 10.0.0.0/24:1024-32767 dropped by " +
		"aws_network_acl.app egress (implicit deny); aws_lb.web (load balancer) in aws_subnet.public opens connections from ports 1024-65535"
	if f.Severity != Error || f.Message != want {
		t.Errorf("got %s %q\nwant error %q", f.Severity, f.Message, want)
	}
	if f.Flow.ClientPorts != plan.BroadEphemeral || portsText(f.Flow.MissingPorts) != "1024-32767" || f.Flow.Leg != ReplyLeg ||
		f.Flow.IntentRule != (RuleRef{Address: "aws_vpc_security_group_ingress_rule.app"}) {
		t.Errorf("flow %+v", *f.Flow)
	}
	if f.Flow.Witness.Src != netip.MustParseAddrPort("10.0.10.10:8080") || f.Flow.Witness.Dst.Addr().String() != "10.0.0.1" {
		t.Errorf("witness %v → %v", f.Flow.Witness.Src, f.Flow.Witness.Dst)
	}
	if !strings.Contains(f.Flow.Suggestion, `cidr_block = "10.0.0.0/24"`) || !strings.Contains(f.Flow.Suggestion, "from_port  = 1024") {
		t.Errorf("suggestion:\n%s", f.Flow.Suggestion)
	}
}

// Two fixes for one NACL direction get different rule numbers, so that
// applying both does not make a duplicate (RP006).
func TestFixesOfOneNACLDoNotShareNumbers(t *testing.T) {
	tp := newTopo()
	app := tp.subnet("app", "10.0.10.0/24",
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)},
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 32768, 65535)})
	lbSG, appSG := tp.group("alb"), tp.group("app")
	tp.place("aws_lb.web", plan.LoadBalancer, []*plan.Subnet{tp.subnet("a", "10.0.0.0/24", nil, nil), tp.subnet("b", "10.0.1.0/24", nil, nil)}, lbSG)
	tp.place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, appSG)
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

// Traffic inside one subnet never crosses its NACL, and subnets whose
// NACL the plan does not manage are not checked.
func TestSecurityGroupSelfRule(t *testing.T) {
	tp := newTopo()
	drop := []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 22, 22)}
	a := tp.subnet("a", "10.0.1.0/24", drop, drop)
	b := tp.subnet("b", "10.0.2.0/24", nil, nil)
	sg := tp.group("cluster")
	allow(sg, plan.Ingress, tcp, 7000, 7000, sg)
	tp.place("aws_instance.one", plan.Instance, []*plan.Subnet{a}, sg)
	wantLines(t, tp.run("RP003"))
	tp.place("aws_instance.two", plan.Instance, []*plan.Subnet{b}, sg)
	wantLines(t, tp.run("RP003"),
		"RP003 error aws_network_acl.a request 10.0.2.0/24", // b → a, into a
		"RP003 error aws_network_acl.a request 10.0.2.0/24", // a → b, out of a
	)
}

// RP004 follows an intent to the subnets it names; an intent to the whole
// VPC names none.
func TestSubnetPairs(t *testing.T) {
	build := func(appOutCIDR string) *topo {
		tp := newTopo()
		tp.subnet("app", "10.0.1.0/24",
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)},
			[]plan.Entry{rule(100, true, tcp, appOutCIDR, 8080, 8080)})
		tp.subnet("svc", "10.0.2.0/24",
			[]plan.Entry{allFrom(100, "10.0.0.0/16")},
			[]plan.Entry{rule(100, true, tcp, "10.0.10.0/24", 1024, 65535)})
		tp.subnet("queue", "10.0.3.0/24",
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 5672, 5672)},
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)})
		return tp
	}
	wantLines(t, build("10.0.2.0/24").run("RP004"), "RP004 error aws_network_acl.svc reply 10.0.1.0/24")
	wantLines(t, build("10.0.2.128/25").run("RP004"), "RP004 error aws_network_acl.svc reply 10.0.1.0/24")
	wantLines(t, build("10.0.3.0/24").run("RP004"), "RP004 error aws_network_acl.queue request 10.0.1.0/24")
	wantLines(t, build("10.0.2.0/23").run("RP004")) // two NACLs: which one is meant?
	wantLines(t, build("10.0.0.0/16").run("RP004")) // the VPC: no subnet is named
	// Even with one other NACL in the VPC, an intent wider than its
	// subnets does not name them.
	tp := build("10.0.0.0/16")
	tp.net.Subnets, tp.net.NACLs = tp.net.Subnets[:2], tp.net.NACLs[:2]
	wantLines(t, tp.run("RP004"))
	tp = build("10.0.2.0/24")
	tp.net.Subnets, tp.net.NACLs = tp.net.Subnets[:2], tp.net.NACLs[:2]
	wantLines(t, tp.run("RP004"), "RP004 error aws_network_acl.svc reply 10.0.1.0/24")
}

// When a security group covers the same leg, RP003 reports it (naming the
// group) and RP004 does not repeat it.
func TestSubnetPairsLeaveGroupLegsToRP003(t *testing.T) {
	tp := newTopo()
	app := tp.subnet("app", "10.0.1.0/24",
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)},
		[]plan.Entry{rule(100, true, tcp, "10.0.2.0/24", 5432, 5432)})
	db := tp.subnet("db", "10.0.2.0/24",
		[]plan.Entry{allFrom(100, "10.0.0.0/16")},
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 443, 443)})
	appSG, dbSG := tp.group("app"), tp.group("db")
	tp.place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, appSG)
	tp.place("aws_db_instance.db", plan.Database, []*plan.Subnet{db}, dbSG)
	wantLines(t, tp.run("RP003", "RP004"), "RP004 error aws_network_acl.db reply 10.0.1.0/24")
	allow(dbSG, plan.Ingress, tcp, 5432, 5432, appSG)
	wantLines(t, tp.run("RP003", "RP004"), "RP003 error aws_network_acl.db reply 10.0.1.0/24")
}

// A private subnet's internet intent crosses the NAT gateway subnet's NACL
// four times: requests in from the subnet and out to the peer, replies in
// on the gateway's ports 1024-65535 and out to the subnet.
func TestNATGatewayPath(t *testing.T) {
	build := func(natIn, natOut []plan.Entry) *topo {
		tp := newTopo()
		pub := tp.subnet("public", "10.0.0.0/24", natIn, natOut)
		priv := tp.subnet("private", "10.0.10.0/24",
			[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)},
			[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 443, 443)})
		nat := tp.place("aws_nat_gateway.main", plan.NATGateway, []*plan.Subnet{pub})
		priv.Routes = []plan.Route{
			{Destination: netip.MustParsePrefix("0.0.0.0/0"), NATGateway: nat},
			{Destination: netip.MustParsePrefix("192.0.2.0/24")}, // to a VPN: not through the NAT gateway
		}
		return tp
	}
	vpc, world := "10.0.0.0/16", "0.0.0.0/0"
	good := [2][]plan.Entry{
		{allFrom(100, vpc), rule(110, true, tcp, world, 1024, 65535)},
		{allFrom(100, world)},
	}
	wantLines(t, build(good[0], good[1]).run("RP001", "RP002", "RP004"))
	tests := []struct {
		name          string
		natIn, natOut []plan.Entry
		want          string
	}{
		{"requests from the subnet", []plan.Entry{rule(110, true, tcp, world, 1024, 65535)}, good[1],
			"RP004 error aws_network_acl.public request 10.0.10.0/24"},
		{"requests to the internet", good[0], []plan.Entry{rule(100, true, tcp, vpc, 0, 65535)},
			"RP004 error aws_network_acl.public request 0.0.0.0/0"},
		{"replies on the NAT gateway's ports", []plan.Entry{allFrom(100, vpc), rule(110, true, tcp, world, 32768, 65535)}, good[1],
			"RP004 error aws_network_acl.public reply 0.0.0.0/0"},
		// Requests to 1.0.0.0/8 pass, so the requests out are not all
		// dropped; the replies to the subnet are.
		{"replies on to the subnet", good[0], []plan.Entry{rule(100, true, tcp, vpc, 443, 443), rule(110, true, plan.ProtocolAll, "1.0.0.0/8", 0, 0)},
			"RP004 error aws_network_acl.public reply 10.0.10.0/24"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantLines(t, build(tt.natIn, tt.natOut).run("RP004"), tt.want)
		})
	}
	// The subnet's replies (10.0.10.0/24 on 1024-65535: its clients are
	// unknown) are dropped while its requests pass.
	tp := build(good[0], []plan.Entry{rule(90, false, tcp, "10.0.10.0/24", 1024, 65535), allFrom(100, world)})
	wantLines(t, tp.run("RP004"), "RP004 error aws_network_acl.public reply 10.0.10.0/24")
	// The destinations that another route takes do not go through the
	// NAT gateway.
	tp = build(good[0], good[1])
	tp.net.NACLs[1].Egress = sourced(directed([]plan.Entry{rule(100, true, tcp, "192.0.2.0/24", 443, 443)}, plan.Egress), "aws_network_acl.private")
	tp.net.NACLs[0].Ingress = nil
	wantLines(t, tp.run("RP004"))
}

// The client range of a peer follows what the plan places there: hosts
// 32768-65535, NAT/LB/Lambda 1024-65535, anything else (or nothing)
// 1024-65535.
func TestRemoteClientRanges(t *testing.T) {
	tp := newTopo()
	hosts := tp.subnet("hosts", "10.0.1.0/24", nil, nil)
	lb := tp.subnet("lb", "10.0.2.0/24", nil, nil)
	tp.subnet("empty", "10.0.3.0/24", nil, nil)
	tp.place("aws_instance.a", plan.Instance, []*plan.Subnet{hosts})
	tp.place("aws_lb.b", plan.LoadBalancer, []*plan.Subnet{lb})
	f := newFacts(tp.net, DefaultConfig())
	peer, _ := prefixRange(netip.MustParsePrefix("10.0.0.0/22"))
	// No rule: every reply needed is dropped, so the dropped parts are the
	// narrowed need.
	gap := f.replies().remoteReplyGap(tp.vpc, plan.IPv4, tcp, []addrRange{peer}, subnetWorkloads, nil, nil)
	var need space
	for _, part := range gap.parts {
		need = append(need, part.space...)
	}
	who := gap.who
	at := func(addr string, port uint16) bool {
		return need.contains(point{proto: 6, addr: netip.MustParseAddr(addr), port: port})
	}
	checks := []struct {
		addr string
		port uint16
		want bool
	}{
		{"10.0.1.9", 40000, true}, {"10.0.1.9", 2000, false}, // hosts
		{"10.0.2.9", 2000, true}, // load balancer
		{"10.0.3.9", 2000, true}, // no workload: unknown clients
		{"10.0.0.9", 2000, true}, // no subnet of the plan
	}
	for _, c := range checks {
		if got := at(c.addr, c.port); got != c.want {
			t.Errorf("reply to %s:%d needed = %v, want %v", c.addr, c.port, got, c.want)
		}
	}
	if who.broad == nil || who.broad.Address != "aws_lb.b" || who.ports != plan.BroadEphemeral {
		t.Errorf("clients = %+v", who)
	}
}

// Subnets of other VPCs with the same CIDR are not peers inside a VPC's
// own range; outside it (peering) they are.
func TestSubnetsOverlappingAcrossVPCs(t *testing.T) {
	tp := newTopo()
	other := &plan.VPC{Address: "aws_vpc.other", IPv4: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}
	own := tp.subnet("own", "10.0.1.0/24", nil, nil)
	twin := &plan.Subnet{Address: "aws_subnet.twin", VPC: other, IPv4: netip.MustParsePrefix("10.0.1.0/24")}
	peered := &plan.Subnet{Address: "aws_subnet.peered", VPC: other, IPv4: netip.MustParsePrefix("10.1.5.0/24")}
	wide := &plan.Subnet{Address: "aws_subnet.wide", VPC: other, IPv4: netip.MustParsePrefix("10.0.0.0/20")}
	tp.net.Subnets = append(tp.net.Subnets, twin, peered, wide)
	f := newFacts(tp.net, DefaultConfig())
	names := func(vpc *plan.VPC, cidr string) []string {
		r, _ := prefixRange(netip.MustParsePrefix(cidr))
		var out []string
		for _, e := range f.subnets().overlapping(vpc, plan.IPv4, r) {
			out = append(out, string(e.subnet.Address))
		}
		slices.Sort(out)
		return out
	}
	wantLines(t, names(tp.vpc, "10.0.1.128/25"), "aws_subnet.own")
	wantLines(t, names(tp.vpc, "10.1.0.0/16"), "aws_subnet.peered")
	wantLines(t, names(nil, "10.0.1.0/24"), "aws_subnet.own", "aws_subnet.twin", "aws_subnet.wide")
	wantLines(t, names(other, "10.0.8.0/24"), "aws_subnet.wide")
	_ = own
}

func TestEphemeralOpenings(t *testing.T) {
	tests := []struct {
		proto   plan.Protocol
		lo, hi  uint16
		peer    string
		dir     plan.Direction
		finding bool
	}{
		{tcp, 1024, 65535, "0.0.0.0/0", plan.Ingress, true},
		{plan.ProtocolUDP, 32768, 60999, "::/0", plan.Ingress, true},
		{tcp, 32768, 65535, "0.0.0.0/0", plan.Ingress, true},
		{tcp, 49152, 65535, "0.0.0.0/0", plan.Ingress, false}, // less than half of 32768-60999
		{tcp, 0, 65535, "0.0.0.0/0", plan.Ingress, false},     // everything, not the return mistake
		{tcp, 8000, 8100, "0.0.0.0/0", plan.Ingress, false},
		{tcp, 1024, 65535, "10.0.0.0/8", plan.Ingress, false},
		{tcp, 1024, 65535, "0.0.0.0/0", plan.Egress, false},
		{plan.ProtocolAll, 0, 65535, "0.0.0.0/0", plan.Ingress, false},
	}
	for _, tt := range tests {
		tp := newTopo()
		g := tp.group("web")
		allow(g, tt.dir, tt.proto, tt.lo, tt.hi, tt.peer)
		got := findingsOf(tp, "RP005")
		if (len(got) == 1) != tt.finding || len(got) > 1 {
			t.Errorf("%s %s %d-%d %s: %v", tt.dir, tt.proto, tt.lo, tt.hi, tt.peer, summaries(got))
			continue
		}
		if tt.finding && (got[0].Severity != Warning || got[0].Resource != "aws_security_group.web" || !strings.HasSuffix(got[0].Message, "remove it")) {
			t.Errorf("finding %+v", got[0])
		}
	}
}

func TestPathMTU(t *testing.T) {
	https := rule(100, true, tcp, "0.0.0.0/0", 443, 443)
	ret := rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)
	tests := []struct {
		name            string
		ingress, egress []plan.Entry
		want            []string
	}{
		{"no ICMP", []plan.Entry{https}, []plan.Entry{ret}, []string{"RP007 notice aws_network_acl.web"}},
		{"type 3 code 4 allowed", []plan.Entry{https, icmpRule(110, true, "0.0.0.0/0", 3, 4)}, []plan.Entry{ret}, nil},
		{"all of type 3 allowed", []plan.Entry{https, icmpRule(110, true, "0.0.0.0/0", 3, -1)}, []plan.Entry{ret}, nil},
		{"another ICMP type only", []plan.Entry{https, icmpRule(110, true, "0.0.0.0/0", 8, -1)}, []plan.Entry{ret},
			[]string{"RP007 notice aws_network_acl.web"}},
		{"all traffic in", []plan.Entry{allFrom(100, "0.0.0.0/0")}, []plan.Entry{ret}, nil},
		{"allowed from part of the peers: deliberate", []plan.Entry{https, icmpRule(110, true, "203.0.113.0/24", 3, 4)}, []plan.Entry{ret}, nil},
		{"TCP within private ranges only", []plan.Entry{rule(100, true, tcp, "10.0.0.0/8", 443, 443)},
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/8", 1024, 65535)}, nil},
		{"outbound to the internet", []plan.Entry{rule(100, true, tcp, "10.0.0.0/8", 1024, 65535)}, []plan.Entry{https},
			[]string{"RP007 notice aws_network_acl.web"}},
		{"IPv6 without packet-too-big", []plan.Entry{rule(100, true, tcp, "::/0", 443, 443)}, nil,
			[]string{"RP007 notice aws_network_acl.web"}},
		{"IPv6 with packet-too-big", []plan.Entry{rule(100, true, tcp, "::/0", 443, 443), icmp6Rule(110, "::/0", 2, -1)}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := newTopo()
			tp.subnet("web", "10.0.1.0/24", tt.ingress, tt.egress)
			wantLines(t, tp.run("RP007"), tt.want...)
		})
	}
}

func icmp6Rule(number int, cidr string, typ, code int16) plan.Entry {
	e := icmpRule(number, true, cidr, typ, code)
	e.Protocol = plan.ProtocolICMPv6
	return e
}

// Prefix lists and groups managed elsewhere are notices: nothing is wrong
// with the configuration.
func TestInformationalUnresolvedIsANotice(t *testing.T) {
	tp := newTopo()
	tp.net.Unresolved = []plan.Unresolved{
		{Address: "aws_security_group_rule.s3", Reason: "allows a prefix list", Informational: true},
		{Address: "aws_network_acl_rule.x", Reason: "from a data source"},
	}
	wantLines(t, tp.run("RP008"), "RP008 warning aws_network_acl_rule.x", "RP008 notice aws_security_group_rule.s3")
}

// Models no builder makes (nil members, groups and peers, invalid
// prefixes) must not make the checks panic.
func TestOddSecurityGroupsDoNotPanic(t *testing.T) {
	tp := newTopo()
	web := tp.subnet("web", "10.0.1.0/24", []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 443, 443)}, nil)
	odd := tp.subnet("odd", "10.0.2.0/24", nil, nil)
	odd.IPv4 = netip.Prefix{}
	g := tp.group("web")
	tp.place("aws_instance.web", plan.Instance, []*plan.Subnet{web, odd}, g)
	g.Members = append(g.Members, nil)
	g.Ingress = append(g.Ingress,
		plan.SGRule{Direction: plan.Ingress, Protocol: tcp, Ports: plan.PortRange{Lo: 22, Hi: 22}, Peer: plan.PeerGroup},
		plan.SGRule{Direction: plan.Ingress, Protocol: tcp, Ports: plan.PortRange{Lo: 22, Hi: 22}, Peer: plan.PeerCIDR},
		plan.SGRule{Direction: plan.Ingress, Protocol: tcp, Ports: plan.PortRange{Lo: 25, Hi: 25}, Peer: plan.PeerPrefixList, PrefixList: "pl-1"},
		plan.SGRule{Direction: plan.Ingress, Protocol: tcp, Ports: plan.PortRange{Lo: 1024, Hi: 65535}, Peer: plan.PeerCIDR, Prefix: netip.MustParsePrefix("0.0.0.0/0")},
	)
	tp.net.SecurityGroups = append(tp.net.SecurityGroups, nil)
	web.Routes = []plan.Route{{NATGateway: tp.place("aws_nat_gateway.x", plan.NATGateway, []*plan.Subnet{odd})}, {}}
	for _, f := range Run(&plan.Model{Planned: tp.net, Prior: tp.net}, DefaultConfig()) {
		if f.Severity < Notice || f.Severity > Error || f.Message == "" {
			t.Errorf("malformed finding %+v", f)
		}
	}
}
