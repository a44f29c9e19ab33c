package checks

import (
	"fmt"
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

// rangesText lists at most limit address ranges.
func rangesText(ranges []nacleval.AddrRange, limit int) string {
	texts := make([]string, 0, limit+1)
	for i, r := range ranges {
		if i == limit {
			texts = append(texts, fmt.Sprintf("%d more", len(ranges)-limit))
			break
		}
		texts = append(texts, r.String())
	}
	return joinAnd(texts)
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
