package checks

import (
	"net/netip"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// IPv6 routes that change who reaches a subnet: egress-only internet
// gateways and NAT64 through a NAT gateway.

// nat64Prefix is the well-known NAT64 prefix (RFC 6052): a route for it to
// a NAT gateway translates to the IPv4 address in its last 32 bits.
var nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")

// routedTo is the part of dest's family that s sends, by longest prefix
// match, through the routes target picks; the VPC's own CIDRs stay local.
func routedTo(s *plan.Subnet, fam plan.Family, target func(plan.Route) bool) nacleval.Space {
	var space nacleval.Space
	for _, r := range s.Routes {
		if !target(r) || plan.FamilyOf(r.Destination) != fam {
			continue
		}
		dest, ok := nacleval.PrefixRange(r.Destination)
		if !ok {
			continue
		}
		via := nacleval.AddrSpace(dest)
		for _, other := range s.Routes {
			if other.Destination.IsValid() && plan.FamilyOf(other.Destination) == fam && other.Destination.Bits() > r.Destination.Bits() {
				if o, ok := nacleval.PrefixRange(other.Destination); ok {
					via = via.Subtract(nacleval.AddrSpace(o))
				}
			}
		}
		space = append(space, via...)
	}
	if s.VPC != nil {
		cidrs := s.VPC.IPv4
		if fam == plan.IPv6 {
			cidrs = s.VPC.IPv6
		}
		for _, cidr := range cidrs {
			if c, ok := nacleval.PrefixRange(cidr); ok {
				space = space.Subtract(nacleval.AddrSpace(c))
			}
		}
	}
	return space
}

// egressOnlyPeers are the IPv6 addresses that cannot open connections to
// any subnet of n: every subnet sends them to an egress-only internet
// gateway, which lets replies in and no new connection. Empty when a
// subnet's routes are not in the plan.
func egressOnlyPeers(n *plan.NACL) nacleval.Space {
	if len(n.Subnets) == 0 {
		return nil
	}
	var peers nacleval.Space
	for i, s := range n.Subnets {
		if s == nil || s.Routes == nil {
			return nil
		}
		via := routedTo(s, plan.IPv6, func(r plan.Route) bool { return r.EgressOnly })
		if i == 0 {
			peers = via
		} else {
			peers = peers.Intersect(via)
		}
		if peers.IsEmpty() {
			return nil
		}
	}
	return peers
}

// nat64Routes are the NAT64 destinations of s (within 64:ff9b::/96) that
// go to each NAT gateway of the plan.
func nat64Routes(s *plan.Subnet) []natRoute {
	var out []natRoute
	wellKnown, _ := nacleval.PrefixRange(nat64Prefix)
	for _, r := range s.Routes {
		if r.NATGateway == nil || !r.Destination.Addr().Is6() {
			continue
		}
		nat := r.NATGateway
		via := routedTo(s, plan.IPv6, func(o plan.Route) bool { return o == r }).Intersect(nacleval.AddrSpace(wellKnown))
		if !via.IsEmpty() {
			out = append(out, natRoute{nat: nat, space: via})
		}
	}
	return out
}

// nat64IPv4 are the IPv4 addresses that NAT64 addresses (within
// 64:ff9b::/96) stand for.
func nat64IPv4(ranges []nacleval.AddrRange) []nacleval.AddrRange {
	out := make([]nacleval.AddrRange, 0, len(ranges))
	for _, r := range ranges {
		out = append(out, nacleval.AddrRange{Lo: embeddedIPv4(r.Lo), Hi: embeddedIPv4(r.Hi)})
	}
	return out
}

func embeddedIPv4(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[12:16]))
}
