// Package hostileplan writes plans no real configuration would make, sized
// to find where returnpath's work or output grows faster than its input:
// tests and benchmarks of the limits use them. Each is the JSON of
// `terraform show -json`, with every value known.
package hostileplan

import (
	"encoding/json"
	"fmt"
)

// SecurityGroups is a plan of groups security groups that reference each
// other: group i allows tcp/1024+i from groups i+1, i+3, i+7, i+13, i+31,
// i+61, i+127 and i+251. Each group has one instance, in one of subnets subnets, and each
// subnet has its own NACL that allows only tcp/443 within the VPC, so
// every cross-subnet reference is an RP003 finding.
func SecurityGroups(groups, subnets int) []byte {
	var changes []any
	changes = append(changes, resource("aws_vpc.main", map[string]any{"id": "vpc-1", "cidr_block": "10.0.0.0/16"}))
	for s := range subnets {
		subnet := fmt.Sprintf("subnet-%d", s)
		changes = append(changes,
			resource(fmt.Sprintf("aws_subnet.s%d", s), map[string]any{"id": subnet, "vpc_id": "vpc-1", "cidr_block": fmt.Sprintf("10.0.%d.0/24", s)}),
			resource(fmt.Sprintf("aws_network_acl.n%d", s), map[string]any{
				"id": fmt.Sprintf("acl-%d", s), "vpc_id": "vpc-1", "subnet_ids": []string{subnet},
				"ingress": []any{naclRule(100, "10.0.0.0/16", 443, 443)},
				"egress":  []any{naclRule(100, "10.0.0.0/16", 443, 443)},
			}))
	}
	for g := range groups {
		var peers []string
		for _, step := range []int{1, 3, 7, 13, 31, 61, 127, 251} {
			peers = append(peers, fmt.Sprintf("sg-%d", (g+step)%groups))
		}
		port := 1024 + g%30000
		changes = append(changes,
			resource(fmt.Sprintf("aws_security_group.g%d", g), map[string]any{
				"id": fmt.Sprintf("sg-%d", g), "vpc_id": "vpc-1",
				"ingress": []any{map[string]any{"protocol": "tcp", "from_port": port, "to_port": port, "security_groups": peers, "cidr_blocks": []string{}, "ipv6_cidr_blocks": []string{}, "prefix_list_ids": []string{}, "self": false}},
				"egress":  []any{map[string]any{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": []string{"0.0.0.0/0"}, "security_groups": []string{}, "ipv6_cidr_blocks": []string{}, "prefix_list_ids": []string{}, "self": false}},
			}),
			resource(fmt.Sprintf("aws_instance.i%d", g), map[string]any{
				"subnet_id": fmt.Sprintf("subnet-%d", g%subnets), "vpc_security_group_ids": []string{fmt.Sprintf("sg-%d", g)},
			}))
	}
	return plan(changes)
}

// NACLRules is a plan of one NACL, on one subnet, with rules ingress and as
// many egress rules: service rules from /24s of the VPC on ports 1-1000
// inbound, and narrower allows and denies on ephemeral ports outbound.
func NACLRules(rules int) []byte {
	var ingress, egress []any
	for i := range rules {
		cidr := fmt.Sprintf("10.%d.%d.0/24", (i>>8)&255, i&255)
		port := 1 + i%1000
		ingress = append(ingress, naclRule(i+1, cidr, port, port))
		r := naclRule(i+1, fmt.Sprintf("10.%d.%d.0/25", (i>>8)&255, i&255), 1024+i%30000, 1100+i%30000)
		if i%2 == 1 {
			r["action"] = "deny"
		}
		egress = append(egress, r)
	}
	return plan([]any{
		resource("aws_vpc.main", map[string]any{"id": "vpc-1", "cidr_block": "10.0.0.0/8"}),
		resource("aws_subnet.s", map[string]any{"id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.0.0.0/24"}),
		resource("aws_network_acl.big", map[string]any{"id": "acl-1", "vpc_id": "vpc-1", "subnet_ids": []string{"subnet-1"}, "ingress": ingress, "egress": egress}),
	})
}

func naclRule(number int, cidr string, from, to int) map[string]any {
	return map[string]any{"rule_no": number, "action": "allow", "protocol": "tcp", "cidr_block": cidr, "ipv6_cidr_block": "", "from_port": from, "to_port": to, "icmp_type": nil, "icmp_code": nil}
}

// resource is the resource_changes entry that creates address with the
// values after.
func resource(address string, after map[string]any) map[string]any {
	var typ, name string
	for i := range address {
		if address[i] == '.' {
			typ, name = address[:i], address[i+1:]
			break
		}
	}
	return map[string]any{
		"address": address, "mode": "managed", "type": typ, "name": name,
		"change": map[string]any{"actions": []string{"create"}, "after": after, "after_unknown": map[string]any{}},
	}
}

func plan(changes []any) []byte {
	data, err := json.Marshal(map[string]any{"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": changes})
	if err != nil {
		panic(err) // maps of strings, numbers and slices always marshal
	}
	return data
}
