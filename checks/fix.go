package checks

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// Highest rule number a NACL rule may use (32767 is reserved by AWS).
const maxRuleNumber = 32766

// Fix is the NACL allow rule that repairs a dropped flow, as plain data:
// the checks fill in what the rule lets through and where its number must
// go; Run then gives every fix of a network its Number and Name in one
// pass, after all checks have run. HCL renders it as the text of
// Flow.Suggestion.
type Fix struct {
	// NACL is the NACL that needs the rule.
	NACL *plan.NACL
	// Direction is the rule's direction: the replies' for a reply leg,
	// the requests' for a request leg.
	Direction plan.Direction
	Family    plan.Family
	// Inline is set when the NACL writes its rules as inline ingress/egress
	// blocks: the fix is such a block, not an aws_network_acl_rule (mixing
	// the two makes Terraform fight itself, RP006).
	Inline   bool
	Protocol plan.Protocol
	// Prefix is the CIDR the rule allows: the dropped peers when they form
	// one CIDR, else Peer.
	Prefix netip.Prefix
	// Peer is the flow's peer CIDR, as the finding names it.
	Peer  netip.Prefix
	Ports plan.PortRange
	// Before is the number of the first deny rule that drops the traffic:
	// the fix must come before it. 0 when only the implicit deny drops it;
	// the fix then goes after rule number After (the intent's number, or
	// the direction's last rule).
	Before int
	After  int
	// Number is the rule number, set by Run: below Before (the highest
	// free multiple of 10, else any free number), else after After. 0 when
	// no number below Before is free: the rules must be renumbered first.
	Number int
	// Name is the resource name of a standalone aws_network_acl_rule, set
	// by Run and unique among the fixes of one module (a second fix of the
	// same name gets "_2"); "" for an inline fix.
	Name string
	// nameSuffix is what Name adds to the NACL's resource name (and "_"),
	// before Run makes it unique.
	nameSuffix string
}

// replyFix is the fix of a flow's dropped replies: the peer CIDR on the
// clients' range, in the reply direction, numbered so that no deny of parts
// shadows it, else after rule number after.
func replyFix(n *plan.NACL, flow *Flow, parts []nacleval.DeniedPart, after int) *Fix {
	dir := flow.Direction.Opposite()
	return newFix(n, dir, flow.Family, flow.Protocol, flow.PeerCIDR, flow.ClientPorts, parts, after, dir.String()+"_ephemeral")
}

// newFix is the fix that lets the traffic of parts through: proto with
// peer on ports, in direction dir. name is the suffix of a standalone
// rule's name.
func newFix(n *plan.NACL, dir plan.Direction, fam plan.Family, proto plan.Protocol, peer netip.Prefix, ports plan.PortRange, parts []nacleval.DeniedPart, after int, name string) *Fix {
	fix := &Fix{NACL: n, Direction: dir, Family: fam, Inline: hasInline(n.Entries(dir)), Protocol: proto, Peer: peer, Prefix: peer, Ports: ports, After: after}
	for _, part := range parts {
		if part.By != nil && (fix.Before == 0 || part.By.Number < fix.Before) {
			fix.Before = part.By.Number
		}
	}
	// Allow just the peers whose traffic is dropped when they form one
	// CIDR (a deny shadowing part of the peer), else the whole peer.
	var missing nacleval.Space
	for _, part := range parts {
		missing = append(missing, part.Space...)
	}
	if ranges := missing.AddrRanges(); len(ranges) == 1 {
		if p, ok := nacleval.RangePrefix(ranges[0]); ok {
			fix.Prefix = p
		}
	}
	if !fix.Inline {
		fix.nameSuffix = name
		if fam == plan.IPv6 {
			fix.nameSuffix += "_ipv6"
		}
	}
	return fix
}

// numberFixes gives the fixes of findings their rule numbers and resource
// names, and renders them into Flow.Suggestion, in one pass after every
// check has run: by rule ID, then in the order each rule found them, so
// that the result does not depend on the order the checks run in. Fixes
// of one NACL direction get different numbers (both families share a
// direction's numbers) and standalone rules of one module different
// names, so that applying every fix of a report makes no duplicate.
func numberFixes(findings []Finding) {
	var order []int
	for i := range findings {
		if findings[i].Fix != nil {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(findings[a].Rule, findings[b].Rule) })
	// used are the rule numbers of each NACL direction: its rules', then
	// each fix's as it gets one.
	used := map[intentKey]map[int]bool{}
	names := map[string]bool{} // module path and name
	next := map[string]int{}   // module path and base name: the next suffix to try
	addresses := parsedAddresses{}
	for _, i := range order {
		fix := *findings[i].Fix // the checks' copy stays as it was
		key := intentKey{nacl: fix.NACL, dir: fix.Direction}
		if used[key] == nil {
			used[key] = ruleNumbers(fix.NACL.Entries(fix.Direction))
		}
		if number, ok := pickRuleNumber(used[key], fix.Before, fix.After); ok {
			fix.Number = number
			used[key][number] = true
		}
		if !fix.Inline {
			parts := addresses.of(fix.NACL.Address)
			module := strings.TrimSuffix(string(fix.NACL.Address), parts.relative)
			nameBase := parts.name + "_" + fix.nameSuffix
			base := module + " " + nameBase
			fix.Name = nameBase
			k := max(next[base], 2)
			for ; names[module+" "+fix.Name]; k++ {
				fix.Name = nameBase + "_" + strconv.Itoa(k)
			}
			next[base] = k
			names[module+" "+fix.Name] = true
		}
		findings[i].Fix = &fix
		if findings[i].Flow != nil {
			findings[i].Flow.Suggestion = fix.hcl(addresses.relative)
		}
	}
}

// HCL is the fix as Terraform: an inline block to add to the NACL, or an
// aws_network_acl_rule resource; a comment when no number is free.
func (f *Fix) HCL() string { return f.hcl(moduleRelative) }

// hcl is HCL with relative giving the NACL's module-relative address.
func (f *Fix) hcl(relative func(plan.Address) string) string {
	if f.Number == 0 {
		return fmt.Sprintf("# %s rule %d drops this traffic and no rule number below it is free:\n"+
			"# renumber the rules, then allow %s %s %s %s before it",
			f.Direction, f.Before, f.Protocol, f.Ports, fromTo(f.Direction), f.Peer)
	}
	cidrKey := "cidr_block"
	if f.Family == plan.IPv6 {
		cidrKey = "ipv6_cidr_block"
	}
	if f.Inline {
		return fmt.Sprintf("# add to %s, next to its other %s blocks\n", f.NACL.Address, f.Direction) +
			hclBlock(f.Direction.String(), []hclAttr{
				{"rule_no", strconv.Itoa(f.Number)},
				{"protocol", strconv.Quote(f.Protocol.HCL())},
				{"action", `"allow"`},
				{cidrKey, strconv.Quote(f.Prefix.String())},
				{"from_port", strconv.Itoa(int(f.Ports.Lo))},
				{"to_port", strconv.Itoa(int(f.Ports.Hi))},
			})
	}
	return hclBlock(fmt.Sprintf("resource %q %q", "aws_network_acl_rule", f.Name), []hclAttr{
		{"network_acl_id", relative(f.NACL.Address) + ".id"},
		{"rule_number", strconv.Itoa(f.Number)},
		{"egress", strconv.FormatBool(f.Direction == plan.Egress)},
		{"protocol", strconv.Quote(f.Protocol.HCL())},
		{"rule_action", `"allow"`},
		{cidrKey, strconv.Quote(f.Prefix.String())},
		{"from_port", strconv.Itoa(int(f.Ports.Lo))},
		{"to_port", strconv.Itoa(int(f.Ports.Hi))},
	})
}

func fromTo(d plan.Direction) string {
	if d == plan.Ingress {
		return "from"
	}
	return "to"
}

func hasInline(entries []plan.Entry) bool {
	for _, e := range entries {
		if e.Inline {
			return true
		}
	}
	return false
}

// fixRuleNumber picks a free rule number for a fix; taken are the numbers
// other fixes of the NACL direction use. Below a deny (rule number
// before, 0 for none) that drops the traffic, it must come first: the
// highest free multiple of 10 below the deny, else any free number below
// it. With only the implicit deny in the way, it goes after the intent:
// the first free multiple of 10 above the intent's number, else the
// nearest free number above or below it.
func fixRuleNumber(entries []plan.Entry, before, intentNumber int, taken map[int]bool) (int, bool) {
	used := ruleNumbers(entries)
	for number := range taken {
		used[number] = true
	}
	return pickRuleNumber(used, before, intentNumber)
}

// ruleNumbers is the set of the numbers of entries.
func ruleNumbers(entries []plan.Entry) map[int]bool {
	used := make(map[int]bool, len(entries))
	for _, e := range entries {
		used[e.Number] = true
	}
	return used
}

// pickRuleNumber is fixRuleNumber with the numbers in use as one set.
func pickRuleNumber(used map[int]bool, before, intentNumber int) (int, bool) {
	free := func(n int) bool { return n >= 1 && n <= maxRuleNumber && !used[n] }

	// The numbers come from the plan. plan drops rules outside
	// 1-maxRuleNumber, but no arithmetic here relies on that: each is
	// clamped first, so nothing overflows and every loop ends.
	if before != 0 {
		limit := min(max(before, 1), maxRuleNumber+1) - 1
		for n := limit - limit%10; n >= 10; n -= 10 {
			if free(n) {
				return n, true
			}
		}
		for n := limit; n >= 1; n-- {
			if free(n) {
				return n, true
			}
		}
		return 0, false
	}

	start := min(max(intentNumber, 0), maxRuleNumber)
	for n := (start/10 + 1) * 10; n <= maxRuleNumber; n += 10 {
		if free(n) {
			return n, true
		}
	}
	for n := start + 1; n <= maxRuleNumber; n++ {
		if free(n) {
			return n, true
		}
	}
	for n := start; n >= 1; n-- {
		if free(n) {
			return n, true
		}
	}
	return 0, false
}

type hclAttr struct{ key, value string }

// hclBlock renders a block with its "=" aligned, as terraform fmt does.
func hclBlock(header string, attrs []hclAttr) string {
	width := 0
	for _, a := range attrs {
		width = max(width, len(a.key))
	}
	var b strings.Builder
	b.WriteString(header)
	b.WriteString(" {\n")
	for _, a := range attrs {
		b.WriteString("  ")
		b.WriteString(a.key)
		b.WriteString(strings.Repeat(" ", width-len(a.key))) // the keys are ASCII
		b.WriteString(" = ")
		b.WriteString(a.value)
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.String()
}
