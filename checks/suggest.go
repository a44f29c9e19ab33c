package checks

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/plan"
)

// Highest rule number a NACL rule may use (32767 is reserved by AWS).
const maxRuleNumber = 32766

// suggestFix is the HCL of an allow rule for the flow's replies: the peer
// CIDR on the client range, in the reply direction, numbered so that no
// deny shadows it.
func suggestFix(n *plan.NACL, flow *Flow, parts []deniedPart, intentNumber int, taken map[int]bool) string {
	return suggestRule(n, ruleFix{
		dir: flow.Direction.Opposite(), family: flow.Family, proto: flow.Protocol,
		peer: flow.PeerCIDR, ports: flow.ClientPorts, name: flow.Direction.Opposite().String() + "_ephemeral",
	}, parts, intentNumber, taken)
}

// ruleFix is the allow rule a fix adds: traffic of proto with peer on
// ports, in direction dir; name is the suffix of a standalone rule's name.
type ruleFix struct {
	dir    plan.Direction
	family plan.Family
	proto  plan.Protocol
	peer   netip.Prefix
	ports  plan.PortRange
	name   string
}

// suggestRule is the HCL of the rule fix, numbered so that no deny of
// parts (the traffic it must let through, split by what drops it) shadows
// it, else after rule number after; taken holds the numbers earlier fixes
// for the same NACL direction use (and gets this one), so that applying
// every fix of a report does not number two rules alike. A NACL with
// inline rules gets an inline block, because adding a standalone rule to
// it would make Terraform fight itself.
func suggestRule(n *plan.NACL, fix ruleFix, parts []deniedPart, after int, taken map[int]bool) string {
	entries := n.Entries(fix.dir)

	var firstDeny *plan.Entry
	for _, part := range parts {
		if part.by != nil && (firstDeny == nil || part.by.Number < firstDeny.Number) {
			firstDeny = part.by
		}
	}
	number, ok := fixRuleNumber(entries, firstDeny, after, taken)
	if ok && taken != nil {
		taken[number] = true
	}
	if !ok {
		return fmt.Sprintf("# %s rule %d drops this traffic and no rule number below it is free:\n"+
			"# renumber the rules, then allow %s %s %s %s before it",
			fix.dir, firstDeny.Number, fix.proto, fix.ports, fromTo(fix.dir), fix.peer)
	}

	// Allow just the peers whose traffic is dropped when they form one
	// CIDR (a deny shadowing part of the peer), else the whole peer.
	allowCIDR := fix.peer
	var missing space
	for _, part := range parts {
		missing = append(missing, part.space...)
	}
	if ranges := missing.addrRanges(); len(ranges) == 1 {
		if p, ok := rangePrefix(ranges[0]); ok {
			allowCIDR = p
		}
	}
	cidrKey := "cidr_block"
	if fix.family == plan.IPv6 {
		cidrKey = "ipv6_cidr_block"
	}
	if hasInline(entries) {
		return fmt.Sprintf("# add to %s, next to its other %s blocks\n", n.Address, fix.dir) +
			hclBlock(fix.dir.String(), []hclAttr{
				{"rule_no", strconv.Itoa(number)},
				{"protocol", strconv.Quote(fix.proto.HCL())},
				{"action", `"allow"`},
				{cidrKey, strconv.Quote(allowCIDR.String())},
				{"from_port", strconv.Itoa(int(fix.ports.Lo))},
				{"to_port", strconv.Itoa(int(fix.ports.Hi))},
			})
	}

	name := resourceName(n.Address) + "_" + fix.name
	if fix.family == plan.IPv6 {
		name += "_ipv6"
	}
	return hclBlock(fmt.Sprintf("resource %q %q", "aws_network_acl_rule", name), []hclAttr{
		{"network_acl_id", moduleRelative(n.Address) + ".id"},
		{"rule_number", strconv.Itoa(number)},
		{"egress", strconv.FormatBool(fix.dir == plan.Egress)},
		{"protocol", strconv.Quote(fix.proto.HCL())},
		{"rule_action", `"allow"`},
		{cidrKey, strconv.Quote(allowCIDR.String())},
		{"from_port", strconv.Itoa(int(fix.ports.Lo))},
		{"to_port", strconv.Itoa(int(fix.ports.Hi))},
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

// fixRuleNumber picks a free rule number for the fix. Below a deny that
// drops replies, it must come first: the highest free multiple of 10 below
// the deny, else any free number below it. With only the implicit deny in
// the way, it goes after the intent: the first free multiple of 10 above
// the intent's number, else the nearest free number above or below it.
func fixRuleNumber(entries []plan.Entry, firstDeny *plan.Entry, intentNumber int, taken map[int]bool) (int, bool) {
	used := make(map[int]bool, len(entries)+len(taken))
	for _, e := range entries {
		used[e.Number] = true
	}
	for number := range taken {
		used[number] = true
	}
	free := func(n int) bool { return n >= 1 && n <= maxRuleNumber && !used[n] }

	if firstDeny != nil {
		limit := min(firstDeny.Number-1, maxRuleNumber)
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

	start := max(intentNumber, 0)
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
	for n := min(start, maxRuleNumber); n >= 1; n-- {
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
		fmt.Fprintf(&b, "  %-*s = %s\n", width, a.key, a.value)
	}
	b.WriteString("}")
	return b.String()
}

// moduleRelative is a resource address as written inside its own module:
// module.vpc.aws_network_acl.public[0] is aws_network_acl.public[0] there.
func moduleRelative(a plan.Address) string {
	r, err := a.Parse()
	if err != nil {
		return string(a) // not a resource address: nothing to take off
	}
	return r.Local()
}

// resourceName is NAME of TYPE.NAME[KEY].
func resourceName(a plan.Address) string {
	r, err := a.Parse()
	if err != nil {
		return string(a)
	}
	return r.Name
}
