package checks

import (
	"math"
	"net/netip"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// A witness is one concrete packet of a broken flow that a NACL drops,
// shown to the reader as proof.

// witness picks one concrete reply packet that is dropped, the rule that
// drops it, and the share of Linux ephemeral ports dropped for that peer.
// It prefers addresses and ports a reader recognises: the documentation
// addresses 203.0.113.7 / 2001:db8::7, and a port that both Linux and
// Windows clients use. local is the subnet on the NACL's side (invalid
// when unknown).
func witness(local netip.Prefix, flow *Flow, missing nacleval.Space, parts []nacleval.DeniedPart) (Packet, *RuleRef, float64) {
	peer, ok := witnessPeer(missing, flow.PeerCIDR, flow.Family)
	if !ok {
		return Packet{Protocol: flow.Protocol}, nil, 0
	}
	peerPorts := missing.AtAddr(peer).Ports()
	if len(peerPorts) == 0 {
		return Packet{Protocol: flow.Protocol}, nil, 0 // unreachable: peer comes from missing
	}
	port := firstPortIn(peerPorts, plan.PortRange{Lo: 49152, Hi: 60999})
	if port < 0 {
		port = firstPortIn(peerPorts, plan.HostEphemeral)
	}
	if port < 0 {
		port = int(peerPorts[0].Lo)
	}

	localEnd := localEndpoint(local)

	pkt := Packet{Protocol: flow.Protocol}
	service := flow.ServicePorts.Lo
	if flow.Direction == plan.Ingress {
		// The reply to an inbound request leaves the subnet: local service
		// port to the peer's ephemeral port.
		pkt.Src, pkt.Dst = localEnd(service), netip.AddrPortFrom(peer, uint16(port))
	} else {
		// The reply to an outbound request enters the subnet: the peer's
		// service port to the local ephemeral port.
		pkt.Src, pkt.Dst = netip.AddrPortFrom(peer, service), localEnd(uint16(port))
	}

	var blocking *RuleRef
	proto, _, _ := nacleval.ProtocolInterval(flow.Protocol)
	at := nacleval.Point{Proto: proto, Addr: peer, Port: uint16(port)}
	for _, part := range parts {
		if part.By != nil && part.Space.Contains(at) {
			blocking = &RuleRef{Address: part.By.Source, Number: part.By.Number}
			break
		}
	}

	linux := 0
	for _, r := range peerPorts {
		lo, hi := max(r.Lo, plan.LinuxEphemeral.Lo), min(r.Hi, plan.LinuxEphemeral.Hi)
		if lo <= hi {
			linux += int(hi) - int(lo) + 1
		}
	}
	share := math.Round(float64(linux)/float64(plan.LinuxEphemeral.Len())*10000) / 10000
	flow.FailingPeers = failingPeers(missing, flow.PeerCIDR, peer)
	return pkt, blocking, share
}

// failingPeers are the blocks of the missing range that holds peer, when
// the missing addresses are only part of the flow's peer CIDR (the exempt
// addresses, a handful, do not count).
func failingPeers(missing nacleval.Space, peerCIDR netip.Prefix, peer netip.Addr) []netip.Prefix {
	if !peerCIDR.IsValid() {
		return nil
	}
	var count float64
	var around []netip.Prefix
	for _, r := range missing.AddrRanges() {
		blocks := rangeCIDRs(r)
		for _, b := range blocks {
			count += math.Exp2(float64(b.Addr().BitLen() - b.Bits()))
		}
		if r.Contains(peer) {
			around = blocks
		}
	}
	if count >= 0.99*math.Exp2(float64(peerCIDR.Addr().BitLen()-peerCIDR.Bits())) {
		return nil
	}
	return around
}

// localEndpoint gives addresses of the local subnet of a witness: its tenth
// address (a host, not the network address), or nothing when the subnet is
// unknown.
func localEndpoint(subnet netip.Prefix) func(port uint16) netip.AddrPort {
	var local netip.Addr
	if subnet.IsValid() {
		local = subnet.Addr()
		if a := nacleval.AddrPlus(local, 10); a.IsValid() && subnet.Contains(a) {
			local = a
		}
	}
	return func(port uint16) netip.AddrPort {
		if !local.IsValid() {
			return netip.AddrPort{}
		}
		return netip.AddrPortFrom(local, port)
	}
}

// witnessPeer picks the peer address of the witness packet.
func witnessPeer(missing nacleval.Space, peerCIDR netip.Prefix, f plan.Family) (netip.Addr, bool) {
	ranges := missing.AddrRanges()
	if len(ranges) == 0 {
		return netip.Addr{}, false
	}
	preferred := netip.MustParseAddr("203.0.113.7")
	if f == plan.IPv6 {
		preferred = netip.MustParseAddr("2001:db8::7")
	}
	for _, r := range ranges {
		if r.Contains(preferred) {
			return preferred, true
		}
	}
	// A network address (x.y.z.0, or ending in :0 for IPv6) reads like a
	// subnet rather than a host.
	// Nor are the next ones when it starts a subnet: AWS keeps the first
	// four addresses of every subnet (x.x.x.1 is the VPC router) and the
	// last. Take the tenth, as for the local end, else the first address
	// of the ranges that could be a host.
	for _, r := range ranges {
		if isNetworkLike(r.Lo) {
			if a := nacleval.AddrPlus(r.Lo, 10); a.IsValid() && r.Contains(a) {
				return a, true
			}
		}
		a := r.Lo
		for i := 0; i < 16 && a.IsValid() && r.Contains(a); i++ {
			if !reservedLike(a) {
				return a, true
			}
			a = a.Next()
		}
	}
	peer := ranges[0].Lo
	return peer, true
}

// reservedLike reports whether an address ends like one AWS keeps in a
// subnet (.0 to .3 and .255 of IPv4; ::0 to ::3 of IPv6).
func reservedLike(a netip.Addr) bool {
	s := a.AsSlice()
	last := s[len(s)-1]
	if a.Is4() {
		return last <= 3 || last == 255
	}
	return s[14] == 0 && last <= 3
}

func isNetworkLike(a netip.Addr) bool {
	s := a.AsSlice()
	if a.Is4() {
		return s[3] == 0
	}
	return s[14] == 0 && s[15] == 0
}

// firstPortIn is the lowest port of ranges inside within, or -1.
func firstPortIn(ranges []plan.PortRange, within plan.PortRange) int {
	for _, r := range ranges {
		if r.Overlaps(within) {
			return int(max(r.Lo, within.Lo))
		}
	}
	return -1
}

// localPrefix is the CIDR of family f of the NACL's first subnet that has
// one, invalid when none has.
func localPrefix(n *plan.NACL, f plan.Family) netip.Prefix {
	return firstPrefix(n.Subnets, f)
}

// firstPrefix is the CIDR of family f of the first subnet that has one.
func firstPrefix(subnets []*plan.Subnet, f plan.Family) netip.Prefix {
	for _, s := range subnets {
		if s == nil {
			continue
		}
		if pfx := s.Prefix(f); pfx.IsValid() && plan.FamilyOf(pfx) == f {
			return pfx.Masked()
		}
	}
	return netip.Prefix{}
}
