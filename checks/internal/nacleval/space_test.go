package nacleval

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

// A small universe (4 protocols × 8 addresses × 8 ports) in which every
// point can be enumerated, to check the box arithmetic against plain sets.
func smallAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}) }

func randomSmallBox(r *rand.Rand) Box {
	pl, ph := sortedPair(r, 4)
	al, ah := sortedPair(r, 8)
	ql, qh := sortedPair(r, 8)
	return Box{
		protoLo: uint8(pl), protoHi: uint8(ph),
		addrLo: toBoxAddr(smallAddr(al)), addrHi: toBoxAddr(smallAddr(ah)),
		portLo: uint16(ql), portHi: uint16(qh),
	}
}

func sortedPair(r *rand.Rand, n int) (int, int) {
	a, b := r.IntN(n), r.IntN(n)
	return min(a, b), max(a, b)
}

func forEachSmallPoint(visit func(Point)) {
	for proto := range 4 {
		for a := range 8 {
			for port := range 8 {
				visit(Point{uint8(proto), smallAddr(a), uint16(port)})
			}
		}
	}
}

// countContaining is how many boxes of s contain p (1 at most when s is disjoint).
func countContaining(s Space, p Point) int {
	n := 0
	for _, b := range s {
		if b.contains(p) {
			n++
		}
	}
	return n
}

func TestSpaceOperationsMatchPointSets(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 400 {
		s := SpaceOf(randomSmallBox(r)).union(SpaceOf(randomSmallBox(r)))
		u := SpaceOf(randomSmallBox(r)).union(SpaceOf(randomSmallBox(r)))
		diff, inter, union := s.Subtract(u), s.Intersect(u), s.union(u)
		forEachSmallPoint(func(p Point) {
			inS, inU := s.Contains(p), u.Contains(p)
			check := func(name string, got Space, want bool) {
				t.Helper()
				if n := countContaining(got, p); n > 1 {
					t.Fatalf("trial %d: %s has overlapping boxes at %v", trial, name, p)
				} else if (n == 1) != want {
					t.Fatalf("trial %d: %s contains %v = %v, want %v\ns=%v\nu=%v", trial, name, p, n == 1, want, s, u)
				}
			}
			check("s", s, inS)
			check("s−u", diff, inS && !inU)
			check("s∩u", inter, inS && inU)
			check("s∪u", union, inS || inU)
		})
		for _, b := range slices.Concat(diff, inter, union) {
			if b.empty() {
				t.Fatalf("trial %d: result holds an empty box %v", trial, b)
			}
		}
	}
}

func TestBoxMinusSplitsIntoAtMostSixPieces(t *testing.T) {
	outer := FlowBox(plan.ProtocolAll, AddrRange{netip.MustParseAddr("10.0.0.0"), netip.MustParseAddr("10.0.0.255")}, plan.PortRange{Lo: 0, Hi: 100})
	hole := FlowBox(plan.ProtocolTCP, AddrRange{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("10.0.0.5")}, plan.PortRange{Lo: 50, Hi: 50})
	pieces := outer.minus(hole, nil)
	if len(pieces) != 6 {
		t.Fatalf("a hole in the middle of every dimension gives %d pieces, want 6: %v", len(pieces), pieces)
	}
	if got := SpaceOf(outer).Subtract(SpaceOf(outer)); !got.IsEmpty() {
		t.Errorf("b − b = %v, want empty", got)
	}
	disjoint := FlowBox(plan.ProtocolUDP, AddrRange{netip.MustParseAddr("192.0.2.0"), netip.MustParseAddr("192.0.2.9")}, plan.AllPorts)
	if got := SpaceOf(outer).Subtract(SpaceOf(disjoint)); len(got) != 1 || got[0] != outer {
		t.Errorf("subtracting a disjoint box changed the space: %v", got)
	}
}

func TestFamiliesNeverMeet(t *testing.T) {
	v4, v6 := familySpace(plan.IPv4), familySpace(plan.IPv6)
	if got := v4.Intersect(v6); !got.IsEmpty() {
		t.Errorf("IPv4 ∩ IPv6 = %v, want empty", got)
	}
	if got := v4.Subtract(v6); len(got) != 1 || got[0] != v4[0] {
		t.Errorf("IPv4 − IPv6 = %v, want all of IPv4", got)
	}
}

func TestProjections(t *testing.T) {
	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	s := Space{
		FlowBox(plan.ProtocolTCP, AddrRange{a("10.0.2.0"), a("10.0.2.255")}, plan.PortRange{Lo: 2000, Hi: 3000}),
		FlowBox(plan.ProtocolTCP, AddrRange{a("10.0.0.0"), a("10.0.1.255")}, plan.PortRange{Lo: 1024, Hi: 1999}),
		FlowBox(plan.ProtocolTCP, AddrRange{a("10.0.9.0"), a("10.0.9.0")}, plan.PortRange{Lo: 5000, Hi: 5000}),
	}
	wantPorts := []plan.PortRange{{Lo: 1024, Hi: 3000}, {Lo: 5000, Hi: 5000}}
	if got := s.Ports(); !slices.Equal(got, wantPorts) {
		t.Errorf("ports() = %v, want %v (adjacent ranges merged, sorted)", got, wantPorts)
	}
	// 10.0.0.0-10.0.2.255 (adjacent ranges merged) is not one prefix.
	wantAddrs := []string{"10.0.0.0-10.0.2.255", "10.0.9.0/32"}
	var gotAddrs []string
	for _, r := range s.AddrRanges() {
		gotAddrs = append(gotAddrs, r.String())
	}
	if !slices.Equal(gotAddrs, wantAddrs) {
		t.Errorf("addrRanges() = %v, want %v", gotAddrs, wantAddrs)
	}
	if got := s.AtAddr(a("10.0.1.7")).Ports(); !slices.Equal(got, []plan.PortRange{{Lo: 1024, Hi: 1999}}) {
		t.Errorf("ports at 10.0.1.7 = %v, want 1024-1999", got)
	}
}

func TestPrefixRanges(t *testing.T) {
	tests := []struct {
		prefix, lo, hi string
	}{
		{"0.0.0.0/0", "0.0.0.0", "255.255.255.255"},
		{"10.0.1.0/24", "10.0.1.0", "10.0.1.255"},
		{"10.0.1.77/24", "10.0.1.0", "10.0.1.255"}, // host bits ignored
		{"10.0.0.2/32", "10.0.0.2", "10.0.0.2"},
		{"172.16.0.0/12", "172.16.0.0", "172.31.255.255"},
		{"::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"2001:db8:1234::/52", "2001:db8:1234::", "2001:db8:1234:fff:ffff:ffff:ffff:ffff"},
	}
	for _, tt := range tests {
		r, ok := PrefixRange(netip.MustParsePrefix(tt.prefix))
		if !ok || r.Lo.String() != tt.lo || r.Hi.String() != tt.hi {
			t.Errorf("prefixRange(%s) = %v-%v, %v; want %s-%s", tt.prefix, r.Lo, r.Hi, ok, tt.lo, tt.hi)
		}
		if want := netip.MustParsePrefix(tt.prefix).Masked().String(); r.String() != want {
			t.Errorf("range of %s prints as %q, want %q", tt.prefix, r.String(), want)
		}
	}
	if _, ok := PrefixRange(netip.Prefix{}); ok {
		t.Error("the invalid prefix has a range")
	}
}

func TestEntryBox(t *testing.T) {
	tests := []struct {
		name   string
		entry  plan.Entry
		want   Box
		wantOK bool
	}{
		{
			name:   "tcp keeps its ports",
			entry:  plan.Entry{Protocol: plan.ProtocolTCP, Prefix: netip.MustParsePrefix("10.0.0.0/8"), Ports: plan.PortRange{Lo: 443, Hi: 443}},
			want:   Box{protoLo: 6, protoHi: 6, addrLo: toBoxAddr(netip.MustParseAddr("10.0.0.0")), addrHi: toBoxAddr(netip.MustParseAddr("10.255.255.255")), portLo: 443, portHi: 443},
			wantOK: true,
		},
		{
			name:   "all protocols, all ports whatever the rule says",
			entry:  plan.Entry{Protocol: plan.ProtocolAll, Prefix: netip.MustParsePrefix("10.0.0.0/8"), Ports: plan.PortRange{Lo: 0, Hi: 0}},
			want:   Box{protoLo: 0, protoHi: 255, addrLo: toBoxAddr(netip.MustParseAddr("10.0.0.0")), addrHi: toBoxAddr(netip.MustParseAddr("10.255.255.255")), portLo: 0, portHi: 65535},
			wantOK: true,
		},
		{
			name:   "gre matches only itself",
			entry:  plan.Entry{Protocol: 47, Prefix: netip.MustParsePrefix("10.0.0.0/8")},
			want:   Box{protoLo: 47, protoHi: 47, addrLo: toBoxAddr(netip.MustParseAddr("10.0.0.0")), addrHi: toBoxAddr(netip.MustParseAddr("10.255.255.255")), portLo: 0, portHi: 65535},
			wantOK: true,
		},
		{
			name:   "icmp type 3 any code",
			entry:  plan.Entry{Protocol: plan.ProtocolICMP, Prefix: netip.MustParsePrefix("10.0.0.0/8"), ICMP: plan.ICMPMatch{Type: 3, Code: -1}},
			want:   Box{protoLo: 1, protoHi: 1, addrLo: toBoxAddr(netip.MustParseAddr("10.0.0.0")), addrHi: toBoxAddr(netip.MustParseAddr("10.255.255.255")), portLo: 768, portHi: 1023},
			wantOK: true,
		},
		{
			name:   "icmpv6 type 2 code 0",
			entry:  plan.Entry{Protocol: plan.ProtocolICMPv6, Prefix: netip.MustParsePrefix("::/0"), ICMP: plan.ICMPMatch{Type: 2, Code: 0}},
			want:   Box{protoLo: 58, protoHi: 58, addrLo: toBoxAddr(netip.IPv6Unspecified()), addrHi: toBoxAddr(FamilyRange(plan.IPv6).Hi), portLo: 512, portHi: 512},
			wantOK: true,
		},
		{name: "invalid prefix", entry: plan.Entry{Protocol: plan.ProtocolTCP, Ports: plan.AllPorts}},
		{name: "protocol out of range", entry: plan.Entry{Protocol: 300, Prefix: netip.MustParsePrefix("10.0.0.0/8")}},
		{name: "reversed ports", entry: plan.Entry{Protocol: plan.ProtocolTCP, Prefix: netip.MustParsePrefix("10.0.0.0/8"), Ports: plan.PortRange{Lo: 90, Hi: 80}}},
		{name: "icmp type out of range", entry: plan.Entry{Protocol: plan.ProtocolICMP, Prefix: netip.MustParsePrefix("10.0.0.0/8"), ICMP: plan.ICMPMatch{Type: 300, Code: 0}}},
	}
	for _, tt := range tests {
		got, ok := entryBox(tt.entry)
		if ok != tt.wantOK || (ok && got != tt.want) {
			t.Errorf("%s: entryBox = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestRangePrefix(t *testing.T) {
	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	tests := []struct {
		r    AddrRange
		want string
	}{
		{AddrRange{a("198.51.100.0"), a("198.51.100.255")}, "198.51.100.0/24"},
		{AddrRange{a("0.0.0.0"), a("10.0.0.255")}, "0.0.0.0-10.0.0.255"},
		{AddrRange{a("10.0.0.2"), a("10.0.0.2")}, "10.0.0.2/32"},
		{AddrRange{a("10.0.0.1"), a("10.0.0.2")}, "10.0.0.1-10.0.0.2"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%v-%v prints as %q, want %q", tt.r.Lo, tt.r.Hi, got, tt.want)
		}
	}
}

// boxAddr must order, step and convert addresses exactly as netip.Addr
// does, the edges of both families included.
func TestBoxAddrMatchesNetip(t *testing.T) {
	var addrs []netip.Addr
	for _, s := range []string{"0.0.0.0", "0.0.0.1", "10.0.0.255", "10.0.1.0", "255.255.255.254", "255.255.255.255",
		"::", "::1", "::ffff:10.0.0.1", "0:0:0:1::", "0:0:0:0:ffff:ffff:ffff:ffff", "2001:db8::7",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"} {
		addrs = append(addrs, netip.MustParseAddr(s))
	}
	addrs = append(addrs, netip.Addr{})
	for _, a := range addrs {
		ba := toBoxAddr(a)
		if ba.addr() != a {
			t.Errorf("%v converts back to %v", a, ba.addr())
		}
		if a.IsValid() {
			if got := ba.next().addr(); got != a.Next() {
				t.Errorf("next of %v is %v, want %v", a, got, a.Next())
			}
			if got := ba.prev().addr(); got != a.Prev() {
				t.Errorf("prev of %v is %v, want %v", a, got, a.Prev())
			}
		}
		for _, b := range addrs {
			if got, want := ba.compare(toBoxAddr(b)), a.Compare(b); got != want {
				t.Errorf("compare(%v, %v) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// meets must agree with building the intersection, empty boxes included.
func TestMeetsIsNonEmptyIntersection(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	randomBox := func() Box {
		b := randomSmallBox(r)
		switch r.IntN(8) {
		case 0:
			b.protoLo, b.protoHi = b.protoHi+1, b.protoLo
		case 1:
			b.portLo, b.portHi = b.portHi+1, b.portLo
		case 2:
			b.addrLo, b.addrHi = b.addrHi.next(), b.addrLo
		case 3:
			b.addrLo = boxAddr{}
		}
		return b
	}
	for range 20000 {
		a, b := randomBox(), randomBox()
		if got, want := a.meets(b), !a.intersect(b).empty(); got != want {
			t.Fatalf("%v meets %v = %v, want %v", a, b, got, want)
		}
	}
}

// IntersectRanges and SubtractRanges must give what the space arithmetic
// gives for address-only spaces.
func TestRangeWalksMatchSpaces(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	randomRanges := func() []AddrRange {
		var s Space
		for range r.IntN(4) {
			lo, hi := sortedPair(r, 8)
			s = s.union(AddrSpace(AddrRange{smallAddr(lo), smallAddr(hi)}))
		}
		return s.AddrRanges()
	}
	for range 3000 {
		a, b := randomRanges(), randomRanges()
		if got, want := IntersectRanges(a, b), AddrSpace(a...).Intersect(AddrSpace(b...)).AddrRanges(); !slices.Equal(got, want) {
			t.Fatalf("intersectRanges(%v, %v) = %v, want %v", a, b, got, want)
		}
		if got, want := SubtractRanges(a, b), AddrSpace(a...).Subtract(AddrSpace(b...)).AddrRanges(); !slices.Equal(got, want) {
			t.Fatalf("subtractRanges(%v, %v) = %v, want %v", a, b, got, want)
		}
	}
	// The edges of the family.
	all := []AddrRange{FamilyRange(plan.IPv4)}
	edges := []AddrRange{{netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("0.0.0.0")}, {netip.MustParseAddr("255.255.255.255"), netip.MustParseAddr("255.255.255.255")}}
	if got, want := SubtractRanges(all, edges), AddrSpace(all...).Subtract(AddrSpace(edges...)).AddrRanges(); !slices.Equal(got, want) {
		t.Errorf("subtractRanges of the edges = %v, want %v", got, want)
	}
	if got := SubtractRanges(all, all); got != nil {
		t.Errorf("subtractRanges(all, all) = %v, want nothing", got)
	}
}

// AddrSpace builds disjoint ranges directly: the boxes, in their order,
// must be those of the union it makes of other ranges.
func TestAddrSpaceMatchesUnion(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 5000 {
		var ranges []AddrRange
		for range r.IntN(12) {
			lo, hi := sortedPair(r, 8)
			ranges = append(ranges, AddrRange{smallAddr(lo), smallAddr(hi)})
		}
		var want Space
		for _, rg := range ranges {
			want = want.union(SpaceOf(addrBox(rg)))
		}
		if got := AddrSpace(ranges...); !slices.Equal(got, want) {
			t.Fatalf("addrSpace(%v) = %v, want %v", ranges, got, want)
		}
	}
}

// AddrRanges merges in the boxes' own address form what MergeRanges
// merges as netip addresses: the same ranges, on random spaces whose
// boxes overlap in addresses, touch, or lie apart.
func TestAddrRangesMatchesMergeRanges(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		var s Space
		for range r.IntN(12) {
			s = append(s, randomSmallBox(r)) // disjointness does not matter to a projection
		}
		var boxes []AddrRange
		for _, b := range s {
			boxes = append(boxes, b.Addrs())
		}
		if got, want := s.AddrRanges(), MergeRanges(boxes); !slices.Equal(got, want) {
			t.Fatalf("AddrRanges of %v = %v, want %v", s, got, want)
		}
	}
}

// piecesOutside counts the boxes minus makes, which Subtract sizes its
// buffers by (and stops at none).
func TestPiecesOutsideCountsMinus(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 5000 {
		a, b := randomSmallBox(r), randomSmallBox(r)
		if !a.meets(b) {
			continue
		}
		if got, want := a.piecesOutside(b), len(a.minus(b, nil)); got != want {
			t.Fatalf("%v minus %v: piecesOutside = %d, minus makes %d", a, b, got, want)
		}
	}
}

// prefixAddrs is PrefixRange in the boxes' form, for prefixes of every
// length of both families (and IPv4-mapped IPv6), host bits set or not.
func TestPrefixAddrsMatchesPrefixRange(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 3000 {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		var a netip.Addr
		switch r.IntN(3) {
		case 0:
			a = netip.AddrFrom4([4]byte(b[:4]))
		case 1:
			a = netip.AddrFrom16(b)
		default:
			a = netip.AddrFrom16(netip.AddrFrom4([4]byte(b[:4])).As16()) // ::ffff:a.b.c.d
		}
		p := netip.PrefixFrom(a, r.IntN(a.BitLen()+1))
		want, _ := PrefixRange(p)
		lo, hi, ok := prefixAddrs(p)
		if !ok || lo.addr() != want.Lo || hi.addr() != want.Hi {
			t.Fatalf("prefixAddrs(%s) = %s-%s, want %s", p, lo.addr(), hi.addr(), want)
		}
	}
	if _, _, ok := prefixAddrs(netip.Prefix{}); ok {
		t.Error("the invalid prefix has addresses")
	}
}
