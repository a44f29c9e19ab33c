package checks

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// Subnets of other VPCs with the same CIDR are not peers inside a VPC's
// own range; outside it (peering) they are.
func TestSubnetsOverlappingAcrossVPCs(t *testing.T) {
	tp := newTopo()
	other := &plan.VPC{Address: "aws_vpc.other", IPv4: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}
	own := tp.Subnet("own", "10.0.1.0/24", nil, nil)
	twin := &plan.Subnet{Address: "aws_subnet.twin", VPC: other, IPv4: netip.MustParsePrefix("10.0.1.0/24")}
	peered := &plan.Subnet{Address: "aws_subnet.peered", VPC: other, IPv4: netip.MustParsePrefix("10.1.5.0/24")}
	wide := &plan.Subnet{Address: "aws_subnet.wide", VPC: other, IPv4: netip.MustParsePrefix("10.0.0.0/20")}
	tp.Net.Subnets = append(tp.Net.Subnets, twin, peered, wide)
	f := newFacts(tp.Net, DefaultConfig())
	names := func(vpc *plan.VPC, cidr string) []string {
		r, _ := nacleval.PrefixRange(netip.MustParsePrefix(cidr))
		var out []string
		for _, e := range f.subnets().overlapping(vpc, plan.IPv4, r) {
			out = append(out, string(e.subnet.Address))
		}
		slices.Sort(out)
		return out
	}
	wantLines(t, names(tp.VPC, "10.0.1.128/25"), "aws_subnet.own")
	wantLines(t, names(tp.VPC, "10.1.0.0/16"), "aws_subnet.peered")
	wantLines(t, names(nil, "10.0.1.0/24"), "aws_subnet.own", "aws_subnet.twin", "aws_subnet.wide")
	wantLines(t, names(other, "10.0.8.0/24"), "aws_subnet.wide")
	_ = own
}

// The pieces of the address space seen from a VPC cover it without a gap
// or an overlap: an address that overlapping subnets share is the first
// one's, and another VPC's subnet inside the VPC's own range is left out.
func TestPiecesSeenFrom(t *testing.T) {
	tp := newTopo() // aws_vpc.main: 10.0.0.0/16
	other := &plan.VPC{Address: "aws_vpc.other", IPv4: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}}
	tp.Subnet("own", "10.0.1.0/24", nil, nil)
	tp.Net.Subnets = append(tp.Net.Subnets,
		&plan.Subnet{Address: "aws_subnet.twin", VPC: other, IPv4: netip.MustParsePrefix("10.0.1.0/24")},
		&plan.Subnet{Address: "aws_subnet.wide", VPC: other, IPv4: netip.MustParsePrefix("10.0.1.128/25")},
		&plan.Subnet{Address: "aws_subnet.far", VPC: other, IPv4: netip.MustParsePrefix("10.9.0.0/24")})
	f := newFacts(tp.Net, DefaultConfig())
	pieces := func(vpc *plan.VPC) []string {
		var out []string
		for _, p := range f.subnets().piecesSeenFrom(vpc, plan.IPv4) {
			name := "-"
			if p.subnet != nil {
				name = string(p.subnet.Address)
			}
			out = append(out, p.r.String()+" "+name)
		}
		return out
	}
	wantLines(t, pieces(tp.VPC),
		"0.0.0.0-10.0.0.255 -",
		"10.0.1.0/24 aws_subnet.own",
		"10.0.2.0-10.8.255.255 -",
		"10.9.0.0/24 aws_subnet.far",
		"10.9.1.0-255.255.255.255 -")
	wantLines(t, pieces(nil),
		"0.0.0.0-10.0.0.255 -",
		"10.0.1.0/24 aws_subnet.own",
		"10.0.2.0-10.8.255.255 -",
		"10.9.0.0/24 aws_subnet.far",
		"10.9.1.0-255.255.255.255 -")
	wantLines(t, pieces(other),
		"0.0.0.0-10.0.0.255 -",
		"10.0.1.0/24 aws_subnet.twin",
		"10.0.2.0-10.8.255.255 -",
		"10.9.0.0/24 aws_subnet.far",
		"10.9.1.0-255.255.255.255 -")
}

// overlapping lists what eachOverlapping visits.
func (x *subnetIndex) overlapping(vpc *plan.VPC, fam plan.Family, r nacleval.AddrRange) []indexedSubnet {
	var out []indexedSubnet
	x.eachOverlapping(vpc, fam, r, func(e indexedSubnet) bool {
		out = append(out, e)
		return true
	})
	return out
}

// Two NACLs whose rules have one shape share one walk, and each still
// gets its own entries with what they decide.
func TestDecisionsOfSharedShape(t *testing.T) {
	entries := func(first bool) []plan.Entry {
		return directed([]plan.Entry{
			rule(100, first, tcp, "10.0.0.0/8", 22, 22),
			rule(110, true, tcp, "0.0.0.0/0", 443, 443),
		}, plan.Ingress)
	}
	a := &plan.NACL{Address: "aws_network_acl.a", Ingress: entries(true)}
	b := &plan.NACL{Address: "aws_network_acl.b", Ingress: entries(false)}
	f := newFacts(&plan.Network{NACLs: []*plan.NACL{a, b}}, DefaultConfig())
	for _, n := range []*plan.NACL{a, b} {
		got := f.rules().decisionsOf(n, plan.Ingress, plan.IPv4)
		if len(got) != 2 || got[0].entry != &n.Ingress[0] || got[1].entry != &n.Ingress[1] {
			t.Fatalf("%s: decisions %v are not of its entries", n.Address, got)
		}
		if ports := got[1].decided.Ports(); len(ports) != 1 || ports[0] != (plan.PortRange{Lo: 443, Hi: 443}) {
			t.Errorf("%s: rule 110 decides ports %v", n.Address, ports)
		}
	}
	if len(f.rules().byShape) != 1 {
		t.Errorf("%d walks for one shape", len(f.rules().byShape))
	}
	if len(f.rules().intentTraffic(a, plan.Ingress, plan.IPv4)) == len(f.rules().intentTraffic(b, plan.Ingress, plan.IPv4)) {
		t.Error("the intent traffic of a (two allows) and b (a deny first) is the same")
	}
}

// The Amazon service addresses, written as bytes, are the documented ones.
func TestAWSServiceAddrs(t *testing.T) {
	for fam, want := range map[plan.Family][3]string{
		plan.IPv4: {"169.254.169.253", "169.254.169.254", "169.254.169.123"},
		plan.IPv6: {"fd00:ec2::253", "fd00:ec2::254", "fd00:ec2::123"},
	} {
		for i, a := range awsServiceAddrs(fam) {
			if a != netip.MustParseAddr(want[i]) {
				t.Errorf("%v: %s, want %s", fam, a, want[i])
			}
		}
	}
}
