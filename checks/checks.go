package checks

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// Check is one rule, in the style of golang.org/x/tools/go/analysis: plain
// data that reports, documents and configures itself by ID.
type Check struct {
	ID       string   // "RP001"
	Severity Severity // the default; a finding may grade itself (RP001 warnings)
	Title    string   // one line
	Doc      string   // a paragraph: what it finds, why it matters, how to fix
	// Explain is the long form that `returnpath explain` prints after Doc:
	// the background, the port ranges involved and an example fix, as
	// lines of at most 80 characters.
	Explain string
	// run evaluates a network; nil for ExpiredIgnore, whose findings come
	// from the configuration (see Config.Grade), not from the plan.
	run func(*pass)
}

// ExpiredIgnore is the check that reports an ignore past its expiry date.
// The configuration finds those, so Run never reports it; the findings go
// through Config.Grade to honour severity overrides and enabled = false.
const ExpiredIgnore = "RP009"

// All lists every check, in ID order. It builds new values on each call so
// that no caller can change another's checks.
func All() []*Check {
	return []*Check{
		{
			ID:       "RP001",
			Severity: Error,
			Title:    "inbound traffic is allowed but its replies are dropped by the NACL's egress rules",
			Doc: "Network ACLs are stateless: a reply leaves the subnet through the NACL's egress " +
				"rules like any other packet. An ingress allow rule for a TCP or UDP service needs an " +
				"egress allow rule towards the same peers on the clients' ephemeral ports (1024-65535 " +
				"for internet clients, NAT gateways and load balancers). Without it, connections open " +
				"and then hang. Add an egress allow rule for the ephemeral range, numbered below any " +
				"deny that would shadow it.",
			Explain: explainRP001,
			run:     func(p *pass) { checkReplies(p, plan.Ingress) },
		},
		{
			ID:       "RP002",
			Severity: Error,
			Title:    "outbound traffic is allowed but its replies are dropped by the NACL's ingress rules",
			Doc: "Network ACLs are stateless: the answer to a request the subnet sends enters through " +
				"the NACL's ingress rules, addressed to the local client's ephemeral port. An egress " +
				"allow rule for a TCP or UDP service needs an ingress allow rule from the same peers on " +
				"the local ephemeral range (1024-65535 unless the subnet's hosts are known). Add an " +
				"ingress allow rule for that range, numbered below any deny that would shadow it.",
			Explain: explainRP002,
			run:     func(p *pass) { checkReplies(p, plan.Egress) },
		},
		{
			ID:       "RP003",
			Severity: Error,
			Title:    "a security-group allow that a NACL on its path blocks",
			Doc: "Security groups are stateful and let replies back by themselves; network ACLs are " +
				"not. A security-group rule that allows a TCP or UDP service (from a CIDR or from another " +
				"group's members) only works when every NACL on the way lets the requests through and " +
				"the replies back, on the clients' ephemeral ports. The subnets are those where the " +
				"group's members live (instances, autoscaling groups, load balancers, Lambda functions, " +
				"ECS services, databases, cache clusters, network interfaces) and, for a group peer, " +
				"where the other group's members live. Add the NACL rule the finding suggests, or " +
				"remove the security-group rule if the NACL is right.",
			Explain: explainRP003,
			run:     checkSecurityGroups,
		},
		{
			ID:       "RP004",
			Severity: Error,
			Title:    "traffic between two subnets of the plan blocked by the other subnet's NACL",
			Doc: "Traffic between two subnets crosses both subnets' NACLs: the requests leave one and " +
				"enter the other, and the replies travel back through both. When one NACL allows " +
				"traffic to (or from) the subnets of another NACL, that other NACL must let the " +
				"requests in and the replies out too. The same holds for a NAT gateway's subnet on the " +
				"way to the internet, whose NACL also sees the replies arrive on the gateway's ports " +
				"1024-65535. Add the rule the finding suggests to the NACL it names.",
			Explain: explainRP004,
			run:     checkSubnetPaths,
		},
		{
			ID:       "RP005",
			Severity: Warning,
			Title:    "a security group opens an ephemeral range to 0.0.0.0/0 or ::/0",
			Doc: "Security groups are stateful: replies to connections the group allows pass without " +
				"any rule. An ingress rule that opens most of the ephemeral range (such as 1024-65535 " +
				"or 32768-65535) to the whole internet, written the way a NACL needs it, only exposes " +
				"every service that happens to listen on those ports. Remove the rule.",
			Explain: explainRP005,
			run:     checkEphemeralOpenings,
		},
		{
			ID:       "RP006",
			Severity: Warning,
			Title:    "NACL rules are defined in conflicting ways",
			Doc: "Inline ingress/egress blocks and standalone aws_network_acl_rule resources on one NACL " +
				"fight: each apply of one removes the rules of the other. Two rules with one rule number " +
				"in one direction make the apply fail (NetworkAclEntryAlreadyExists) and leave only the " +
				"first in force. Keep one style per NACL and give every rule its own number.",
			Explain: explainRP006,
			run:     checkRuleDefinitions,
		},
		{
			ID:       "RP007",
			Severity: Notice,
			Title:    "ICMP \"fragmentation needed\" not allowed in, breaking path-MTU discovery",
			Doc: "TCP endpoints learn the largest packet a path carries from ICMP messages routers send " +
				"back: IPv4 type 3 code 4 (fragmentation needed), ICMPv6 type 2 (packet too big). A " +
				"NACL that allows TCP with internet peers but drops those messages inbound makes " +
				"path-MTU discovery fail: connections open, small requests work, and large responses " +
				"hang. Allow them inbound from 0.0.0.0/0 and ::/0.",
			Explain: explainRP007,
			run:     checkPathMTU,
		},
		{
			ID:       "RP008",
			Severity: Warning,
			Title:    "a rule, association or placement cannot be linked or evaluated",
			Doc: "The plan holds a NACL or security-group rule, an association, a route or a workload " +
				"placement whose target or values are unknown until apply and cannot be resolved from " +
				"the configuration (a data source, a local, an opaque expression). Its effect is left " +
				"out of every other check, so those checks may miss problems. Reference the resource " +
				"directly or use literal values. What the plan cannot hold although the configuration " +
				"is fine (the CIDRs of a managed prefix list, a security group another configuration " +
				"manages) is a notice.",
			Explain: explainRP008,
			run:     checkUnresolved,
		},
		{
			ID:       ExpiredIgnore,
			Severity: Warning,
			Title:    "an ignore has passed its expiry date",
			Doc: "An ignore block of .returnpath.hcl or a returnpath:ignore comment has an expires date " +
				"that has passed. It no longer silences anything: the findings it covered are reported " +
				"again, and this warning names the ignore even when nothing matches it any more. Fix " +
				"the findings and remove the ignore, or give it a later date and a current reason.",
			Explain: explainRP009,
		},
	}
}

// Config adjusts the checks; the zero value of a field means its default.
type Config struct {
	// UnknownClients is the ephemeral range assumed for clients that are
	// on the internet or not known from the plan: NAT gateways, load
	// balancers and Lambda use all of 1024-65535. Replies must reach it.
	UnknownClients plan.PortRange
	// HostClients is the range of clients known to be Linux or Windows
	// hosts of the plan (32768-65535): subnets where the plan places only
	// instances, ECS tasks, databases and cache clusters. A return-path gap
	// that reaches it breaks ordinary clients: an error. A gap only in the
	// rest of UnknownClients breaks NAT gateways, load balancers and Lambda:
	// a warning unless one is on the path.
	HostClients plan.PortRange
	// Severity overrides the severity of every finding of a rule, by ID.
	Severity map[string]Severity
	// Disabled rules, by ID, report nothing.
	Disabled map[string]bool
}

// DefaultConfig holds the client ranges of SPEC.md and no overrides.
func DefaultConfig() Config {
	return Config{UnknownClients: plan.BroadEphemeral, HostClients: plan.HostEphemeral}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.UnknownClients == (plan.PortRange{}) || c.UnknownClients.Lo > c.UnknownClients.Hi {
		c.UnknownClients = d.UnknownClients
	}
	if c.HostClients == (plan.PortRange{}) || c.HostClients.Lo > c.HostClients.Hi {
		c.HostClients = d.HostClients
	}
	return c
}

// pass is one check running over one network.
type pass struct {
	check    *Check
	network  *plan.Network
	cfg      Config
	facts    *facts // shared by the passes over one network
	findings []Finding
}

// report records a finding of the running check; a finding without a
// severity gets the check's default.
func (p *pass) report(f Finding) {
	if f, ok := p.cfg.grade(p.check, f); ok {
		p.findings = append(p.findings, f)
	}
}

// Grade gives a finding made outside Run what Run gives its own findings:
// the rule's default severity when it has none, and the configured
// override. ok is false when the configuration disables the rule or no
// check has the finding's Rule. ExpiredIgnore findings come this way.
func (c Config) Grade(f Finding) (Finding, bool) {
	for _, check := range All() {
		if check.ID == f.Rule {
			return c.grade(check, f)
		}
	}
	return f, false
}

func (c Config) grade(check *Check, f Finding) (Finding, bool) {
	if c.Disabled[check.ID] {
		return f, false
	}
	f.Rule = check.ID
	if f.Severity == 0 {
		f.Severity = check.Severity
	}
	if s, ok := c.Severity[check.ID]; ok && s >= Notice && s <= Error {
		f.Severity = s
	}
	return f, true
}

// Run runs every check on the planned network and returns the findings in
// a stable order. When the plan has a prior state, the checks also run on
// it, and a planned finding that already exists there is marked Existing
// (the plan does not introduce it); the others are New.
func Run(m *plan.Model, cfg Config) []Finding {
	if m == nil || m.Planned == nil {
		return nil
	}
	cfg = cfg.withDefaults()
	findings := runAll(m.Planned, cfg)
	existing := map[findingKey]bool{}
	if m.Prior != nil {
		for _, f := range runAll(m.Prior, cfg) {
			existing[keyOf(f)] = true
		}
	}
	for i := range findings {
		findings[i].Status = New
		if existing[keyOf(findings[i])] {
			findings[i].Status = Existing
		}
	}
	slices.SortStableFunc(findings, compareFindings)
	return findings
}

func runAll(n *plan.Network, cfg Config) []Finding {
	var out []Finding
	shared := newFacts(n, cfg)
	for _, c := range All() {
		if c.run == nil || cfg.Disabled[c.ID] {
			continue
		}
		p := &pass{check: c, network: n, cfg: cfg, facts: shared}
		c.run(p)
		out = append(out, p.findings...)
	}
	return out
}

// findingKey identifies a finding across the prior and planned networks:
// rule numbers, witnesses and messages of a flow may change while the
// problem stays the same.
type findingKey struct {
	rule     string
	resource plan.Address
	dir      plan.Direction
	leg      Leg
	family   plan.Family
	protocol plan.Protocol
	peer     netip.Prefix
	service  plan.PortRange
	message  string // only for findings that are not about a flow
}

func keyOf(f Finding) findingKey {
	k := findingKey{rule: f.Rule, resource: f.Resource}
	if f.Flow == nil {
		k.message = f.Message
		return k
	}
	k.dir, k.leg, k.family, k.protocol = f.Flow.Direction, f.Flow.Leg, f.Flow.Family, f.Flow.Protocol
	k.peer, k.service = f.Flow.PeerCIDR, f.Flow.ServicePorts
	return k
}

// compareFindings orders by resource, rule, direction, family, peer and
// service ports, then message, so that output never depends on map or
// model order.
func compareFindings(a, b Finding) int {
	if c := cmp.Compare(a.Resource, b.Resource); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Rule, b.Rule); c != 0 {
		return c
	}
	var fa, fb Flow
	if a.Flow != nil {
		fa = *a.Flow
	}
	if b.Flow != nil {
		fb = *b.Flow
	}
	if c := cmp.Compare(fa.Direction, fb.Direction); c != 0 {
		return c
	}
	if c := cmp.Compare(fa.Family, fb.Family); c != 0 {
		return c
	}
	if c := comparePrefixes(fa.PeerCIDR, fb.PeerCIDR); c != 0 {
		return c
	}
	if c := cmp.Compare(fa.Protocol, fb.Protocol); c != 0 {
		return c
	}
	if c := cmp.Compare(fa.ServicePorts.Lo, fb.ServicePorts.Lo); c != 0 {
		return c
	}
	if c := cmp.Compare(fa.ServicePorts.Hi, fb.ServicePorts.Hi); c != 0 {
		return c
	}
	return cmp.Compare(a.Message, b.Message)
}

func comparePrefixes(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}
