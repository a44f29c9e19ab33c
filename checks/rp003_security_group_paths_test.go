package checks

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

// The database group allows 5432 from the app group: both NACLs are on
// the path, and each must pass its half.
func TestSecurityGroupPeerChecksBothEnds(t *testing.T) {
	build := func(appIn, appOut, dbIn, dbOut []plan.Entry) *topo {
		tp := newTopo()
		app := tp.Subnet("app", "10.0.1.0/24", appIn, appOut)
		db := tp.Subnet("db", "10.0.2.0/24", dbIn, dbOut)
		appSG, dbSG := tp.Group("app"), tp.Group("db")
		tp.Place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, appSG)
		tp.Place("aws_instance.db", plan.Instance, []*plan.Subnet{db}, dbSG)
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
			wantLines(t, run(build(tt.appIn, tt.appOut, tt.dbIn, tt.dbOut), "RP003", "RP004"), tt.want...)
		})
	}
}

// A flow that a NACL intent rule decides is RP001/RP002's to report;
// RP003 does not repeat it.
func TestSecurityGroupLeavesNACLIntentsToRP001(t *testing.T) {
	tp := newTopo()
	db := tp.Subnet("db", "10.0.2.0/24",
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 5432, 5432)},
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 443, 443)})
	dbSG := tp.Group("db")
	tp.Place("aws_instance.db", plan.Instance, []*plan.Subnet{db}, dbSG)
	allow(dbSG, plan.Ingress, tcp, 5432, 5432, "10.0.0.0/16")
	wantLines(t, run(tp, "RP001", "RP003"), "RP001 error aws_network_acl.db reply 10.0.0.0/16")
}

// A broad CIDR in a group (0.0.0.0/0) says nothing of the peers a subnet
// really talks to: replies are checked only for the peers the NACL lets
// anything back to.
func TestSecurityGroupCIDRRepliesFollowTheNACLsScope(t *testing.T) {
	build := func(ingress []plan.Entry) *topo {
		tp := newTopo()
		app := tp.Subnet("app", "10.0.1.0/24", ingress, []plan.Entry{allFrom(100, "0.0.0.0/0")})
		sg := tp.Group("app")
		tp.Place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, sg)
		allow(sg, plan.Egress, tcp, 443, 443, "0.0.0.0/0")
		return tp
	}
	// Only the VPC (its endpoints) may answer: the subnet has no internet.
	wantLines(t, run(build([]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)}), "RP003"))
	// The NACL takes something back from the internet, but not the replies.
	wantLines(t, run(build([]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 22, 22)}), "RP003"),
		"RP003 error aws_network_acl.app reply 0.0.0.0/0")
}

// A requests leg that the NACL drops only in part is a deliberate
// narrowing (a deny list, a CIDR narrower than the group's): only a leg
// dropped entirely is a finding.
func TestSecurityGroupPartialRequestsAreDeliberate(t *testing.T) {
	tp := newTopo()
	web := tp.Subnet("web", "10.0.1.0/24",
		[]plan.Entry{rule(90, false, tcp, "198.51.100.0/24", 0, 65535), rule(100, true, tcp, "0.0.0.0/0", 0, 65535)},
		[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)})
	sg := tp.Group("web")
	tp.Place("aws_instance.web", plan.Instance, []*plan.Subnet{web}, sg)
	allow(sg, plan.Ingress, tcp, 443, 443, "0.0.0.0/0")
	wantLines(t, run(tp, "RP003"))
}

// A NACL that denies exactly the traffic a group allows says no on
// purpose; the implicit deny, or a deny-all rule standing for it, is an
// oversight.
func TestSecurityGroupRequestsDeniedOnPurpose(t *testing.T) {
	build := func(ingress ...plan.Entry) *topo {
		tp := newTopo()
		web := tp.Subnet("web", "10.0.1.0/24", ingress, []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)})
		sg := tp.Group("web")
		tp.Place("aws_instance.web", plan.Instance, []*plan.Subnet{web}, sg)
		allow(sg, plan.Ingress, tcp, 22, 22, "0.0.0.0/0")
		return tp
	}
	https := rule(100, true, tcp, "0.0.0.0/0", 443, 443)
	wantLines(t, run(build(https), "RP003"), "RP003 error aws_network_acl.web request 0.0.0.0/0")
	wantLines(t, run(build(rule(90, false, tcp, "0.0.0.0/0", 22, 22), https), "RP003"))
	wantLines(t, run(build(https, rule(32766, false, plan.ProtocolAll, "0.0.0.0/0", 0, 0)), "RP003"),
		"RP003 error aws_network_acl.web request 0.0.0.0/0")
	// Denied in part, the rest left to the implicit deny: an oversight.
	wantLines(t, run(build(rule(90, false, tcp, "0.0.0.0/1", 22, 22), https), "RP003"),
		"RP003 error aws_network_acl.web request 0.0.0.0/0")
}

// Replies to a load balancer's ports 1024-32767 are an error; the
// message names the path and the balancer.
func TestSecurityGroupReplyToLoadBalancer(t *testing.T) {
	tp := newTopo()
	pub := tp.Subnet("public", "10.0.0.0/24", nil, nil)
	app := tp.Subnet("app", "10.0.10.0/24",
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)},
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 32768, 65535)})
	lbSG, appSG := tp.Group("alb"), tp.Group("app")
	tp.Place("aws_lb.web", plan.LoadBalancer, []*plan.Subnet{pub}, lbSG)
	tp.Place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, appSG)
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
	// the first address of the subnet that can be a host: AWS keeps .0-.3
	// (.1 is the router, .2 the DNS resolver, exempt)
	if f.Flow.Witness.Src != netip.MustParseAddrPort("10.0.10.10:8080") || f.Flow.Witness.Dst.Addr().String() != "10.0.0.4" {
		t.Errorf("witness %v → %v", f.Flow.Witness.Src, f.Flow.Witness.Dst)
	}
	if !strings.Contains(f.Flow.Suggestion, `cidr_block = "10.0.0.0/24"`) || !strings.Contains(f.Flow.Suggestion, "from_port  = 1024") {
		t.Errorf("suggestion:\n%s", f.Flow.Suggestion)
	}
}

// Traffic inside one subnet never crosses its NACL, and subnets whose
// NACL the plan does not manage are not checked.
func TestSecurityGroupSelfRule(t *testing.T) {
	tp := newTopo()
	drop := []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 22, 22)}
	a := tp.Subnet("a", "10.0.1.0/24", drop, drop)
	b := tp.Subnet("b", "10.0.2.0/24", nil, nil)
	sg := tp.Group("cluster")
	allow(sg, plan.Ingress, tcp, 7000, 7000, sg)
	tp.Place("aws_instance.one", plan.Instance, []*plan.Subnet{a}, sg)
	wantLines(t, run(tp, "RP003"))
	tp.Place("aws_instance.two", plan.Instance, []*plan.Subnet{b}, sg)
	wantLines(t, run(tp, "RP003"),
		"RP003 error aws_network_acl.a request 10.0.2.0/24", // b → a, into a
		"RP003 error aws_network_acl.a request 10.0.2.0/24", // a → b, out of a
	)
}

// Models no builder makes (nil members, groups and peers, invalid
// prefixes) must not make the checks panic.
func TestOddSecurityGroupsDoNotPanic(t *testing.T) {
	tp := newTopo()
	web := tp.Subnet("web", "10.0.1.0/24", []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 443, 443)}, nil)
	odd := tp.Subnet("odd", "10.0.2.0/24", nil, nil)
	odd.IPv4 = netip.Prefix{}
	g := tp.Group("web")
	tp.Place("aws_instance.web", plan.Instance, []*plan.Subnet{web, odd}, g)
	g.Members = append(g.Members, nil)
	g.Ingress = append(g.Ingress,
		plan.SGRule{Direction: plan.Ingress, Protocol: tcp, Ports: plan.PortRange{Lo: 22, Hi: 22}, Peer: plan.PeerGroup},
		plan.SGRule{Direction: plan.Ingress, Protocol: tcp, Ports: plan.PortRange{Lo: 22, Hi: 22}, Peer: plan.PeerCIDR},
		plan.SGRule{Direction: plan.Ingress, Protocol: tcp, Ports: plan.PortRange{Lo: 25, Hi: 25}, Peer: plan.PeerPrefixList, PrefixList: "pl-1"},
		plan.SGRule{Direction: plan.Ingress, Protocol: tcp, Ports: plan.PortRange{Lo: 1024, Hi: 65535}, Peer: plan.PeerCIDR, Prefix: netip.MustParsePrefix("0.0.0.0/0")},
	)
	tp.Net.SecurityGroups = append(tp.Net.SecurityGroups, nil)
	web.Routes = []plan.Route{{NATGateway: tp.Place("aws_nat_gateway.x", plan.NATGateway, []*plan.Subnet{odd})}, {}}
	for _, f := range Run(&plan.Model{Planned: tp.Net, Prior: tp.Net}, DefaultConfig()) {
		if f.Severity < Notice || f.Severity > Error || f.Message == "" {
			t.Errorf("malformed finding %+v", f)
		}
	}
}
