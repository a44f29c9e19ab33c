package plan

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// inlineEntry reads one inline ingress/egress block of a NACL.
func inlineEntry(dir Direction, r planjson.NACLInlineRule, unknown planjson.Unknowns) (Entry, error) {
	return newEntry(ruleFields{direction: dir, number: r.RuleNo, action: r.Action, match: r.NACLRuleMatch}, unknown)
}

// standaloneEntry reads an aws_network_acl_rule.
func standaloneEntry(v planjson.NACLRuleValues, unknown planjson.Unknowns) (Entry, error) {
	if v.Egress == nil {
		if unknown.Whole("egress") {
			return Entry{}, errors.New("egress is unknown until apply")
		}
		f := false // the provider's default
		v.Egress = &f
	}
	dir := Ingress
	if *v.Egress {
		dir = Egress
	}
	return newEntry(ruleFields{
		direction: dir, number: v.RuleNumber, action: v.RuleAction, match: v.NACLRuleMatch,
		numberAttr: "rule_number", actionAttr: "rule_action",
	}, unknown)
}

type ruleFields struct {
	direction              Direction
	number                 *int64
	action                 *string
	match                  planjson.NACLRuleMatch
	numberAttr, actionAttr string // attribute names for messages
}

func newEntry(f ruleFields, unknown planjson.Unknowns) (Entry, error) {
	numberAttr, actionAttr := "rule_no", "action"
	if f.numberAttr != "" {
		numberAttr, actionAttr = f.numberAttr, f.actionAttr
	}
	for _, attr := range []string{numberAttr, actionAttr, "protocol", "cidr_block", "ipv6_cidr_block", "from_port", "to_port"} {
		if unknown.AnyIn(attr) {
			return Entry{}, fmt.Errorf("%s is unknown until apply", attr)
		}
	}
	e := Entry{Direction: f.direction, Ports: AllPorts, ICMP: AnyICMP}
	if f.number == nil {
		return Entry{}, fmt.Errorf("%s is missing", numberAttr)
	}
	if n := *f.number; n < MinRuleNumber || n > MaxRuleNumber {
		return Entry{}, fmt.Errorf("%s %d is outside %d-%d, the rule numbers AWS accepts", numberAttr, n, MinRuleNumber, MaxRuleNumber)
	}
	e.Number = int(*f.number)
	switch deref(f.action) {
	case "allow":
		e.Allow = true
	case "deny":
	default:
		return Entry{}, fmt.Errorf("%s %q is neither allow nor deny", actionAttr, deref(f.action))
	}
	if f.match.Protocol == nil {
		return Entry{}, errors.New("protocol is missing")
	}
	proto, err := ParseProtocol(*f.match.Protocol)
	if err != nil {
		return Entry{}, err
	}
	e.Protocol = proto
	cidr, ipv6 := deref(f.match.CIDRBlock), deref(f.match.IPv6CIDRBlock)
	switch {
	case cidr != "" && ipv6 != "":
		return Entry{}, errors.New("sets both cidr_block and ipv6_cidr_block")
	case cidr == "" && ipv6 == "":
		return Entry{}, errors.New("sets neither cidr_block nor ipv6_cidr_block")
	}
	text, want := cidr, IPv4
	if ipv6 != "" {
		text, want = ipv6, IPv6
	}
	p, err := netip.ParsePrefix(text)
	if err != nil || FamilyOf(p) != want {
		return Entry{}, fmt.Errorf("%q is not an %s CIDR block", text, want)
	}
	e.Prefix = p.Masked()
	switch {
	case proto.HasPorts():
		if f.match.FromPort == nil || f.match.ToPort == nil {
			return Entry{}, errors.New("from_port and to_port are required for " + proto.String())
		}
		lo, hi := *f.match.FromPort, *f.match.ToPort
		if lo < 0 || hi > 65535 || lo > hi {
			return Entry{}, fmt.Errorf("port range %d-%d is not valid", lo, hi)
		}
		e.Ports = PortRange{uint16(lo), uint16(hi)}
	case proto == ProtocolICMP || proto == ProtocolICMPv6:
		if e.ICMP, err = icmpMatch("icmp_type", f.match.ICMPType, "icmp_code", f.match.ICMPCode); err != nil {
			return Entry{}, err
		}
	}
	return e, nil
}

// The rule numbers AWS accepts; 32767 is the implicit deny's.
const (
	MinRuleNumber = 1
	MaxRuleNumber = 32766
)

// icmpMatch reads an ICMP type and code (named typeAttr and codeAttr in
// messages): absent or -1 means any, 0-255 one value, and anything else
// is an error (not "any": a rule for type 259 lets no type 3 through).
func icmpMatch(typeAttr string, typ *int64, codeAttr string, code *int64) (ICMPMatch, error) {
	t, err := icmpValue(typeAttr, typ)
	if err != nil {
		return ICMPMatch{}, err
	}
	c, err := icmpValue(codeAttr, code)
	if err != nil {
		return ICMPMatch{}, err
	}
	return ICMPMatch{Type: t, Code: c}, nil
}

func icmpValue(attr string, v *int64) (int16, error) {
	switch {
	case v == nil || *v == -1:
		return -1, nil
	case *v < 0 || *v > 255:
		return 0, fmt.Errorf("%s %d is outside 0-255 (or -1 for any)", attr, *v)
	}
	return int16(*v), nil
}
