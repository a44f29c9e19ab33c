package checks

import (
	"fmt"
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

// rangeCIDRs splits an address range into the fewest CIDR blocks.
func rangeCIDRs(r nacleval.AddrRange) []netip.Prefix {
	var out []netip.Prefix
	lo := r.Lo
	for lo.IsValid() && lo.Compare(r.Hi) <= 0 {
		p := netip.PrefixFrom(lo, lo.BitLen())
		for bits := 0; bits < lo.BitLen(); bits++ {
			q := netip.PrefixFrom(lo, bits)
			if q.Masked().Addr() == lo && lastOf(q).Compare(r.Hi) <= 0 {
				p = q
				break
			}
		}
		out = append(out, p)
		end := lastOf(p)
		if end == r.Hi {
			break
		}
		lo = end.Next()
	}
	return out
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
