package plan

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// loadFixture reads a committed real plan from ../fixtures.
func loadFixture(t *testing.T, name string) *Model {
	t.Helper()
	m, err := Load(filepath.Join("..", "fixtures", name, "plan.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func findNACL(t *testing.T, n *Network, addr string) *NACL {
	t.Helper()
	for _, nacl := range n.NACLs {
		if string(nacl.Address) == addr {
			return nacl
		}
	}
	t.Fatalf("no NACL %s in the model", addr)
	return nil
}

// rules renders a NACL's entries of one direction, "number action proto
// cidr ports source" each.
func rules(n *NACL, d Direction) []string {
	var out []string
	for _, e := range n.Entries(d) {
		out = append(out, fmt.Sprintf("%d %s %s %s %s %s", e.Number, e.Action(), e.Protocol, e.Prefix, e.Ports, e.Source))
	}
	return out
}

func subnets(n *NACL) []string {
	var out []string
	for _, s := range n.Subnets {
		out = append(out, string(s.Address)+" "+s.IPv4.String())
	}
	return out
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestLinksCountIndexPairs(t *testing.T) {
	m := loadFixture(t, "count-index-pairing")
	equal(t, "this[0] egress", rules(findNACL(t, m.Planned, "aws_network_acl.this[0]"), Egress),
		[]string{"100 allow tcp 0.0.0.0/0 1024-65535 aws_network_acl_rule.return_out[0]"})
	equal(t, "this[1] egress", rules(findNACL(t, m.Planned, "aws_network_acl.this[1]"), Egress), nil)
	equal(t, "this[1] ingress", rules(findNACL(t, m.Planned, "aws_network_acl.this[1]"), Ingress),
		[]string{"100 allow tcp 0.0.0.0/0 443 aws_network_acl_rule.https_in[1]"})
}

func TestLinksForEachKeys(t *testing.T) {
	m := loadFixture(t, "for-each-pairing")
	equal(t, `this["a"] egress`, rules(findNACL(t, m.Planned, `aws_network_acl.this["a"]`), Egress),
		[]string{`100 allow tcp 0.0.0.0/0 1024-65535 aws_network_acl_rule.return_out["a"]`})
	equal(t, `this["b"] egress`, rules(findNACL(t, m.Planned, `aws_network_acl.this["b"]`), Egress), nil)
}

func TestLinksThroughModuleOutputAndInput(t *testing.T) {
	m := loadFixture(t, "module-output-input")
	n := findNACL(t, m.Planned, "module.nacl.aws_network_acl.this")
	if len(n.Ingress) == 0 || len(n.Egress) == 0 {
		t.Fatalf("rules of module.rules did not reach the NACL: ingress %q egress %q", rules(n, Ingress), rules(n, Egress))
	}
	for _, e := range append(slices.Clone(n.Ingress), n.Egress...) {
		if !strings.HasPrefix(string(e.Source), "module.rules.aws_network_acl_rule.") {
			t.Errorf("rule from %s, want module.rules", e.Source)
		}
	}
	equal(t, "subnets", subnets(n), []string{"aws_subnet.app 10.0.1.0/24"})
	if len(m.Planned.Unresolved) != 0 {
		t.Errorf("unresolved: %+v", m.Planned.Unresolved)
	}
}

func TestLinksModuleInstances(t *testing.T) {
	m := loadFixture(t, "module-count")
	for _, addr := range []string{"module.net[0].aws_network_acl.this", "module.net[1].aws_network_acl.this"} {
		n := findNACL(t, m.Planned, addr)
		for _, e := range append(slices.Clone(n.Ingress), n.Egress...) {
			if !strings.HasPrefix(string(e.Source), addr[:len("module.net[0]")]) {
				t.Errorf("%s has a rule of another module instance: %s", addr, e.Source)
			}
		}
		if len(n.Subnets) != 1 || !strings.HasPrefix(string(n.Subnets[0].Address), addr[:len("module.net[0]")]) {
			t.Errorf("%s subnets %q", addr, subnets(n))
		}
	}
}

func TestLinksAssociationsThroughEachValue(t *testing.T) {
	for _, fixture := range []string{"association-resources", "association-each-value"} {
		m := loadFixture(t, fixture)
		equal(t, fixture+" subnets", subnets(findNACL(t, m.Planned, "aws_network_acl.web")),
			[]string{`aws_subnet.web["a"] 10.0.1.0/24`, `aws_subnet.web["b"] 10.0.2.0/24`})
		if len(m.Planned.Unresolved) != 0 {
			t.Errorf("%s unresolved: %+v", fixture, m.Planned.Unresolved)
		}
	}
}

func TestDefaultNACLTakesUnclaimedSubnets(t *testing.T) {
	m := loadFixture(t, "default-nacl-broken")
	n := findNACL(t, m.Planned, "aws_default_network_acl.default")
	if !n.Default || n.VPC == nil || len(n.Subnets) == 0 {
		t.Fatalf("default NACL: default=%v vpc=%v subnets=%q", n.Default, n.VPC, subnets(n))
	}
}

func TestVPCModuleStyle(t *testing.T) {
	m := loadFixture(t, "vpc-module-style")
	private := findNACL(t, m.Planned, "module.vpc.aws_network_acl.private[0]")
	equal(t, "private subnets", subnets(private),
		[]string{"module.vpc.aws_subnet.private[0] 10.0.1.0/24", "module.vpc.aws_subnet.private[1] 10.0.2.0/24"})
	if private.VPC == nil {
		t.Error("private NACL has no VPC: vpc_id via local.vpc_id should be inferred from its subnets")
	}
	if len(private.Ingress) == 0 || len(private.Egress) == 0 {
		t.Errorf("rules created with count over lists of maps are missing: %q %q", rules(private, Ingress), rules(private, Egress))
	}
}

func TestDynamicBlocksAreInlineRules(t *testing.T) {
	m := loadFixture(t, "dynamic-blocks")
	n := findNACL(t, m.Planned, "aws_network_acl.web")
	if len(n.Ingress) != 2 {
		t.Errorf("dynamic ingress blocks: %q", rules(n, Ingress))
	}
	for _, e := range n.Ingress {
		if !e.Inline {
			t.Errorf("dynamic block entry %d not inline", e.Number)
		}
	}
}

func TestDeletedStandaloneRuleLeavesTheNACL(t *testing.T) {
	m := loadFixture(t, "update-deletes-return")
	if m.Prior == nil {
		t.Fatal("update plan has no prior network")
	}
	planned := findNACL(t, m.Planned, "aws_network_acl.public")
	prior := findNACL(t, m.Prior, "aws_network_acl.public")
	equal(t, "planned egress (the deleted rule's echo must go)", rules(planned, Egress), nil)
	equal(t, "prior egress (echo counted once)", rules(prior, Egress),
		[]string{"100 allow tcp 0.0.0.0/0 1024-65535 aws_network_acl_rule.return_out"})
}

func TestUnchangedStandaloneRulesCountOnce(t *testing.T) {
	m := loadFixture(t, "update-standalone-unchanged")
	for name, nw := range map[string]*Network{"planned": m.Planned, "prior": m.Prior} {
		n := findNACL(t, nw, "aws_network_acl.public")
		for _, e := range append(slices.Clone(n.Ingress), n.Egress...) {
			if e.Inline {
				t.Errorf("%s: refreshed echo of rule %d kept as an inline rule", name, e.Number)
			}
		}
		if len(n.Ingress)+len(n.Egress) != 2 {
			t.Errorf("%s: %d rules, want 2", name, len(n.Ingress)+len(n.Egress))
		}
	}
}

func TestNumericProtocolsFromStateMatchKeywords(t *testing.T) {
	m := loadFixture(t, "already-broken")
	planned := rules(findNACL(t, m.Planned, "aws_network_acl.public"), Egress)
	prior := rules(findNACL(t, m.Prior, "aws_network_acl.public"), Egress)
	equal(t, "prior (protocol \"6\") vs planned (\"tcp\")", prior, planned)
}

func TestUnresolvedIsReported(t *testing.T) {
	tests := map[string]struct{ addr, reason string }{
		"unlinkable-rule":        {"aws_network_acl_rule.legacy", `"acl-0123456789abcdef0" is not a resource of this plan`},
		"unlinkable-association": {"aws_network_acl_association.legacy", `"subnet-0123456789abcdef0" is not a resource of this plan`},
		"local-reference":        {"aws_network_acl_rule.ssh_in", "local.acl_id"},
	}
	for fixture, want := range tests {
		m := loadFixture(t, fixture)
		found := false
		for _, u := range m.Planned.Unresolved {
			if string(u.Address) == want.addr && strings.Contains(u.Reason, want.reason) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no unresolved %s (%s) in %+v", fixture, want.addr, want.reason, m.Planned.Unresolved)
		}
	}
}

func TestEntriesSortedByNumber(t *testing.T) {
	m := loadFixture(t, "deny-shadow-lower")
	n := findNACL(t, m.Planned, "aws_network_acl.public")
	equal(t, "egress order", rules(n, Egress), []string{
		"90 deny tcp 0.0.0.0/0 1024-65535 aws_network_acl.public",
		"200 allow tcp 0.0.0.0/0 1024-65535 aws_network_acl.public",
	})
}

func TestIPv6RulesKeepTheirFamily(t *testing.T) {
	m := loadFixture(t, "ipv6-missing-return")
	n := findNACL(t, m.Planned, "aws_network_acl.public")
	var families []string
	for _, e := range n.Ingress {
		families = append(families, FamilyOf(e.Prefix).String())
	}
	equal(t, "ingress families", families, []string{"ipv4", "ipv6"})
}

func TestLinksModuleForEachWithoutOutputName(t *testing.T) {
	// module.tier[each.key].nacl_id is listed as ["module.tier", "each.key"].
	m := loadFixture(t, "module-for-each")
	for _, key := range []string{"app", "web"} {
		n := findNACL(t, m.Planned, `module.tier["`+key+`"].aws_network_acl.this`)
		got := append(rules(n, Ingress), rules(n, Egress)...)
		if len(got) != 2 {
			t.Errorf("%s: rules %q, want service_in and return_out", key, got)
		}
		for _, r := range got {
			if !strings.HasSuffix(r, `["`+key+`"]`) {
				t.Errorf("%s got a rule of another key: %s", key, r)
			}
		}
	}
	if len(m.Planned.Unresolved) != 0 {
		t.Errorf("unresolved: %+v", m.Planned.Unresolved)
	}
}

func TestPlacesWorkloads(t *testing.T) {
	m := loadFixture(t, "nat-gateway-escalation")
	if len(m.Planned.Workloads) != 1 {
		t.Fatalf("workloads %+v", m.Planned.Workloads)
	}
	w := m.Planned.Workloads[0]
	if w.Address != "aws_nat_gateway.main" || w.Kind != NATGateway || len(w.Subnets) != 1 || w.Subnets[0].Address != "aws_subnet.public" {
		t.Errorf("workload %s %s in %v", w.Address, w.Kind, w.Subnets)
	}
	if !w.Subnets[0].HostsBroadClients() {
		t.Error("the NAT gateway subnet does not host broad clients")
	}
}

// The list of workloads the model does not place is sorted: it is
// searched by binary search.
func TestUnmodelledWorkloadsSorted(t *testing.T) {
	if !slices.IsSorted(unmodelledWorkloads) {
		t.Error("unmodelledWorkloads is not sorted")
	}
	if !unmodelledWorkload("aws_mq_broker") || unmodelledWorkload("aws_instance") {
		t.Error("unmodelledWorkload does not tell the types apart")
	}
}
