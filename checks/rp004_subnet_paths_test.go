package checks

import (
	"net/netip"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

// RP004 follows an intent to the subnets it names; an intent to the whole
// VPC names none.
func TestSubnetPairs(t *testing.T) {
	build := func(appOutCIDR string) *topo {
		tp := newTopo()
		tp.Subnet("app", "10.0.1.0/24",
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)},
			[]plan.Entry{rule(100, true, tcp, appOutCIDR, 8080, 8080)})
		tp.Subnet("svc", "10.0.2.0/24",
			[]plan.Entry{allFrom(100, "10.0.0.0/16")},
			[]plan.Entry{rule(100, true, tcp, "10.0.10.0/24", 1024, 65535)})
		tp.Subnet("queue", "10.0.3.0/24",
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 5672, 5672)},
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)})
		return tp
	}
	wantLines(t, run(build("10.0.2.0/24"), "RP004"), "RP004 error aws_network_acl.svc reply 10.0.1.0/24")
	wantLines(t, run(build("10.0.2.128/25"), "RP004"), "RP004 error aws_network_acl.svc reply 10.0.1.0/24")
	wantLines(t, run(build("10.0.3.0/24"), "RP004"), "RP004 error aws_network_acl.queue request 10.0.1.0/24")
	wantLines(t, run(build("10.0.2.0/23"), "RP004")) // two NACLs: which one is meant?
	wantLines(t, run(build("10.0.0.0/16"), "RP004")) // the VPC: no subnet is named
	// Even with one other NACL in the VPC, an intent wider than its
	// subnets does not name them.
	tp := build("10.0.0.0/16")
	tp.Net.Subnets, tp.Net.NACLs = tp.Net.Subnets[:2], tp.Net.NACLs[:2]
	wantLines(t, run(tp, "RP004"))
	tp = build("10.0.2.0/24")
	tp.Net.Subnets, tp.Net.NACLs = tp.Net.Subnets[:2], tp.Net.NACLs[:2]
	wantLines(t, run(tp, "RP004"), "RP004 error aws_network_acl.svc reply 10.0.1.0/24")
}

// When a security group covers the same leg, RP003 reports it (naming the
// group) and RP004 does not repeat it.
func TestSubnetPairsLeaveGroupLegsToRP003(t *testing.T) {
	tp := newTopo()
	app := tp.Subnet("app", "10.0.1.0/24",
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 1024, 65535)},
		[]plan.Entry{rule(100, true, tcp, "10.0.2.0/24", 5432, 5432)})
	db := tp.Subnet("db", "10.0.2.0/24",
		[]plan.Entry{allFrom(100, "10.0.0.0/16")},
		[]plan.Entry{rule(100, true, tcp, "10.0.0.0/16", 443, 443)})
	appSG, dbSG := tp.Group("app"), tp.Group("db")
	tp.Place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, appSG)
	tp.Place("aws_db_instance.db", plan.Database, []*plan.Subnet{db}, dbSG)
	wantLines(t, run(tp, "RP003", "RP004"), "RP004 error aws_network_acl.db reply 10.0.1.0/24")
	allow(dbSG, plan.Ingress, tcp, 5432, 5432, appSG)
	wantLines(t, run(tp, "RP003", "RP004"), "RP003 error aws_network_acl.db reply 10.0.1.0/24")
}

// A private subnet's internet intent crosses the NAT gateway subnet's NACL
// four times: requests in from the subnet and out to the peer, replies in
// on the gateway's ports 1024-65535 and out to the subnet.
func TestNATGatewayPath(t *testing.T) {
	build := func(natIn, natOut []plan.Entry) *topo {
		tp := newTopo()
		pub := tp.Subnet("public", "10.0.0.0/24", natIn, natOut)
		priv := tp.Subnet("private", "10.0.10.0/24",
			[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)},
			[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 443, 443)})
		nat := tp.Place("aws_nat_gateway.main", plan.NATGateway, []*plan.Subnet{pub})
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
	wantLines(t, run(build(good[0], good[1]), "RP001", "RP002", "RP004"))
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
			wantLines(t, run(build(tt.natIn, tt.natOut), "RP004"), tt.want)
		})
	}
	// The subnet's replies (10.0.10.0/24 on 1024-65535: its clients are
	// unknown) are dropped while its requests pass.
	tp := build(good[0], []plan.Entry{rule(90, false, tcp, "10.0.10.0/24", 1024, 65535), allFrom(100, world)})
	wantLines(t, run(tp, "RP004"), "RP004 error aws_network_acl.public reply 10.0.10.0/24")
	// The destinations that another route takes do not go through the
	// NAT gateway.
	tp = build(good[0], good[1])
	tp.Net.NACLs[1].Egress = sourced(directed([]plan.Entry{rule(100, true, tcp, "192.0.2.0/24", 443, 443)}, plan.Egress), "aws_network_acl.private")
	tp.Net.NACLs[0].Ingress = nil
	wantLines(t, run(tp, "RP004"))
}
