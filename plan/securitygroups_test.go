package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/returnpath-dev/returnpath/internal/planjson"
)

func findGroup(t *testing.T, n *Network, addr string) *SecurityGroup {
	t.Helper()
	for _, g := range n.SecurityGroups {
		if string(g.Address) == addr {
			return g
		}
	}
	t.Fatalf("no security group %s in the model", addr)
	return nil
}

func findWorkload(t *testing.T, n *Network, addr string) *Workload {
	t.Helper()
	for _, w := range n.Workloads {
		if string(w.Address) == addr {
			return w
		}
	}
	t.Fatalf("no workload %s in the model", addr)
	return nil
}

// sgRules renders a group's rules: "direction protocol ports peer source".
func sgRules(g *SecurityGroup) []string {
	var out []string
	for _, r := range append(slices.Clone(g.Ingress), g.Egress...) {
		var peer string
		switch r.Peer {
		case PeerCIDR:
			peer = r.Prefix.String()
		case PeerGroup:
			peer = string(r.Group.Address)
		case PeerPrefixList:
			peer = "prefix list " + r.PrefixList
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %s", r.Direction, r.Protocol, r.Ports, peer, r.Source))
	}
	return out
}

func workloadText(w *Workload) string {
	var subnets, groups []string
	for _, s := range w.Subnets {
		subnets = append(subnets, string(s.Address))
	}
	for _, g := range w.SecurityGroups {
		groups = append(groups, string(g.Address))
	}
	return fmt.Sprintf("%s in %s, groups %s", w.Kind, strings.Join(subnets, " "), strings.Join(groups, " "))
}

// Every way to write a security-group rule, with CIDR and group peers.
func TestSecurityGroupRulesOfEveryKind(t *testing.T) {
	n := loadFixture(t, "sg-only").Planned
	equal(t, "alb", sgRules(findGroup(t, n, "aws_security_group.alb")), []string{
		"ingress tcp 443 0.0.0.0/0 aws_security_group.alb",
		"egress all 0-65535 0.0.0.0/0 aws_security_group.alb",
	})
	equal(t, "app", sgRules(findGroup(t, n, "aws_security_group.app")), []string{
		"ingress tcp 8080 aws_security_group.alb aws_vpc_security_group_ingress_rule.app_from_alb",
		"egress tcp 5432 aws_security_group.db aws_vpc_security_group_egress_rule.app_to_db",
	})
	equal(t, "db", sgRules(findGroup(t, n, "aws_security_group.db")), []string{
		"ingress tcp 5432 aws_security_group.app aws_security_group_rule.db_from_app",
	})
	equal(t, "default", sgRules(findGroup(t, n, "aws_default_security_group.default")), []string{
		"ingress all 0-65535 aws_default_security_group.default aws_default_security_group.default",
	})
	if len(n.Unresolved) != 0 {
		t.Errorf("unresolved: %v", n.Unresolved)
	}
}

// Workloads join the groups they name; one that names none is in its
// VPC's default group.
func TestGroupMembers(t *testing.T) {
	n := loadFixture(t, "sg-only").Planned
	for addr, want := range map[string]string{
		`aws_instance.app["a"]`:         `instance in aws_subnet.app["a"], groups aws_security_group.app`,
		"aws_lb.web":                    `load balancer in aws_subnet.public["a"] aws_subnet.public["b"], groups aws_security_group.alb`,
		"aws_network_interface.bastion": `network interface in aws_subnet.public["a"], groups aws_default_security_group.default`,
		"aws_instance.db":               `instance in aws_subnet.app["a"], groups aws_security_group.db`,
		`aws_instance.app["b"]`:         `instance in aws_subnet.app["b"], groups aws_security_group.app`,
	} {
		if got := workloadText(findWorkload(t, n, addr)); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
	var members []string
	for _, w := range findGroup(t, n, "aws_security_group.app").Members {
		members = append(members, string(w.Address))
	}
	equal(t, "app members", members, []string{`aws_instance.app["a"]`, `aws_instance.app["b"]`})
}

// Placements through subnet groups, launch templates and nested blocks.
func TestIndirectPlacements(t *testing.T) {
	tests := []struct{ fixture, workload, want string }{
		{"sg-reference-two-subnets", "aws_autoscaling_group.app", `instance in aws_subnet.app["a"] aws_subnet.app["b"], groups aws_security_group.app`},
		{"sg-reference-two-subnets", "aws_db_instance.db", `database in aws_subnet.db["a"] aws_subnet.db["b"], groups aws_security_group.db`},
		{"rds-app-db", "aws_db_instance.db", `database in aws_subnet.db[0] aws_subnet.db[1], groups aws_security_group.db`},
		{"sg-blocked-by-nacl", "aws_elasticache_cluster.cache", `cache cluster in aws_subnet.cache, groups aws_security_group.cache`},
		{"ecs-service", "aws_ecs_service.api", `ECS task in aws_subnet.app["a"] aws_subnet.app["b"], groups aws_security_group.task`},
		{"lambda-external-api", "aws_lambda_function.sync", `Lambda function in aws_subnet.private, groups aws_security_group.fn`},
		{"nat-gateway-return", "aws_instance.worker", `instance in aws_subnet.private, groups `},
	}
	for _, tt := range tests {
		n := loadFixture(t, tt.fixture).Planned
		if got := workloadText(findWorkload(t, n, tt.workload)); got != tt.want {
			t.Errorf("%s %s: %s, want %s", tt.fixture, tt.workload, got, tt.want)
		}
		if len(n.Unresolved) > 0 && tt.fixture != "sg-blocked-by-nacl" {
			t.Errorf("%s: unresolved %v", tt.fixture, n.Unresolved)
		}
	}
}

func subnetByAddress(t *testing.T, n *Network, addr string) *Subnet {
	t.Helper()
	for _, s := range n.Subnets {
		if string(s.Address) == addr {
			return s
		}
	}
	t.Fatalf("no subnet %s", addr)
	return nil
}

func routesText(s *Subnet) []string {
	var out []string
	for _, r := range s.Routes {
		target := "other"
		switch {
		case r.NATGateway != nil:
			target = string(r.NATGateway.Address)
		case r.EgressOnly:
			target = "egress-only"
		}
		out = append(out, r.Destination.String()+" → "+target+" ("+string(r.Source)+")")
	}
	return out
}

// Routes come from aws_route and inline route blocks, through
// associations; only NAT gateway targets are named.
func TestRoutes(t *testing.T) {
	n := loadFixture(t, "nat-gateway-return").Planned
	equal(t, "private", routesText(subnetByAddress(t, n, "aws_subnet.private")),
		[]string{"0.0.0.0/0 → aws_nat_gateway.main (aws_route.private_nat)"})
	equal(t, "public", routesText(subnetByAddress(t, n, "aws_subnet.public")),
		[]string{"0.0.0.0/0 → other (aws_route_table.public)"})

	n = loadFixture(t, "ecs-service").Planned
	for _, s := range []string{`aws_subnet.app["a"]`, `aws_subnet.app["b"]`} {
		equal(t, s, routesText(subnetByAddress(t, n, s)), []string{"0.0.0.0/0 → aws_nat_gateway.main (aws_route_table.app)"})
	}
	if routes := subnetByAddress(t, n, `aws_subnet.public["a"]`).Routes; routes != nil {
		t.Errorf("a subnet without association has routes %v", routes)
	}
}

// IPv6 routes: an egress-only internet gateway (aws_route) and NAT64
// through a NAT gateway (an inline route block).
func TestIPv6Routes(t *testing.T) {
	n := loadFixture(t, "ipv6-egress-only").Planned
	equal(t, "egress-only", routesText(subnetByAddress(t, n, "aws_subnet.private")),
		[]string{"::/0 → egress-only (aws_route.private_ipv6_default)"})
	n = loadFixture(t, "nat64-missing-return").Planned
	equal(t, "nat64", routesText(subnetByAddress(t, n, "aws_subnet.private")),
		[]string{"64:ff9b::/96 → aws_nat_gateway.main (aws_route_table.private)"})
}

// A prefix list's CIDRs are not in the plan: the rule stays in the model
// and the gap is reported, as information.
func TestPrefixListPeers(t *testing.T) {
	n := loadFixture(t, "sg-blocked-by-nacl").Planned
	equal(t, "db", sgRules(findGroup(t, n, "aws_security_group.db")), []string{
		"ingress tcp 5432 10.0.0.0/16 aws_security_group.db",
		"egress tcp 443 prefix list pl-6da54004 aws_security_group_rule.db_to_s3",
	})
	want := []Unresolved{{
		Address: "aws_security_group_rule.db_to_s3", Informational: true,
		Reason: "egress rule tcp/443 allows prefix list pl-6da54004, whose CIDRs are not in the plan: that traffic is not checked against network ACLs",
	}}
	if !slices.Equal(n.Unresolved, want) {
		t.Errorf("unresolved %+v, want %+v", n.Unresolved, want)
	}
}

// stateInstance is a resource instance as prior state holds it.
func stateInstance(typ, name, values string) *instance {
	return &instance{Address: Address(typ + "." + name), Type: typ, Name: name, Values: json.RawMessage(values)}
}

// After a refresh a group's inline rules repeat its standalone rules, even
// one the plan deletes: each is counted once, as the standalone rule, and
// a deleted one not at all.
func TestSecurityGroupEchoes(t *testing.T) {
	group := stateInstance(typeSG, "web", `{"id": "sg-1", "ingress": [
		{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]},
		{"protocol": "tcp", "from_port": 1024, "to_port": 65535, "cidr_blocks": ["0.0.0.0/0"]},
		{"protocol": "6", "from_port": 22, "to_port": 22, "cidr_blocks": ["198.51.100.0/24"]}]}`)
	https := stateInstance(typeSGRule, "https", `{"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp",
		"from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]}`)
	ephemeral := stateInstance(typeSGRule, "ephemeral", `{"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp",
		"from_port": 1024, "to_port": 65535, "cidr_blocks": ["0.0.0.0/0"]}`)

	b := newBuilder("plan.json", planjson.NewDecoder(modelled), []*instance{group, https}, nil, nil)
	b.placed.priorStandalone = priorStandaloneSGRules(planjson.NewDecoder(modelled), []*instance{group, https, ephemeral})
	n, err := b.network()
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "rules", sgRules(n.SecurityGroups[0]), []string{
		"ingress tcp 22 198.51.100.0/24 aws_security_group.web", // an inline rule of its own
		"ingress tcp 443 0.0.0.0/0 aws_security_group_rule.https",
	})
}

// The configuration lists the references of all inline blocks together,
// and the plan orders the blocks as a set: group ids unknown until apply
// are given to their block only when that is unambiguous.
func TestInlineGroupReferences(t *testing.T) {
	ingress := func(ports ...int) string {
		var blocks []string
		for _, p := range ports {
			blocks = append(blocks, fmt.Sprintf(`{"protocol": "tcp", "from_port": %d, "to_port": %d, "self": false}`, p, p))
		}
		return `{"ingress": [` + strings.Join(blocks, ",") + `]}`
	}
	unknownGroups := func(n int) planjson.Unknowns {
		blocks := slices.Repeat([]string{`{"security_groups": true}`}, n)
		return unknowns(t, `{"id": true, "ingress": [`+strings.Join(blocks, ",")+`]}`)
	}
	refs := func(names ...string) *tfjson.ConfigResource {
		var r []string
		for _, n := range names {
			r = append(r, "aws_security_group."+n+".id", "aws_security_group."+n)
		}
		return &tfjson.ConfigResource{Expressions: map[string]*tfjson.Expression{
			"ingress": {ExpressionData: &tfjson.ExpressionData{References: r}},
		}}
	}
	build := func(target *instance) *Network {
		t.Helper()
		peers := []*instance{
			{Address: "aws_security_group.a", Type: typeSG, Name: "a", Values: json.RawMessage(`{}`), Unknown: unknowns(t, `{"id": true}`)},
			{Address: "aws_security_group.b", Type: typeSG, Name: "b", Values: json.RawMessage(`{}`), Unknown: unknowns(t, `{"id": true}`)},
		}
		subnet := stateInstance(typeSubnet, "s", `{"id": "subnet-1", "cidr_block": "10.0.1.0/24"}`)
		member := stateInstance(typeInstance, "m", `{"subnet_id": "subnet-1"}`)
		member.Unknown = unknowns(t, `{"vpc_security_group_ids": true}`)
		member.Config = &tfjson.ConfigResource{Expressions: map[string]*tfjson.Expression{
			"vpc_security_group_ids": {ExpressionData: &tfjson.ExpressionData{References: []string{"aws_security_group.target.id", "aws_security_group.target"}}},
		}}
		n, err := newBuilder("plan.json", planjson.NewDecoder(modelled), append(peers, target, subnet, member), nil, nil).network()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	target := func(values string, u planjson.Unknowns, cfg *tfjson.ConfigResource) *instance {
		return &instance{Address: "aws_security_group.target", Type: typeSG, Name: "target", Values: json.RawMessage(values), Unknown: u, Config: cfg}
	}

	n := build(target(ingress(22), unknownGroups(1), refs("a", "b")))
	equal(t, "one block", sgRules(findGroup(t, n, "aws_security_group.target")), []string{
		"ingress tcp 22 aws_security_group.a aws_security_group.target",
		"ingress tcp 22 aws_security_group.b aws_security_group.target",
	})

	n = build(target(ingress(22, 8080), unknownGroups(2), refs("a")))
	equal(t, "one group", sgRules(findGroup(t, n, "aws_security_group.target")), []string{
		"ingress tcp 22 aws_security_group.a aws_security_group.target",
		"ingress tcp 8080 aws_security_group.a aws_security_group.target",
	})

	n = build(target(ingress(22, 8080), unknownGroups(2), refs("a", "b")))
	equal(t, "ambiguous", sgRules(findGroup(t, n, "aws_security_group.target")), nil)
	if len(n.Unresolved) != 1 || !n.Unresolved[0].Informational || !strings.Contains(n.Unresolved[0].Reason, "which rule names which") {
		t.Errorf("unresolved %+v, want one notice", n.Unresolved)
	}
}

// A group's rule peers that cannot be evaluated matter only when the
// group has members: no check reads the rules of a group without any.
func TestPeerGapsOnlyForGroupsWithMembers(t *testing.T) {
	group := stateInstance(typeSG, "lonely", `{"id": "sg-1"}`)
	rule := stateInstance(typeSGRule, "from_local", `{"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp", "from_port": 443, "to_port": 443}`)
	rule.Unknown = unknowns(t, `{"source_security_group_id": true}`)
	rule.Config = &tfjson.ConfigResource{Expressions: map[string]*tfjson.Expression{
		"source_security_group_id": {ExpressionData: &tfjson.ExpressionData{References: []string{"local.cluster_sg"}}},
	}}
	n, err := newBuilder("plan.json", planjson.NewDecoder(modelled), []*instance{group, rule}, nil, nil).network()
	if err != nil || len(n.Unresolved) != 0 {
		t.Fatalf("without members: %v, %v", n.Unresolved, err)
	}
	subnet := stateInstance(typeSubnet, "s", `{"id": "subnet-1", "cidr_block": "10.0.1.0/24"}`)
	member := stateInstance(typeInstance, "m", `{"subnet_id": "subnet-1", "vpc_security_group_ids": ["sg-1"]}`)
	n, err = newBuilder("plan.json", planjson.NewDecoder(modelled), []*instance{group, rule, subnet, member}, nil, nil).network()
	if err != nil || len(n.Unresolved) != 1 || n.Unresolved[0].Address != "aws_security_group_rule.from_local" || n.Unresolved[0].Informational {
		t.Errorf("with a member: %+v, %v", n.Unresolved, err)
	}
}

// Values known at plan time (a constant module input, a root variable)
// select among the resources an expression names; they are not where an
// unknown id comes from, so they do not make the link fail.
func TestKnownInputsDoNotBreakLinks(t *testing.T) {
	root := &tfjson.ConfigModule{ModuleCalls: map[string]*tfjson.ModuleCall{
		"vpc": {
			Expressions: map[string]*tfjson.Expression{"single_nat_gateway": {ExpressionData: &tfjson.ExpressionData{ConstantValue: false}}},
			Module: &tfjson.ConfigModule{Resources: []*tfjson.ConfigResource{{
				Mode: tfjson.ManagedResourceMode, Type: typeNATGateway, Name: "this",
				Expressions: map[string]*tfjson.Expression{"subnet_id": {ExpressionData: &tfjson.ExpressionData{
					References: []string{"aws_subnet.public", "var.single_nat_gateway", "count.index"},
				}}},
			}}},
		},
	}}
	cfg := newConfigIndex(&tfjson.Config{RootModule: root}, "", nil)
	var instances []*instance
	for i := range 2 {
		instances = append(instances, &instance{
			Address: Address(fmt.Sprintf("module.vpc.aws_subnet.public[%d]", i)), Module: "module.vpc", Type: typeSubnet, Name: "public",
			Key: fmt.Sprint(i), Values: json.RawMessage(fmt.Sprintf(`{"cidr_block": "10.0.%d.0/24"}`, i)),
		})
	}
	nat := &instance{
		Address: "module.vpc.aws_nat_gateway.this[1]", Module: "module.vpc", Type: typeNATGateway, Name: "this", Key: "1",
		Values: json.RawMessage(`{}`), Unknown: unknowns(t, `{"subnet_id": true}`),
	}
	nat.Config, _ = cfg.resource("module.vpc", typeNATGateway, "this")
	n, err := newBuilder("plan.json", planjson.NewDecoder(modelled), append(instances, nat), cfg, nil).network()
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Unresolved) != 0 || len(n.Workloads) != 1 || workloadText(n.Workloads[0]) != "NAT gateway in module.vpc.aws_subnet.public[1], groups " {
		t.Errorf("workloads %v, unresolved %v", n.Workloads, n.Unresolved)
	}
	// Without any resource, the variable's gap is still said.
	nat.Config.Expressions["subnet_id"].References = []string{"var.single_nat_gateway"}
	n, _ = newBuilder("plan.json", planjson.NewDecoder(modelled), append(instances, nat), cfg, nil).network()
	if len(n.Unresolved) != 1 || !strings.Contains(n.Unresolved[0].Reason, "var.single_nat_gateway of module.vpc is not set from a resource") {
		t.Errorf("unresolved %v", n.Unresolved)
	}
}

// An index that pairs with count.index but names no instance is an
// expression of it (aws_subnet.s[count.index % 2]): the link fails
// rather than naming every instance.
func TestUnpairedIndexDoesNotLinkToAll(t *testing.T) {
	var instances []*instance
	for i := range 2 {
		instances = append(instances, &instance{
			Address: Address(fmt.Sprintf("aws_subnet.s[%d]", i)), Type: typeSubnet, Name: "s", Key: fmt.Sprint(i),
			Values: json.RawMessage(fmt.Sprintf(`{"cidr_block": "10.0.%d.0/24"}`, i)),
		})
	}
	config := &tfjson.ConfigResource{Expressions: map[string]*tfjson.Expression{
		"subnet_id": {ExpressionData: &tfjson.ExpressionData{References: []string{"aws_subnet.s", "count.index"}}},
	}}
	for i := range 3 {
		instances = append(instances, &instance{
			Address: Address(fmt.Sprintf("aws_instance.i[%d]", i)), Type: typeInstance, Name: "i", Key: fmt.Sprint(i),
			Values: json.RawMessage(`{}`), Unknown: unknowns(t, `{"subnet_id": true}`), Config: config,
		})
	}
	n, err := newBuilder("plan.json", planjson.NewDecoder(modelled), instances, nil, nil).network()
	if err != nil {
		t.Fatal(err)
	}
	var placed []string
	for _, w := range n.Workloads {
		placed = append(placed, workloadText(w))
	}
	equal(t, "placed", placed, []string{"instance in aws_subnet.s[0], groups ", "instance in aws_subnet.s[1], groups "})
	if len(n.Unresolved) != 1 || n.Unresolved[0].Address != "aws_instance.i[2]" || !strings.Contains(n.Unresolved[0].Reason, "aws_subnet.s has no instance [2]") {
		t.Errorf("unresolved %+v", n.Unresolved)
	}
}

// unknowns is the after_unknown raw, which must be valid.
func unknowns(t *testing.T, raw string) planjson.Unknowns {
	t.Helper()
	u, err := planjson.DecodeUnknowns("test", json.RawMessage(raw))
	if err != nil {
		t.Fatal(err)
	}
	return u
}
