package nacleval

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/returnpath-dev/returnpath/checks/internal/testnet"
	"github.com/returnpath-dev/returnpath/plan"
)

var (
	rule     = testnet.Rule
	icmpRule = testnet.ICMPRule
)

// packet is one point to evaluate: protocol, peer address, port (or ICMP
// type*256+code).
type packet struct {
	proto plan.Protocol
	addr  string
	port  uint16
}

// verdict is what a NACL direction does with a packet: allowed, or dropped
// by a rule number (0 for the implicit deny).
type verdict struct {
	allowed  bool
	deniedBy int
}

var allowed = verdict{allowed: true}

func deniedBy(n int) verdict { return verdict{deniedBy: n} }

var implicitDeny = verdict{}

func evaluate(entries []plan.Entry, pkt packet) verdict {
	addr := netip.MustParseAddr(pkt.addr)
	fam := plan.IPv4
	if addr.Is6() {
		fam = plan.IPv6
	}
	need := SpaceOf(FlowBox(pkt.proto, AddrRange{addr, addr}, plan.PortRange{Lo: pkt.port, Hi: pkt.port}))
	parts := Denied(entries, fam, need)
	switch {
	case len(parts) == 0:
		return allowed
	case parts[0].By == nil:
		return implicitDeny
	}
	return deniedBy(parts[0].By.Number)
}

func TestFirstMatch(t *testing.T) {
	tcp, udp := plan.ProtocolTCP, plan.ProtocolUDP
	tests := []struct {
		name    string
		entries []plan.Entry
		packet  packet
		want    verdict
	}{
		{
			name:    "allow then deny: the allow wins",
			entries: []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535), rule(200, false, plan.ProtocolAll, "0.0.0.0/0", 0, 0)},
			packet:  packet{tcp, "203.0.113.7", 50000},
			want:    allowed,
		},
		{
			name:    "allow then deny: what the allow misses meets the deny",
			entries: []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535), rule(200, false, plan.ProtocolAll, "0.0.0.0/0", 0, 0)},
			packet:  packet{udp, "203.0.113.7", 50000},
			want:    deniedBy(200),
		},
		{
			name:    "deny then allow: the deny wins",
			entries: []plan.Entry{rule(90, false, tcp, "0.0.0.0/0", 1024, 65535), rule(200, true, tcp, "0.0.0.0/0", 1024, 65535)},
			packet:  packet{tcp, "203.0.113.7", 50000},
			want:    deniedBy(90),
		},
		{
			name:    "partial CIDR shadow: inside the denied /24",
			entries: []plan.Entry{rule(100, false, tcp, "198.51.100.0/24", 1024, 65535), rule(200, true, tcp, "0.0.0.0/0", 1024, 65535)},
			packet:  packet{tcp, "198.51.100.255", 1024},
			want:    deniedBy(100),
		},
		{
			name:    "partial CIDR shadow: just below the denied /24",
			entries: []plan.Entry{rule(100, false, tcp, "198.51.100.0/24", 1024, 65535), rule(200, true, tcp, "0.0.0.0/0", 1024, 65535)},
			packet:  packet{tcp, "198.51.99.255", 1024},
			want:    allowed,
		},
		{
			name:    "partial CIDR shadow: just above the denied /24",
			entries: []plan.Entry{rule(100, false, tcp, "198.51.100.0/24", 1024, 65535), rule(200, true, tcp, "0.0.0.0/0", 1024, 65535)},
			packet:  packet{tcp, "198.51.101.0", 65535},
			want:    allowed,
		},
		{
			name:    "partial port shadow: inside the denied ports",
			entries: []plan.Entry{rule(100, false, tcp, "0.0.0.0/0", 1024, 2047), rule(200, true, tcp, "0.0.0.0/0", 1024, 65535)},
			packet:  packet{tcp, "203.0.113.7", 2047},
			want:    deniedBy(100),
		},
		{
			name:    "partial port shadow: past the denied ports",
			entries: []plan.Entry{rule(100, false, tcp, "0.0.0.0/0", 1024, 2047), rule(200, true, tcp, "0.0.0.0/0", 1024, 65535)},
			packet:  packet{tcp, "203.0.113.7", 2048},
			want:    allowed,
		},
		{
			name:    "protocol all denies tcp too",
			entries: []plan.Entry{rule(100, false, plan.ProtocolAll, "10.0.0.0/8", 0, 0), rule(200, true, tcp, "0.0.0.0/0", 0, 65535)},
			packet:  packet{tcp, "10.1.2.3", 443},
			want:    deniedBy(100),
		},
		{
			name:    "a tcp allow does not allow udp",
			entries: []plan.Entry{rule(100, false, plan.ProtocolAll, "10.0.0.0/8", 0, 0), rule(200, true, tcp, "0.0.0.0/0", 0, 65535)},
			packet:  packet{udp, "8.8.8.8", 443},
			want:    implicitDeny,
		},
		{
			name:    "protocol 47 matches itself",
			entries: []plan.Entry{rule(100, true, 47, "0.0.0.0/0", 0, 0)},
			packet:  packet{47, "192.0.2.1", 0},
			want:    allowed,
		},
		{
			name:    "protocol 47 does not match tcp",
			entries: []plan.Entry{rule(100, true, 47, "0.0.0.0/0", 0, 0)},
			packet:  packet{tcp, "192.0.2.1", 0},
			want:    implicitDeny,
		},
		{
			name:    "protocol 47 does not match 48",
			entries: []plan.Entry{rule(100, true, 47, "0.0.0.0/0", 0, 0)},
			packet:  packet{48, "192.0.2.1", 0},
			want:    implicitDeny,
		},
		{
			name:    "icmp exact type and code",
			entries: []plan.Entry{icmpRule(100, true, "0.0.0.0/0", 3, 4), icmpRule(110, false, "0.0.0.0/0", 3, -1), icmpRule(120, true, "0.0.0.0/0", -1, -1)},
			packet:  packet{plan.ProtocolICMP, "192.0.2.1", 3*256 + 4},
			want:    allowed,
		},
		{
			name:    "icmp other code of the type",
			entries: []plan.Entry{icmpRule(100, true, "0.0.0.0/0", 3, 4), icmpRule(110, false, "0.0.0.0/0", 3, -1), icmpRule(120, true, "0.0.0.0/0", -1, -1)},
			packet:  packet{plan.ProtocolICMP, "192.0.2.1", 3*256 + 1},
			want:    deniedBy(110),
		},
		{
			name:    "icmp other type",
			entries: []plan.Entry{icmpRule(100, true, "0.0.0.0/0", 3, 4), icmpRule(110, false, "0.0.0.0/0", 3, -1), icmpRule(120, true, "0.0.0.0/0", -1, -1)},
			packet:  packet{plan.ProtocolICMP, "192.0.2.1", 8 * 256},
			want:    allowed,
		},
		{
			name:    "an IPv6 deny does not touch IPv4",
			entries: []plan.Entry{rule(100, false, tcp, "::/0", 0, 65535), rule(110, true, tcp, "0.0.0.0/0", 0, 65535)},
			packet:  packet{tcp, "192.0.2.1", 443},
			want:    allowed,
		},
		{
			name:    "an IPv4 allow does not touch IPv6",
			entries: []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 0, 65535)},
			packet:  packet{tcp, "2001:db8::7", 443},
			want:    implicitDeny,
		},
		{
			name:    "IPv6 rules apply to IPv6",
			entries: []plan.Entry{rule(100, false, tcp, "2001:db8::/32", 0, 65535), rule(110, true, tcp, "::/0", 0, 65535)},
			packet:  packet{tcp, "2001:db8::7", 443},
			want:    deniedBy(100),
		},
		{
			name:    "an entry without a valid prefix is skipped",
			entries: []plan.Entry{rule(100, false, tcp, "", 0, 65535), rule(110, true, tcp, "0.0.0.0/0", 0, 65535)},
			packet:  packet{tcp, "192.0.2.1", 443},
			want:    allowed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := evaluate(tt.entries, tt.packet); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDeniedSplitsByRule(t *testing.T) {
	entries := []plan.Entry{
		rule(100, false, plan.ProtocolTCP, "198.51.100.0/24", 1024, 65535),
		rule(200, true, plan.ProtocolTCP, "0.0.0.0/0", 32768, 65535),
	}
	need := SpaceOf(FlowBox(plan.ProtocolTCP, FamilyRange(plan.IPv4), plan.BroadEphemeral))
	parts := Denied(entries, plan.IPv4, need)
	if len(parts) != 2 {
		t.Fatalf("got %d parts, want the deny and the implicit deny", len(parts))
	}
	if parts[0].By == nil || parts[0].By.Number != 100 {
		t.Fatalf("first part denied by %v, want rule 100", parts[0].By)
	}
	if got := parts[0].Space.AddrRanges(); len(got) != 1 || got[0].String() != "198.51.100.0/24" {
		t.Errorf("rule 100 drops replies to %v, want 198.51.100.0/24", got)
	}
	if got := parts[0].Space.Ports(); !slices.Equal(got, []plan.PortRange{plan.BroadEphemeral}) {
		t.Errorf("rule 100 drops ports %v, want 1024-65535", got)
	}
	if parts[1].By != nil {
		t.Fatalf("second part denied by rule %d, want the implicit deny", parts[1].By.Number)
	}
	if got := parts[1].Space.Ports(); !slices.Equal(got, []plan.PortRange{{Lo: 1024, Hi: 32767}}) {
		t.Errorf("the implicit deny drops ports %v, want 1024-32767", got)
	}
	if parts[1].Space.Contains(Point{6, netip.MustParseAddr("198.51.100.9"), 2000}) {
		t.Error("the implicit deny claims traffic that rule 100 matched first")
	}

	fullyAllowed := []plan.Entry{rule(100, true, plan.ProtocolAll, "0.0.0.0/0", 0, 0)}
	if parts := Denied(fullyAllowed, plan.IPv4, need); len(parts) != 0 {
		t.Errorf("allow-all drops %v", parts)
	}
}

func TestFirstMatchEachReportsUndecidedTraffic(t *testing.T) {
	entries := []plan.Entry{
		rule(90, false, plan.ProtocolTCP, "198.51.100.0/24", 0, 65535),
		rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443),
		rule(110, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443),
		rule(120, true, plan.ProtocolTCP, "::/0", 443, 443),
	}
	decided := map[int]Space{}
	Decisions(entries, plan.IPv4, func(e *plan.Entry, s Space) { decided[e.Number] = s })
	if _, ok := decided[120]; ok {
		t.Error("an IPv6 entry was visited for IPv4")
	}
	if !decided[110].IsEmpty() {
		t.Errorf("rule 110 repeats rule 100 but decides %v", decided[110])
	}
	ranges := decided[100].AddrRanges()
	if len(ranges) != 2 || ranges[0].String() != "0.0.0.0-198.51.99.255" || ranges[1].String() != "198.51.101.0-255.255.255.255" {
		t.Errorf("rule 100 decides addresses %v, want all but 198.51.100.0/24", ranges)
	}
}

// AllowsAny must say whether denied leaves part of need out, AllowsAll
// whether it finds nothing, and Judge both Denied and AllowsAny, on random
// NACLs and traffic.
func TestAllowsAnyMatchesDenied(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cidrs := []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "0.0.0.0/0", "192.168.0.0/16"}
	protos := []plan.Protocol{plan.ProtocolTCP, plan.ProtocolUDP, plan.ProtocolAll}
	outcomes, allOutcomes := map[bool]int{}, map[bool]int{}
	for range 2000 {
		var entries []plan.Entry
		for i := range r.IntN(6) {
			lo := uint16(r.IntN(3) * 1000)
			entries = append(entries, rule(100+10*i, r.IntN(2) == 0, protos[r.IntN(len(protos))], cidrs[r.IntN(len(cidrs))], lo, lo+uint16(r.IntN(2000))))
		}
		peer, _ := PrefixRange(netip.MustParsePrefix(cidrs[r.IntN(len(cidrs))]))
		lo := uint16(r.IntN(3000))
		need := SpaceOf(FlowBox(protos[r.IntN(2)], peer, plan.PortRange{Lo: lo, Hi: lo + uint16(r.IntN(3000))}))
		var dropped Space
		parts := Denied(entries, plan.IPv4, need)
		for _, part := range parts {
			dropped = append(dropped, part.Space...)
		}
		if judged, allowsAny := CompileRules(entries, plan.IPv4).Judge(need); !slices.EqualFunc(judged, parts, func(a, b DeniedPart) bool {
			return a.By == b.By && slices.Equal(a.Space, b.Space)
		}) || allowsAny != AllowsAny(entries, plan.IPv4, need) {
			t.Fatalf("Judge = %v, %v; Denied = %v, AllowsAny = %v", judged, allowsAny, parts, AllowsAny(entries, plan.IPv4, need))
		}
		if got := CompileRules(entries, plan.IPv4).AllowsAll(need); got != (len(parts) == 0) {
			t.Fatalf("AllowsAll = %v with %d denied parts for %v and %v", got, len(parts), entries, need)
		}
		allOutcomes[len(parts) == 0]++
		got, want := AllowsAny(entries, plan.IPv4, need), !need.Subtract(dropped).IsEmpty()
		if got != want {
			t.Fatalf("allowsAny = %v, want %v for %v and %v", got, want, entries, need)
		}
		outcomes[want]++
	}
	if outcomes[true] < 100 || outcomes[false] < 100 || allOutcomes[true] < 100 || allOutcomes[false] < 100 {
		t.Errorf("too few cases of one outcome: %v, %v", outcomes, allOutcomes)
	}
}

// Rules that differ only in what their entries do (action, number) have
// one shape, and Decided gives, by position, what Decisions gives by
// entry; other boxes, order or family make another shape.
func TestShapeAndDecided(t *testing.T) {
	tcp := plan.ProtocolTCP
	a := []plan.Entry{
		rule(90, false, tcp, "198.51.100.0/24", 0, 65535),
		rule(95, true, tcp, "::/0", 443, 443), // not of the family: no position
		rule(100, true, tcp, "0.0.0.0/0", 443, 443),
		rule(110, true, tcp, "0.0.0.0/0", 443, 443), // decides nothing
		rule(120, true, plan.ProtocolUDP, "10.0.0.0/8", 53, 53),
	}
	b := slices.Clone(a)
	b[0].Allow, b[0].Number, b[4].Number = true, 50, 200
	ra, rb := CompileRules(a, plan.IPv4), CompileRules(b, plan.IPv4)
	shape := func(r Rules) string { return string(r.AppendShape(nil)) }
	if shape(ra) != shape(rb) {
		t.Error("rules that differ only in action and number have different shapes")
	}
	c := slices.Clone(a)
	c[4].Ports = plan.PortRange{Lo: 54, Hi: 54}
	for name, other := range map[string]Rules{
		"other ports":  CompileRules(c, plan.IPv4),
		"other order":  CompileRules([]plan.Entry{a[2], a[0], a[4]}, plan.IPv4),
		"other family": CompileRules(a, plan.IPv6),
	} {
		if shape(other) == shape(ra) {
			t.Errorf("%s: same shape", name)
		}
	}
	for _, entries := range [][]plan.Entry{a, b} {
		r := CompileRules(entries, plan.IPv4)
		var want []string
		Decisions(entries, plan.IPv4, func(e *plan.Entry, s Space) {
			want = append(want, fmt.Sprint(e.Number, s.AddrRanges(), s.Ports()))
		})
		var got []string
		for _, d := range ra.Decided() { // ra's walk stands for r's
			e := r.Entry(d.At)
			got = append(got, fmt.Sprint(e.Number, d.Space.AddrRanges(), d.Space.Ports()))
		}
		if !slices.Equal(got, want) || len(want) != 3 {
			t.Errorf("Decided by position: %q, Decisions: %q", got, want)
		}
	}
}
