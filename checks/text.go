package checks

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// Words for findings' messages, shared by the rules.

func portsText(ports []plan.PortRange) string {
	texts := make([]string, len(ports))
	for i, r := range ports {
		texts[i] = r.String()
	}
	return strings.Join(texts, ", ")
}

// rangesText names address ranges as a person reads them: CIDR blocks when
// there are at most limit of them, else the blocks of within they leave
// out ("every address except 10.102.0.0/23 and 169.254.169.253") when
// those are few, else the first blocks and how many more.
func rangesText(ranges []nacleval.AddrRange, within netip.Prefix, limit int) string {
	var cidrs []netip.Prefix
	for _, r := range ranges {
		cidrs = append(cidrs, rangeCIDRs(r)...)
	}
	if len(cidrs) <= limit {
		return prefixesText(cidrs)
	}
	if within.IsValid() {
		var gaps []netip.Prefix
		next := within.Masked().Addr()
		last := lastOf(within)
		for _, r := range ranges {
			if r.Lo.Compare(next) > 0 {
				gaps = append(gaps, rangeCIDRs(nacleval.AddrRange{Lo: next, Hi: r.Lo.Prev()})...)
			}
			if r.Hi.Compare(last) >= 0 {
				next = netip.Addr{}
				break
			}
			next = r.Hi.Next()
		}
		if next.IsValid() {
			gaps = append(gaps, rangeCIDRs(nacleval.AddrRange{Lo: next, Hi: last})...)
		}
		if len(gaps) > 0 && len(gaps) <= limit+1 {
			every := "every address"
			if within.Bits() > 0 {
				every += " of " + within.Masked().String()
			}
			return every + " except " + prefixesText(gaps)
		}
	}
	return prefixesText(cidrs[:limit]) + fmt.Sprintf(" and %d more blocks", len(cidrs)-limit)
}

// prefixesText joins prefixes, a single address without its /32 or /128.
func prefixesText(prefixes []netip.Prefix) string {
	texts := make([]string, len(prefixes))
	for i, p := range prefixes {
		texts[i] = p.String()
		if p.IsSingleIP() {
			texts[i] = p.Addr().String()
		}
	}
	return joinAnd(texts)
}

// rangeCIDRs splits an address range into the fewest CIDR blocks: from
// the first address on, each time the largest block that starts there
// and ends inside the range.
func rangeCIDRs(r nacleval.AddrRange) []netip.Prefix {
	if !r.Lo.IsValid() || r.Lo.BitLen() != r.Hi.BitLen() || r.Hi.Less(r.Lo) {
		return nil
	}
	width := r.Lo.BitLen()
	first, hi := addrValue(r.Lo), addrValue(r.Hi)
	// Two rounds: the first counts the blocks, so that the second
	// allocates once.
	var out []netip.Prefix
	for count, round := 0, 0; round < 2; round++ {
		if round == 1 {
			out = make([]netip.Prefix, 0, count)
		}
		for lo := first; ; {
			// The block's host bits: no more than lo's trailing zeros (it
			// must start at lo), nor than fit in what is left of the range.
			host := min(lo.trailingZeros(), width, hi.minus(lo).sizeBits())
			if round == 0 {
				count++
			} else {
				out = append(out, netip.PrefixFrom(lo.addr(width), width-host))
			}
			end := lo.plusBlock(host)
			if end == hi {
				break
			}
			lo = end.plusOne()
		}
	}
	return out
}

// u128 is an address as a 128-bit number (IPv4 in the low 32 bits), for
// rangeCIDRs' arithmetic.
type u128 struct{ hi, lo uint64 }

func addrValue(a netip.Addr) u128 {
	b := a.As16()
	if a.Is4() {
		return u128{lo: uint64(binary.BigEndian.Uint32(b[12:]))}
	}
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// addr is v as an address of width bits (32 or 128).
func (v u128) addr(width int) netip.Addr {
	if width == 32 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(v.lo))
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], v.hi)
	binary.BigEndian.PutUint64(b[8:], v.lo)
	return netip.AddrFrom16(b)
}

func (v u128) trailingZeros() int {
	if v.lo != 0 {
		return bits.TrailingZeros64(v.lo)
	}
	return 64 + bits.TrailingZeros64(v.hi) // 128 for zero
}

// minus is v - o, for v >= o.
func (v u128) minus(o u128) u128 {
	lo, borrow := bits.Sub64(v.lo, o.lo, 0)
	hi, _ := bits.Sub64(v.hi, o.hi, borrow)
	return u128{hi, lo}
}

func (v u128) plusOne() u128 {
	lo, carry := bits.Add64(v.lo, 1, 0)
	return u128{v.hi + carry, lo}
}

// sizeBits is the largest n with 2^n <= v+1: the largest block that fits
// in a range of v+1 addresses.
func (v u128) sizeBits() int {
	if v.hi == ^uint64(0) && v.lo == ^uint64(0) {
		return 128 // v+1 is 2^128
	}
	n := v.plusOne()
	if n.hi != 0 {
		return 64 + bits.Len64(n.hi) - 1
	}
	return bits.Len64(n.lo) - 1
}

// plusBlock is the last address of the block of 2^host addresses that
// starts at v.
func (v u128) plusBlock(host int) u128 {
	var size u128 // 2^host - 1
	switch {
	case host >= 128:
		size = u128{^uint64(0), ^uint64(0)}
	case host >= 64:
		size = u128{1<<(host-64) - 1, ^uint64(0)}
	default:
		size = u128{0, 1<<host - 1}
	}
	lo, carry := bits.Add64(v.lo, size.lo, 0)
	hi, _ := bits.Add64(v.hi, size.hi, carry)
	return u128{hi, lo}
}

// lastOf is the last address of a prefix.
func lastOf(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().AsSlice()
	for i := range a {
		keep := p.Bits() - i*8
		switch {
		case keep <= 0:
			a[i] = 0xff
		case keep < 8:
			a[i] |= byte(0xff >> keep)
		}
	}
	last, _ := netip.AddrFromSlice(a)
	return last
}

// denyNumbers lists the numbers of the deny rules that drop parts of a
// flow, in rule order, and whether the implicit deny drops the rest.
func denyNumbers(parts []nacleval.DeniedPart) (numbers []string, implicit bool) {
	for _, part := range parts {
		if part.By == nil {
			implicit = true
			continue
		}
		numbers = append(numbers, strconv.Itoa(part.By.Number))
	}
	return numbers, implicit
}

// joinAnd joins "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// subnetRefs names the NACL's subnets, with their CIDR of the finding's
// family when they have one.
func subnetRefs(n *plan.NACL, f plan.Family) []SubnetRef {
	var refs []SubnetRef
	for _, s := range n.Subnets {
		if s == nil {
			continue
		}
		ref := SubnetRef{Address: s.Address}
		other := plan.IPv4
		if f == plan.IPv4 {
			other = plan.IPv6
		}
		for _, fam := range []plan.Family{f, other} {
			if pfx := s.Prefix(fam); pfx.IsValid() {
				ref.CIDR = pfx.String()
				break
			}
		}
		refs = append(refs, ref)
	}
	for _, id := range n.OutsideSubnets {
		// a subnet this plan does not define: its id, no CIDR
		refs = append(refs, SubnetRef{Address: plan.Address(id)})
	}
	return refs
}

// dropText names what drops traffic: "implicit deny", "rule 90", "rules
// 90, 95 and the implicit deny".
func dropText(parts []nacleval.DeniedPart) string {
	numbers, implicit := denyNumbers(parts)
	switch {
	case len(numbers) == 0:
		return "implicit deny"
	case len(numbers) == 1 && !implicit:
		return "rule " + numbers[0]
	}
	if implicit {
		numbers = append(numbers, "the implicit deny")
	}
	return "rules " + joinAnd(numbers)
}

// subnetText is `aws_subnet.app["a"] (10.0.1.0/24)`.
func subnetText(s *plan.Subnet, f plan.Family) string {
	if pfx := s.Prefix(f); pfx.IsValid() {
		return fmt.Sprintf("%s (%s)", s.Address, pfx)
	}
	return string(s.Address)
}

// subnetsText lists at most three subnets with their CIDRs.
func subnetsText(subnets []*plan.Subnet, f plan.Family) string {
	var texts []string
	for i, s := range subnets {
		if i == 3 {
			texts = append(texts, fmt.Sprintf("%d more subnets", len(subnets)-3))
			break
		}
		texts = append(texts, subnetText(s, f))
	}
	return joinAnd(texts)
}
