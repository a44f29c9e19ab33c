package checks

import (
	"fmt"
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// RP006: inline and standalone rules mixed on one NACL, and rule numbers
// used twice in one direction.

var ruleDefinitions = Check{
	ID:       "RP006",
	Severity: Warning,
	Title:    "NACL rules are defined in conflicting ways",
	Doc: "Inline ingress/egress blocks and standalone aws_network_acl_rule resources on one NACL " +
		"fight: each apply of one removes the rules of the other. Two rules with one rule number " +
		"in one direction make the apply fail (NetworkAclEntryAlreadyExists) and leave only the " +
		"first in force. Keep one style per NACL and give every rule its own number.",
	Explain: explainRP006,
	run:     checkRuleDefinitions,
}

const explainRP006 = `Why: the AWS provider manages a NACL's rules either inline (ingress and
egress blocks of aws_network_acl) or as aws_network_acl_rule resources, not
both. The NACL resource treats its inline blocks as the complete list: each
apply removes the standalone rules, and the next apply of those rules adds
them back. The plan never settles, and between two applies traffic is
dropped.

Two rules with one rule number in one direction cannot both exist: the
apply fails with NetworkAclEntryAlreadyExists and only the first is in
force. A rule you wrote is missing, and a return path that looks complete
in the configuration is not.

Example: inline rules, plus a standalone rule for the same NACL.

  resource "aws_network_acl" "public" {
    vpc_id = aws_vpc.main.id
    ingress { rule_no = 100 ... }
  }
  resource "aws_network_acl_rule" "extra" {
    network_acl_id = aws_network_acl.public.id
    rule_number    = 200
    ...
  }

Fix: move the standalone rule into an inline block of the NACL (or every
inline block into aws_network_acl_rule resources), and give each rule of a
direction its own number.
`

// checkRuleDefinitions is RP006: inline and standalone rules mixed on one
// NACL, and rule numbers used twice in one direction.
func checkRuleDefinitions(p *pass) {
	for _, n := range p.network.NACLs {
		if n == nil {
			continue
		}
		if msg, mixed := mixedStyles(n); mixed {
			p.report(Finding{Resource: n.Address, Message: msg, Subnets: subnetRefs(n, plan.IPv4)})
		}
		for _, dir := range []plan.Direction{plan.Ingress, plan.Egress} {
			for _, msg := range duplicateNumbers(n.Entries(dir), dir) {
				p.report(Finding{Resource: n.Address, Message: msg, Subnets: subnetRefs(n, plan.IPv4)})
			}
		}
	}
}

// mixedStyles describes a NACL whose rules come both from inline blocks
// and from standalone aws_network_acl_rule resources.
func mixedStyles(n *plan.NACL) (string, bool) {
	isInline := func(e plan.Entry) bool { return e.Inline }
	inline := slices.ContainsFunc(n.Ingress, isInline) || slices.ContainsFunc(n.Egress, isInline)
	if !inline && !n.InlineWritten {
		return "", false // nothing inline to mix with: spare listing the standalone rules
	}
	var standalone []string
	var seen map[plan.Address]bool
	for _, entries := range [][]plan.Entry{n.Ingress, n.Egress} {
		for _, e := range entries {
			if e.Inline || e.Unmanaged {
				continue // an unmanaged rule: AWS holds it, the configuration writes no inline rule
			}
			if seen == nil {
				seen = map[plan.Address]bool{}
			}
			if !seen[e.Source] {
				seen[e.Source] = true
				standalone = append(standalone, string(e.Source))
			}
		}
	}
	if len(standalone) == 0 {
		return "", false
	}
	const shown = 3
	names := standalone
	if len(names) > shown {
		names = append(names[:shown:shown], fmt.Sprintf("%d more", len(standalone)-shown))
	}
	if !inline {
		// ingress = [] / egress = []: an inline list that is empty
		return "its inline rules are written as empty lists (ingress = [] or egress = []) next to standalone rules (" + joinAnd(names) + "): " +
			"each apply makes the NACL's entries match the empty lists and removes the standalone rules' entries; drop the empty lists", true
	}
	return "inline ingress/egress blocks and standalone rules (" + joinAnd(names) + ") are mixed on one NACL: " +
		"each apply removes the other's rules; keep one style", true
}

// duplicateNumbers describes each rule number that more than one rule of
// one direction uses. Entries are sorted by number, so duplicates are
// neighbours.
func duplicateNumbers(entries []plan.Entry, dir plan.Direction) []string {
	var msgs []string
	for i := 0; i < len(entries); {
		j := i + 1
		for j < len(entries) && entries[j].Number == entries[i].Number {
			j++
		}
		if j-i > 1 {
			by := make([]string, 0, j-i)
			for _, e := range entries[i:j] {
				by = append(by, ruleOrigin(e, dir))
			}
			times := "twice"
			if j-i > 2 {
				times = fmt.Sprintf("%d times", j-i)
			}
			msgs = append(msgs, fmt.Sprintf("%s rule %d is defined %s: by %s", dir, entries[i].Number, times, joinAnd(by)))
		}
		i = j
	}
	return msgs
}

// ruleOrigin names where a rule is written.
func ruleOrigin(e plan.Entry, dir plan.Direction) string {
	if e.Inline {
		return "an inline " + dir.String() + " block"
	}
	if e.Unmanaged {
		return "an entry the NACL has in AWS (not in the configuration)"
	}
	return string(e.Source)
}
