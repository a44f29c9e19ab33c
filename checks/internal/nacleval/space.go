package nacleval

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// This file is exact set arithmetic over the traffic a NACL rule matches.
// A box is the product of three inclusive intervals: IP protocol, peer
// address (one family) and port. A space is a union of disjoint boxes.
// NACLs hold at most 40 rules per direction, so splitting boxes on each
// difference stays small and needs no cleverer structure.
//
// ICMP and ICMPv6 rules have no ports; their type and code go in the port
// dimension as type*256+code, so that they use the same machinery.

// Box is one product of intervals; it is empty when any Lo > Hi, and it
// never mixes address families.
type Box struct {
	protoLo, protoHi uint8
	portLo, portHi   uint16
	addrLo, addrHi   boxAddr
}

// boxAddr is an address as boxes hold it, ordered as netip.Addr.Compare
// orders addresses: by family (invalid, IPv4, IPv6), then by value. Unlike
// netip.Addr it holds no pointer, so the boxes the checks allocate by the
// hundred thousand on a large plan are memory the garbage collector does
// not scan, and comparing two is a few integer comparisons.
type boxAddr struct {
	hi, lo uint64
	bits   uint8 // 32 for IPv4, 128 for IPv6, 0 for the invalid address
}

func toBoxAddr(a netip.Addr) boxAddr {
	switch {
	case a.Is4():
		b := a.As4()
		return boxAddr{lo: uint64(binary.BigEndian.Uint32(b[:])), bits: 32}
	case a.Is6():
		b := a.As16()
		return boxAddr{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:]), bits: 128}
	}
	return boxAddr{}
}

// addr is a as a netip.Addr.
func (a boxAddr) addr() netip.Addr {
	switch a.bits {
	case 32:
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(a.lo))
		return netip.AddrFrom4(b)
	case 128:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], a.hi)
		binary.BigEndian.PutUint64(b[8:], a.lo)
		return netip.AddrFrom16(b)
	}
	return netip.Addr{}
}

func (a boxAddr) valid() bool { return a.bits != 0 }

func (a boxAddr) compare(b boxAddr) int {
	if c := cmp.Compare(a.bits, b.bits); c != 0 {
		return c
	}
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

func (a boxAddr) less(b boxAddr) bool { return a.compare(b) < 0 }

// next is the address after a; invalid after the family's last address,
// as netip.Addr.Next.
func (a boxAddr) next() boxAddr {
	switch {
	case a.bits == 32 && a.lo < 0xffffffff:
		a.lo++
	case a.bits == 128 && a.lo < ^uint64(0):
		a.lo++
	case a.bits == 128 && a.hi < ^uint64(0):
		a.hi, a.lo = a.hi+1, 0
	default:
		return boxAddr{}
	}
	return a
}

// prev is the address before a; invalid before the family's first
// address, as netip.Addr.Prev.
func (a boxAddr) prev() boxAddr {
	switch {
	case a.bits == 0 || a.hi == 0 && a.lo == 0:
		return boxAddr{}
	case a.lo > 0:
		a.lo--
	default:
		a.hi, a.lo = a.hi-1, ^uint64(0)
	}
	return a
}

func minBoxAddr(a, b boxAddr) boxAddr {
	if b.less(a) {
		return b
	}
	return a
}

func maxBoxAddr(a, b boxAddr) boxAddr {
	if a.less(b) {
		return b
	}
	return a
}

// Point is one concrete packet of a space: protocol, peer address, port.
type Point struct {
	Proto uint8
	Addr  netip.Addr
	Port  uint16
}

// Space is a union of pairwise disjoint, non-empty boxes.
type Space []Box

func (b Box) empty() bool {
	return b.protoLo > b.protoHi || b.portLo > b.portHi ||
		!b.addrLo.valid() || !b.addrHi.valid() || b.addrLo.compare(b.addrHi) > 0
}

// intersect is the common part of b and o (possibly empty).
func (b Box) intersect(o Box) Box {
	return Box{
		protoLo: max(b.protoLo, o.protoLo), protoHi: min(b.protoHi, o.protoHi),
		addrLo: maxBoxAddr(b.addrLo, o.addrLo), addrHi: minBoxAddr(b.addrHi, o.addrHi),
		portLo: max(b.portLo, o.portLo), portHi: min(b.portHi, o.portHi),
	}
}

// meets reports whether b and o have traffic in common: whether their
// intersection is not empty, without building it, and deciding on the
// protocols and ports (two bytes, two words) before the addresses.
func (b Box) meets(o Box) bool {
	if max(b.protoLo, o.protoLo) > min(b.protoHi, o.protoHi) || max(b.portLo, o.portLo) > min(b.portHi, o.portHi) {
		return false
	}
	lo, hi := maxBoxAddr(b.addrLo, o.addrLo), minBoxAddr(b.addrHi, o.addrHi)
	return lo.valid() && hi.valid() && lo.compare(hi) <= 0
}

// minus appends b − o to out as at most six disjoint boxes: the protocol
// slabs outside o, then within those the address slabs, then the ports.
func (b Box) minus(o Box, out Space) Space {
	if !b.meets(o) {
		return append(out, b)
	}
	return b.minusMeeting(o, out)
}

// minusMeeting is minus for a b that meets o.
func (b Box) minusMeeting(o Box, out Space) Space {
	if b.protoLo < o.protoLo {
		piece := b
		piece.protoHi = o.protoLo - 1
		out = append(out, piece)
	}
	if b.protoHi > o.protoHi {
		piece := b
		piece.protoLo = o.protoHi + 1
		out = append(out, piece)
	}
	mid := b
	mid.protoLo, mid.protoHi = max(b.protoLo, o.protoLo), min(b.protoHi, o.protoHi)
	if mid.addrLo.less(o.addrLo) {
		piece := mid
		piece.addrHi = o.addrLo.prev()
		out = append(out, piece)
	}
	if o.addrHi.less(mid.addrHi) {
		piece := mid
		piece.addrLo = o.addrHi.next()
		out = append(out, piece)
	}
	mid.addrLo, mid.addrHi = maxBoxAddr(mid.addrLo, o.addrLo), minBoxAddr(mid.addrHi, o.addrHi)
	if mid.portLo < o.portLo {
		piece := mid
		piece.portHi = o.portLo - 1
		out = append(out, piece)
	}
	if mid.portHi > o.portHi {
		piece := mid
		piece.portLo = o.portHi + 1
		out = append(out, piece)
	}
	return out
}

// piecesOutside is how many boxes b.minus(o, …) makes of a b that meets
// o: one for each side of o along which b reaches beyond it.
func (b Box) piecesOutside(o Box) int {
	n := 0
	for _, beyond := range [6]bool{
		b.protoLo < o.protoLo, b.protoHi > o.protoHi,
		b.addrLo.less(o.addrLo), o.addrHi.less(b.addrHi),
		b.portLo < o.portLo, b.portHi > o.portHi,
	} {
		if beyond {
			n++
		}
	}
	return n
}

func (b Box) contains(p Point) bool {
	a := toBoxAddr(p.Addr)
	return b.protoLo <= p.Proto && p.Proto <= b.protoHi &&
		b.addrLo.compare(a) <= 0 && a.compare(b.addrHi) <= 0 &&
		b.portLo <= p.Port && p.Port <= b.portHi
}

// SpaceOf is the space of one box (empty boxes give the empty space).
func SpaceOf(b Box) Space {
	if b.empty() {
		return nil
	}
	return Space{b}
}

func (s Space) IsEmpty() bool { return len(s) == 0 }

// Intersect is s ∩ t.
func (s Space) Intersect(t Space) Space {
	var out Space
	for _, a := range s {
		for _, b := range t {
			if c := a.intersect(b); !c.empty() {
				out = append(out, c)
			}
		}
	}
	return out
}

// Subtract is s − t. It never writes s; the result is s itself when t
// is empty.
func (s Space) Subtract(t Space) Space {
	out := s
	// Two buffers take turns holding the pieces left after each box of t:
	// one allocation each, not one per box.
	var buf, spare Space
	for _, b := range t {
		if len(out) == 0 {
			break
		}
		met, pieces := false, 0
		for _, a := range out {
			if a.meets(b) {
				met, pieces = true, pieces+a.piecesOutside(b)
			} else {
				pieces++
			}
		}
		if !met {
			continue // b takes nothing away: out stays as it is
		}
		if pieces == 0 {
			return Space{} // b takes all that is left (no buffer needed)
		}
		next := spare[:0]
		if cap(next) < pieces {
			next = make(Space, 0, max(pieces, 2*len(out)+4))
		}
		for _, a := range out {
			next = a.minus(b, next)
		}
		spare, buf, out = buf, next, next
	}
	return out
}

// overlaps reports whether s and b have traffic in common.
func (s Space) overlaps(b Box) bool {
	for _, a := range s {
		if a.meets(b) {
			return true
		}
	}
	return false
}

// split is s ∩ b and s − b, in one walk over s: s ∩ b is appended to in
// (a buffer of the caller's; nil for a new space), s − b to rest[:0] (a
// buffer the caller no longer needs, or nil). ok is false, and nothing is
// appended, when b meets no box of s.
func (s Space) split(b Box, in, rest Space) (_, _ Space, ok bool) {
	// Find the first box that meets b and count the common pieces: a new
	// in is allocated once, at its size.
	first, n := -1, 0
	for i, a := range s {
		if a.meets(b) {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if n == 0 {
		return in, rest, false
	}
	if in == nil {
		in = make(Space, 0, n)
	}
	out := append(rest[:0], s[:first]...) // they do not meet b
	for _, a := range s[first:] {
		if n == 0 || !a.meets(b) {
			out = append(out, a)
			continue
		}
		n--
		in = append(in, a.intersect(b))
		out = a.minusMeeting(b, out)
	}
	return in, out, true
}

// union is s ∪ t, kept disjoint.
func (s Space) union(t Space) Space {
	extra := t.Subtract(s)
	if len(extra) == 0 {
		return s
	}
	out := make(Space, 0, len(s)+len(extra))
	return append(append(out, s...), extra...)
}

func (s Space) Contains(p Point) bool {
	for _, b := range s {
		if b.contains(p) {
			return true
		}
	}
	return false
}

// Ports is the projection of s on the port dimension: sorted, with
// overlapping and adjacent intervals merged.
func (s Space) Ports() []plan.PortRange {
	if len(s) == 0 {
		return nil
	}
	ranges := make([]plan.PortRange, 0, len(s))
	for _, b := range s {
		ranges = append(ranges, plan.PortRange{Lo: b.portLo, Hi: b.portHi})
	}
	slices.SortFunc(ranges, func(a, b plan.PortRange) int { return cmp.Compare(a.Lo, b.Lo) })
	merged := ranges[:1]
	for _, r := range ranges[1:] {
		last := &merged[len(merged)-1]
		if int(r.Lo) <= int(last.Hi)+1 {
			last.Hi = max(last.Hi, r.Hi)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// AddrRange is an inclusive interval of addresses of one family.
type AddrRange struct{ Lo, Hi netip.Addr }

func (r AddrRange) Contains(a netip.Addr) bool {
	return r.Lo.Compare(a) <= 0 && a.Compare(r.Hi) <= 0
}

// String is the range as a prefix when it is exactly one, else "lo-hi".
func (r AddrRange) String() string {
	if p, ok := RangePrefix(r); ok {
		return p.String()
	}
	if r.Lo == r.Hi {
		return r.Lo.String()
	}
	return r.Lo.String() + "-" + r.Hi.String()
}

// AddrRanges is the projection of s on the address dimension: sorted, with
// overlapping and adjacent intervals merged.
func (s Space) AddrRanges() []AddrRange {
	switch len(s) {
	case 0:
		return nil
	case 1:
		return []AddrRange{{s[0].addrLo.addr(), s[0].addrHi.addr()}}
	}
	// Sorted and merged as boxes hold addresses (comparing them is cheap),
	// then converted once per merged range.
	type span struct{ lo, hi boxAddr }
	var few [8]span
	spans := few[:0]
	for _, b := range s {
		spans = append(spans, span{b.addrLo, b.addrHi})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.lo.compare(b.lo) })
	merged := spans[:1]
	for _, r := range spans[1:] {
		last := &merged[len(merged)-1]
		if next := last.hi.next(); r.lo.compare(last.hi) <= 0 || (next.valid() && next == r.lo) {
			last.hi = maxBoxAddr(last.hi, r.hi)
			continue
		}
		merged = append(merged, r)
	}
	out := make([]AddrRange, len(merged))
	for i, r := range merged {
		out[i] = AddrRange{r.lo.addr(), r.hi.addr()}
	}
	return out
}

// MergeRanges sorts ranges (of one family) in place and merges those that
// overlap or touch: the addresses of their union, as AddrRanges gives them.
func MergeRanges(ranges []AddrRange) []AddrRange {
	if len(ranges) == 0 {
		return nil
	}
	slices.SortFunc(ranges, func(a, b AddrRange) int { return a.Lo.Compare(b.Lo) })
	merged := ranges[:1]
	for _, r := range ranges[1:] {
		last := &merged[len(merged)-1]
		if next := last.Hi.Next(); r.Lo.Compare(last.Hi) <= 0 || (next.IsValid() && next == r.Lo) {
			last.Hi = MaxAddr(last.Hi, r.Hi)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// IntersectRanges is the addresses in both a and b (each sorted and
// merged, as AddrRanges gives them), sorted and merged: what
// AddrSpace(a...).Intersect(AddrSpace(b...)).AddrRanges() is, in one walk.
func IntersectRanges(a, b []AddrRange) []AddrRange {
	var out []AddrRange
	if len(a) > 0 && len(b) > 0 {
		// Each step ends a range of a or of b: no more pieces than that.
		out = make([]AddrRange, 0, len(a)+len(b)-1)
	}
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := MaxAddr(a[i].Lo, b[j].Lo), MinAddr(a[i].Hi, b[j].Hi)
		if lo.Compare(hi) <= 0 {
			// Pieces of one range of a (or of b) are separated by gaps of
			// the other: none touches the previous one.
			out = append(out, AddrRange{lo, hi})
		}
		if a[i].Hi.Less(b[j].Hi) {
			i++
		} else {
			j++
		}
	}
	if len(out) == 0 {
		return nil // as when nothing was appended
	}
	return out
}

// MeetsAny reports whether r has an address in one of ranges.
func MeetsAny(r AddrRange, ranges []AddrRange) bool {
	for _, o := range ranges {
		if r.Lo.Compare(o.Hi) <= 0 && o.Lo.Compare(r.Hi) <= 0 {
			return true
		}
	}
	return false
}

// SubtractRanges is the addresses of a not in b (each sorted and merged),
// sorted and merged: AddrSpace(a...).Subtract(AddrSpace(b...)).AddrRanges(),
// in one walk.
func SubtractRanges(a, b []AddrRange) []AddrRange {
	var out []AddrRange
	if len(a) > 0 {
		// Each range of b cuts at most one more piece out of one of a.
		out = make([]AddrRange, 0, len(a)+len(b))
	}
	j := 0
	for _, r := range a {
		for j < len(b) && b[j].Hi.Less(r.Lo) {
			j++
		}
		lo, covered := r.Lo, false
		for k := j; k < len(b) && b[k].Lo.Compare(r.Hi) <= 0; k++ {
			if lo.Less(b[k].Lo) {
				out = append(out, AddrRange{lo, b[k].Lo.Prev()})
			}
			if b[k].Hi.Compare(r.Hi) >= 0 {
				covered = true
				break
			}
			lo = MaxAddr(lo, b[k].Hi.Next())
		}
		if !covered {
			out = append(out, AddrRange{lo, r.Hi})
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// AtAddr is the part of s whose peer address is a.
func (s Space) AtAddr(a netip.Addr) Space {
	return s.Intersect(Space{addrBox(AddrRange{a, a})})
}

// PrefixRange is the first and last address of a prefix.
func PrefixRange(p netip.Prefix) (AddrRange, bool) {
	if !p.IsValid() {
		return AddrRange{}, false
	}
	p = p.Masked()
	return AddrRange{p.Addr(), lastAddr(p)}, true
}

// lastAddr is the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	a, bits := p.Addr(), p.Bits()
	if a.Is4() {
		b := a.As4()
		setHostBits(b[:], bits)
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	setHostBits(b[:], bits)
	return netip.AddrFrom16(b)
}

func setHostBits(b []byte, bits int) {
	for i := range b {
		switch {
		case bits >= 8*(i+1):
		case bits <= 8*i:
			b[i] = 0xff
		default:
			b[i] |= 0xff >> (bits - 8*i)
		}
	}
}

// RangePrefix is the prefix whose addresses are exactly r, if there is one.
func RangePrefix(r AddrRange) (netip.Prefix, bool) {
	if !r.Lo.IsValid() || !r.Hi.IsValid() || r.Lo.BitLen() != r.Hi.BitLen() {
		return netip.Prefix{}, false
	}
	for bits := 0; bits <= r.Lo.BitLen(); bits++ {
		p := netip.PrefixFrom(r.Lo, bits)
		if p.Masked().Addr() == r.Lo && lastAddr(p.Masked()) == r.Hi {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// FamilyRange is every address of a family.
func FamilyRange(f plan.Family) AddrRange {
	if f == plan.IPv6 {
		return AddrRange{netip.IPv6Unspecified(), netip.AddrFrom16([16]byte{
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})}
	}
	return AddrRange{netip.IPv4Unspecified(), netip.AddrFrom4([4]byte{255, 255, 255, 255})}
}

// familySpace is all traffic of one address family.
func familySpace(f plan.Family) Space {
	return Space{addrBox(FamilyRange(f))}
}

// AddrSpace is all traffic to or from the given addresses.
func AddrSpace(ranges ...AddrRange) Space {
	if len(ranges) == 0 {
		return nil
	}
	if disjoint(ranges) {
		// The union below would keep every box as it is, in this order.
		out := make(Space, 0, len(ranges))
		for _, r := range ranges {
			out = append(out, addrBox(r))
		}
		return out
	}
	var out Space
	for _, r := range ranges {
		out = out.union(SpaceOf(addrBox(r)))
	}
	return out
}

// addrBox is all traffic to or from the addresses of r.
func addrBox(r AddrRange) Box {
	return Box{protoLo: 0, protoHi: 255, addrLo: toBoxAddr(r.Lo), addrHi: toBoxAddr(r.Hi), portLo: 0, portHi: 65535}
}

// disjoint reports whether ranges are valid, non-empty, of one family
// and without common addresses: in address order (as AddrRanges returns
// them), or a few in any order (the peers exemptPeers lists).
func disjoint(ranges []AddrRange) bool {
	const fewRanges = 8 // compared pairwise
	// sorted: so far, in which case a range after the last is after all.
	sorted := true
	for i, r := range ranges {
		if addrBox(r).empty() || r.Lo.BitLen() != r.Hi.BitLen() || r.Lo.BitLen() != ranges[0].Lo.BitLen() {
			return false
		}
		if i == 0 || sorted && ranges[i-1].Hi.Less(r.Lo) {
			continue
		}
		sorted = false
		if len(ranges) > fewRanges {
			return false
		}
		for _, o := range ranges[:i] {
			if r.Lo.Compare(o.Hi) <= 0 && o.Lo.Compare(r.Hi) <= 0 {
				return false
			}
		}
	}
	return true
}

// FlowBox is one protocol towards an address range on a port range.
func FlowBox(proto plan.Protocol, peer AddrRange, ports plan.PortRange) Box {
	lo, hi, ok := ProtocolInterval(proto)
	if !ok {
		return Box{protoLo: 1} // empty
	}
	return Box{protoLo: lo, protoHi: hi, addrLo: toBoxAddr(peer.Lo), addrHi: toBoxAddr(peer.Hi), portLo: ports.Lo, portHi: ports.Hi}
}

// AppendFlow appends FlowBox(proto, peer, ports) to s unless it is empty:
// SpaceOf's box, without a space of its own.
func AppendFlow(s Space, proto plan.Protocol, peer AddrRange, ports plan.PortRange) Space {
	if b := FlowBox(proto, peer, ports); !b.empty() {
		s = append(s, b)
	}
	return s
}

// FlowSpace is one protocol towards each of peers (disjoint ranges) on a
// port range, a box for each, in the order of peers.
func FlowSpace(proto plan.Protocol, peers []AddrRange, ports plan.PortRange) Space {
	if len(peers) == 0 {
		return nil
	}
	s := make(Space, 0, len(peers))
	for _, r := range peers {
		s = AppendFlow(s, proto, r, ports)
	}
	return s
}

// ProtocolInterval is the protocol numbers a rule protocol matches.
func ProtocolInterval(p plan.Protocol) (lo, hi uint8, ok bool) {
	switch {
	case p == plan.ProtocolAll:
		return 0, 255, true
	case p >= 0 && p <= 255:
		return uint8(p), uint8(p), true
	}
	return 0, 0, false
}

// entryBox is the traffic a NACL entry matches; ok is false for entries
// that cannot match anything (invalid prefix or values), which the loader
// reports on its own.
func entryBox(e plan.Entry) (Box, bool) {
	peerLo, peerHi, ok := prefixAddrs(e.Prefix)
	if !ok {
		return Box{}, false
	}
	protoLo, protoHi, ok := ProtocolInterval(e.Protocol)
	if !ok {
		return Box{}, false
	}
	ports := plan.AllPorts
	switch e.Protocol {
	case plan.ProtocolTCP, plan.ProtocolUDP:
		ports = e.Ports
	case plan.ProtocolICMP, plan.ProtocolICMPv6:
		if ports, ok = icmpPorts(e.ICMP); !ok {
			return Box{}, false
		}
	}
	b := Box{protoLo: protoLo, protoHi: protoHi, addrLo: peerLo, addrHi: peerHi, portLo: ports.Lo, portHi: ports.Hi}
	return b, !b.empty()
}

// prefixAddrs is PrefixRange(p) as boxes hold addresses, worked out on
// their integers (CompileRules asks it of every entry of a plan).
func prefixAddrs(p netip.Prefix) (lo, hi boxAddr, ok bool) {
	if !p.IsValid() {
		return boxAddr{}, boxAddr{}, false
	}
	a := toBoxAddr(p.Addr())
	var hostHi, hostLo uint64 // ones in the host bits
	switch host := int(a.bits) - p.Bits(); {
	case host >= 128:
		hostHi, hostLo = ^uint64(0), ^uint64(0)
	case host >= 64:
		hostHi, hostLo = 1<<(host-64)-1, ^uint64(0)
	default:
		hostLo = 1<<host - 1
	}
	lo = boxAddr{hi: a.hi &^ hostHi, lo: a.lo &^ hostLo, bits: a.bits}
	hi = boxAddr{hi: a.hi | hostHi, lo: a.lo | hostLo, bits: a.bits}
	return lo, hi, true
}

// icmpPorts encodes an ICMP type/code match in the port dimension as
// type*256+code; -1 means every type, or every code of the type.
func icmpPorts(m plan.ICMPMatch) (plan.PortRange, bool) {
	switch {
	case m.Type < 0:
		return plan.AllPorts, true
	case m.Type > 255 || m.Code > 255:
		return plan.PortRange{}, false
	case m.Code < 0:
		base := uint16(m.Type) * 256
		return plan.PortRange{Lo: base, Hi: base + 255}, true
	}
	v := uint16(m.Type)*256 + uint16(m.Code)
	return plan.PortRange{Lo: v, Hi: v}, true
}

// AddrPlus is a+n, or the invalid Addr when it overflows the family.
func AddrPlus(a netip.Addr, n int) netip.Addr {
	for ; n > 0 && a.IsValid(); n-- {
		a = a.Next()
	}
	return a
}

func MinAddr(a, b netip.Addr) netip.Addr {
	if b.Less(a) {
		return b
	}
	return a
}

func MaxAddr(a, b netip.Addr) netip.Addr {
	if a.Less(b) {
		return b
	}
	return a
}

// Protocols are the protocol numbers of b.
func (b Box) Protocols() (lo, hi uint8) { return b.protoLo, b.protoHi }

// Addrs are the peer addresses of b.
func (b Box) Addrs() AddrRange { return AddrRange{b.addrLo.addr(), b.addrHi.addr()} }
