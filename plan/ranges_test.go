package plan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// handPlan is a plan written by hand for values terraform would refuse to
// plan (rule numbers and ICMP types AWS does not accept): each change is
// an address and its after values, all known.
func handPlan(t *testing.T, changes ...change) *Model {
	t.Helper()
	var rcs []map[string]any
	for _, c := range changes {
		typ, name, _ := strings.Cut(c.address, ".")
		rcs = append(rcs, map[string]any{
			"address": c.address, "mode": "managed", "type": typ, "name": name,
			"change": map[string]any{"actions": []string{"create"}, "after": c.after, "after_unknown": map[string]any{}},
		})
	}
	data, err := json.Marshal(map[string]any{"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": rcs})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse("plan.json", data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type change struct {
	address string
	after   map[string]any
}

func naclRule(number any, protocol string, extra map[string]any) map[string]any {
	r := map[string]any{"rule_no": number, "action": "allow", "protocol": protocol, "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "from_port": 443, "to_port": 443}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

// unresolvedOf lists the reasons given for one address.
func unresolvedOf(n *Network, addr string) []string {
	var out []string
	for _, u := range n.Unresolved {
		if string(u.Address) == addr {
			if u.Informational {
				out = append(out, "(notice) "+u.Reason)
			} else {
				out = append(out, u.Reason)
			}
		}
	}
	return out
}

func TestRuleNumbersOutsideWhatAWSAccepts(t *testing.T) {
	m := handPlan(t,
		change{"aws_network_acl.a", map[string]any{"id": "acl-1", "ingress": []any{
			naclRule(int64(9223372036854775807), "tcp", nil),
			naclRule(0, "tcp", nil),
			naclRule(-5, "tcp", nil),
			naclRule(99999, "tcp", nil),
			naclRule(32767, "tcp", nil),
			naclRule(1, "tcp", nil),
			naclRule(32766, "tcp", nil),
		}, "egress": []any{}}},
		change{"aws_network_acl_rule.far", map[string]any{"network_acl_id": "acl-1", "rule_number": 40000, "egress": true, "rule_action": "allow", "protocol": "tcp", "cidr_block": "0.0.0.0/0", "from_port": 1024, "to_port": 65535}},
	)
	n := findNACL(t, m.Planned, "aws_network_acl.a")
	equal(t, "ingress kept", rules(n, Ingress), []string{
		"1 allow tcp 0.0.0.0/0 443 aws_network_acl.a",
		"32766 allow tcp 0.0.0.0/0 443 aws_network_acl.a",
	})
	equal(t, "egress kept", rules(n, Egress), nil)
	equal(t, "unresolved NACL rules", unresolvedOf(m.Planned, "aws_network_acl.a"), []string{
		"ingress rule -5: rule_no -5 is outside 1-32766, the rule numbers AWS accepts",
		"ingress rule 0: rule_no 0 is outside 1-32766, the rule numbers AWS accepts",
		"ingress rule 32767: rule_no 32767 is outside 1-32766, the rule numbers AWS accepts",
		"ingress rule 9223372036854775807: rule_no 9223372036854775807 is outside 1-32766, the rule numbers AWS accepts",
		"ingress rule 99999: rule_no 99999 is outside 1-32766, the rule numbers AWS accepts",
	})
	equal(t, "unresolved standalone rule", unresolvedOf(m.Planned, "aws_network_acl_rule.far"), []string{
		"cannot be evaluated: rule_number 40000 is outside 1-32766, the rule numbers AWS accepts",
	})
}

func TestICMPTypesOutsideTheByte(t *testing.T) {
	icmp := func(number, typ, code int) map[string]any {
		return naclRule(number, "icmp", map[string]any{"icmp_type": typ, "icmp_code": code, "from_port": 0, "to_port": 0})
	}
	m := handPlan(t,
		change{"aws_network_acl.a", map[string]any{"ingress": []any{
			icmp(100, 259, 4), icmp(110, 3, 256), icmp(120, -2, -1), icmp(130, -1, -1), icmp(140, 3, 4), icmp(150, 255, 0),
		}, "egress": []any{}}},
		change{"aws_security_group.g", map[string]any{"ingress": []any{
			map[string]any{"protocol": "icmp", "from_port": 300, "to_port": -1, "cidr_blocks": []string{"0.0.0.0/0"}},
			map[string]any{"protocol": "icmp", "from_port": 3, "to_port": 4, "cidr_blocks": []string{"0.0.0.0/0"}},
		}, "egress": []any{}}},
	)
	n := findNACL(t, m.Planned, "aws_network_acl.a")
	var got []string
	for _, e := range n.Ingress {
		got = append(got, fmt.Sprintf("%d type %d code %d", e.Number, e.ICMP.Type, e.ICMP.Code))
	}
	equal(t, "ICMP rules kept", got, []string{"130 type -1 code -1", "140 type 3 code 4", "150 type 255 code 0"})
	equal(t, "unresolved NACL rules", unresolvedOf(m.Planned, "aws_network_acl.a"), []string{
		"ingress rule 100: icmp_type 259 is outside 0-255 (or -1 for any)",
		"ingress rule 110: icmp_code 256 is outside 0-255 (or -1 for any)",
		"ingress rule 120: icmp_type -2 is outside 0-255 (or -1 for any)",
	})
	sg := m.Planned.SecurityGroups
	if len(sg) != 1 || len(sg[0].Ingress) != 1 || sg[0].Ingress[0].ICMP != (ICMPMatch{3, 4}) {
		t.Errorf("security group rules: %+v", sg)
	}
	if u := unresolvedOf(m.Planned, "aws_security_group.g"); len(u) != 1 || !strings.Contains(u[0], "from_port (the ICMP type) 300 is outside 0-255") {
		t.Errorf("unresolved security group rules: %q", u)
	}
}

func TestRulesPerNACLBeyondWhatAWSAccepts(t *testing.T) {
	rulesOf := func(n int, v6 bool) []any {
		var out []any
		for i := range n {
			r := naclRule(i+1, "tcp", nil)
			if v6 {
				r = naclRule(1000+i, "tcp", map[string]any{"cidr_block": "", "ipv6_cidr_block": "::/0"})
			}
			out = append(out, r)
		}
		return out
	}
	m := handPlan(t,
		change{"aws_vpc.v", map[string]any{"id": "vpc-1", "cidr_block": "10.0.0.0/16"}},
		change{"aws_subnet.full", map[string]any{"id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"}},
		change{"aws_subnet.over", map[string]any{"id": "subnet-2", "vpc_id": "vpc-1", "cidr_block": "10.0.2.0/24"}},
		// 40 IPv4 and 40 IPv6 rules inbound: AWS's most.
		change{"aws_network_acl.full", map[string]any{"vpc_id": "vpc-1", "subnet_ids": []string{"subnet-1"},
			"ingress": append(rulesOf(MaxRulesPerFamily, false), rulesOf(MaxRulesPerFamily, true)...), "egress": []any{}}},
		change{"aws_network_acl.over", map[string]any{"vpc_id": "vpc-1", "subnet_ids": []string{"subnet-2"},
			"ingress": []any{}, "egress": rulesOf(MaxRulesPerFamily+1, false)}},
	)
	var kept []string
	for _, n := range m.Planned.NACLs {
		kept = append(kept, fmt.Sprintf("%s %d/%d", n.Address, len(n.Ingress), len(n.Egress)))
	}
	equal(t, "NACLs evaluated", kept, []string{"aws_network_acl.full 80/0"})
	equal(t, "unresolved", unresolvedOf(m.Planned, "aws_network_acl.over"), []string{
		"has 41 ipv4 egress rules, more than the 40 AWS accepts: it is not evaluated",
	})
	for _, s := range m.Planned.Subnets {
		if s.Address == "aws_subnet.over" && s.NACL != nil {
			t.Errorf("%s keeps the NACL that is not evaluated", s.Address)
		}
		if s.Address == "aws_subnet.full" && (s.NACL == nil || s.NACL.Address != "aws_network_acl.full") {
			t.Errorf("%s lost its NACL", s.Address)
		}
	}
}
