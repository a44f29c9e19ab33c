package checks

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// Behind an egress-only internet gateway the internet's IPv6 hosts are no
// clients of an inbound intent; the VPC's own are, and an outbound
// intent keeps its replies; a second subnet with another default route
// (an internet gateway) keeps every client.
func TestEgressOnlyClients(t *testing.T) {
	eigw := plan.Route{Destination: netip.MustParsePrefix("::/0"), EgressOnly: true}
	igw := plan.Route{Destination: netip.MustParsePrefix("::/0")}
	build := func(routes ...[]plan.Route) *plan.Network {
		var cidrs []string
		for i := range routes {
			cidrs = append(cidrs, []string{"2001:db8:0:1::/64", "2001:db8:0:2::/64"}[i])
		}
		n := network(cidrs,
			[]plan.Entry{rule(100, true, tcp, "::/0", 443, 443)},
			[]plan.Entry{rule(100, true, tcp, "::/0", 8080, 8080)})
		n.VPCs[0].IPv6 = []netip.Prefix{netip.MustParsePrefix("2001:db8::/56")}
		for i, s := range n.Subnets {
			s.Routes = routes[i]
		}
		return n
	}
	// rules "RULE direction" of the findings
	kinds := func(n *plan.Network) []string {
		var out []string
		for _, f := range runPlanned(n) {
			out = append(out, f.Rule+" "+f.Flow.Direction.String())
		}
		return out
	}
	wantLines(t, kinds(build([]plan.Route{igw})), "RP001 ingress", "RP002 egress")
	wantLines(t, kinds(build([]plan.Route{eigw})), "RP001 ingress", "RP002 egress")
	// behind the egress-only gateway only the VPC's clients remain
	for _, f := range runPlanned(build([]plan.Route{eigw})) {
		if vpc := netip.MustParsePrefix("2001:db8::/56"); f.Rule == "RP001" && !vpc.Contains(f.Flow.Witness.Dst.Addr()) {
			t.Errorf("RP001 behind an egress-only gateway: reply to %v, want a client of the VPC's %v", f.Flow.Witness.Dst, vpc)
		}
	}
	// no VPC IPv6 block in the plan: no client remains
	n := build([]plan.Route{eigw})
	n.VPCs[0].IPv6 = nil
	wantLines(t, kinds(n), "RP002 egress")
	// one subnet behind an internet gateway: every client remains
	n = build([]plan.Route{eigw}, []plan.Route{igw})
	n.VPCs[0].IPv6 = nil
	wantLines(t, kinds(n), "RP001 ingress", "RP002 egress")
	// routes not in the plan: every client remains
	n = build(nil)
	n.VPCs[0].IPv6 = nil
	wantLines(t, kinds(n), "RP001 ingress", "RP002 egress")
}

// NAT64 addresses stand for the IPv4 address in their last 32 bits.
func TestNAT64IPv4(t *testing.T) {
	r, _ := nacleval.PrefixRange(netip.MustParsePrefix("64:ff9b::c633:6400/120"))
	got := nat64IPv4([]nacleval.AddrRange{r})
	want := []nacleval.AddrRange{{Lo: netip.MustParseAddr("198.51.100.0"), Hi: netip.MustParseAddr("198.51.100.255")}}
	if !slices.Equal(got, want) {
		t.Errorf("nat64IPv4 = %v, want %v", got, want)
	}
}
