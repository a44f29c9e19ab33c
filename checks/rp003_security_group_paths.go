package checks

import (
	"fmt"
	"slices"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// RP003: a security-group allow (a TCP or UDP service) whose traffic a
// NACL on its path drops, requests or replies. Security groups are
// stateful and allow the replies themselves; NACLs are not.

var securityGroupPaths = Check{
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
}

const explainRP003 = `Why: a security group is stateful, a network ACL is not. When a group
allows a service (ingress 5432 from the app subnets, egress 443 to the
internet), its members' traffic still crosses the NACL of their subnet
twice: the requests one way, the replies the other, on the client's
ephemeral port. The group letting the traffic through says nothing about
the NACL: "the security group allows it, the NACL silently drops it" is
the most common breakage, and neither side's checks see it alone.

returnpath places the group's members in subnets (instances, network
interfaces, load balancers, Lambda vpc_config, ECS services, RDS and
ElastiCache through their subnet groups, autoscaling groups with their
launch templates) and evaluates the NACL of each such subnet for the
allowed requests and for their replies. A request leg the NACL drops is
reported when the NACL drops all of it; a dropped reply always is.

Example: the db group allows 5432 from the VPC, the db subnet's NACL lets
5432 in but sends no replies back to the app subnets.

  resource "aws_security_group_rule" "db_from_app" {
    type              = "ingress"
    security_group_id = aws_security_group.db.id
    protocol          = "tcp"
    from_port         = 5432
    to_port           = 5432
    cidr_blocks       = ["10.0.0.0/16"]
  }

Fix: allow what the message says is missing on the NACL it names: the
service port for a request leg, the clients' ephemeral range (32768-65535
for hosts, 1024-65535 for load balancers, NAT gateways and Lambda) for a
reply leg, numbered below any deny that matches first.

  resource "aws_network_acl_rule" "db_egress_ephemeral" {
    network_acl_id = aws_network_acl.db.id
    rule_number    = 110
    egress         = true
    protocol       = "tcp"
    rule_action    = "allow"
    cidr_block     = "10.0.0.0/16"
    from_port      = 32768
    to_port        = 65535
  }
`

func checkSecurityGroups(p *pass) {
	for _, f := range p.facts.securityGroups().findings {
		p.report(f)
	}
}

// securityGroupEvaluation is RP003's evaluation of every service rule of
// every group with members, computed once per network (facts.securityGroups)
// and read by two rules: RP003 reports the findings, RP004 leaves the legs
// they are about to RP003. Readers never write it.
type securityGroupEvaluation struct {
	findings []Finding   // without rule: RP003 grades them
	legs     []brokenLeg // what each finding is about
}

func evaluateSecurityGroups(f *facts) *securityGroupEvaluation {
	out := &securityGroupEvaluation{}
	rules := 0 // about one crossing each: the map need not grow
	for _, g := range f.network.SecurityGroups {
		if g != nil {
			rules += len(g.Ingress) + len(g.Egress)
		}
	}
	seen := make(map[crossingKey]bool, rules)
	for _, g := range f.network.SecurityGroups {
		if f.canceled() {
			return out // partial: Run returns the context's error
		}
		if g == nil || len(g.Members) == 0 {
			continue
		}
		for _, dir := range []plan.Direction{plan.Ingress, plan.Egress} {
			for _, r := range g.Rules(dir) {
				if !isService(r.Protocol, r.Ports) {
					continue
				}
				for _, c := range f.ruleCrossings(g, r) {
					key := c.key()
					if seen[key] {
						continue // the same connection, allowed by another rule too
					}
					seen[key] = true
					if fd, leg, ok := f.evaluate(c); ok {
						out.findings = append(out.findings, *fd)
						out.legs = append(out.legs, leg)
					}
				}
			}
		}
	}
	return out
}

// groupMembers are the members of each security group by subnet, and
// where they sit: each group has several rules to evaluate.
type groupMembers struct {
	bySubnet  map[*plan.SecurityGroup]map[*plan.Subnet][]*plan.Workload
	inSubnets map[*plan.SecurityGroup][]*plan.Subnet
	bySide    map[groupFamily][]groupSide
}

// groupFamily is one family of a security group.
type groupFamily struct {
	group *plan.SecurityGroup
	fam   plan.Family
}

// groupSide is the subnets of a group's members behind one NACL, for one
// family, and the addresses NACLs never filter for them (rangesAt).
type groupSide struct {
	nacl   *plan.NACL
	locals []*plan.Subnet
	exempt []nacleval.AddrRange
}

// subnets is g.Subnets(), worked out once per group.
func (m *groupMembers) subnets(g *plan.SecurityGroup) []*plan.Subnet {
	s, ok := m.inSubnets[g]
	if !ok {
		s = g.Subnets()
		m.inSubnets[g] = s
	}
	return s
}

// groupSides are the subnets of g's members by NACL (see byNACL), with a
// CIDR of family fam.
func (f *facts) groupSides(g *plan.SecurityGroup, fam plan.Family) []groupSide {
	m := f.members()
	key := groupFamily{g, fam}
	sides, ok := m.bySide[key]
	if !ok {
		order, groups := byNACL(m.subnets(g), fam)
		for _, n := range order {
			locals := groups[n]
			sides = append(sides, groupSide{n, locals, f.exempt().rangesAt(naclVPC(n, locals), locals, fam)})
		}
		m.bySide[key] = sides
	}
	return sides
}

// in are the members of group g placed in subnet s.
func (m *groupMembers) in(g *plan.SecurityGroup, s *plan.Subnet) []*plan.Workload {
	bySubnet, ok := m.bySubnet[g]
	if !ok {
		bySubnet = map[*plan.Subnet][]*plan.Workload{}
		for _, w := range g.Members {
			for _, ws := range w.Subnets {
				bySubnet[ws] = append(bySubnet[ws], w)
			}
		}
		m.bySubnet[g] = bySubnet
	}
	return bySubnet[s]
}

// byNACL groups subnets with a CIDR of family fam by their NACL, in the
// order of the subnets; subnets whose NACL the plan does not manage are
// left out (nothing is known of it).
func byNACL(subnets []*plan.Subnet, fam plan.Family) ([]*plan.NACL, map[*plan.NACL][]*plan.Subnet) {
	var order []*plan.NACL
	groups := map[*plan.NACL][]*plan.Subnet{}
	for _, s := range subnets {
		if s == nil || s.NACL == nil || !s.Prefix(fam).IsValid() {
			continue
		}
		if _, ok := groups[s.NACL]; !ok {
			order = append(order, s.NACL)
		}
		groups[s.NACL] = append(groups[s.NACL], s)
	}
	return order, groups
}

// ruleCrossings are the NACL crossings of the connections a security-group
// rule allows. For a CIDR peer, the NACLs of the subnets where the group's
// members live; for a group peer, the NACLs at both ends, one crossing per
// subnet at the other end. Prefix-list peers are not in the plan (RP008
// says so).
func (f *facts) ruleCrossings(g *plan.SecurityGroup, r plan.SGRule) []crossing {
	own := f.members().subnets(g)
	var out []crossing
	switch r.Peer {
	case plan.PeerCIDR:
		fam := plan.FamilyOf(r.Prefix)
		peer, ok := nacleval.PrefixRange(r.Prefix)
		if !ok {
			return nil
		}
		peers := []nacleval.AddrRange{peer}
		for _, side := range f.groupSides(g, fam) {
			n, locals := side.nacl, side.locals
			// Asked of the whole peer first (one box, not one per piece
			// the exempt addresses leave): when its traffic is all an
			// intent rule's, so is every part of it.
			whole := ruleRequests(r, n, fam)
			whole.remote = peers
			if !f.requests(&whole) {
				continue // nothing to find: left out before it is described
			}
			c := ruleRequests(r, n, fam)
			c.remote = nacleval.SubtractRanges(peers, side.exempt)
			if !f.requests(&c) {
				continue
			}
			c = f.groupEnd(c, g, r, locals)
			c.remotePrefix, c.remoteText = r.Prefix, r.Prefix.String
			c.replies = f.groupReplies(c, subnetWorkloads, g, locals)
			c.scopedReplies = true
			out = append(out, c)
		}
	case plan.PeerGroup:
		if r.Group == nil {
			return nil
		}
		peerSubnets := f.members().subnets(r.Group)
		for _, fam := range families() {
			// This group's end: requests cross in the rule's direction.
			order, groups := byNACL(own, fam)
			for _, n := range order {
				for _, other := range peerSubnets {
					locals := withoutSubnet(groups[n], other)
					if len(locals) == 0 || !other.Prefix(fam).IsValid() {
						continue
					}
					c := f.groupEnd(ruleRequests(r, n, fam), g, r, locals)
					f.remoteSubnet(&c, g, r.Group, other, locals)
					out = append(out, c)
				}
			}
			// The peer group's end: requests cross the other way.
			order, groups = byNACL(peerSubnets, fam)
			for _, n := range order {
				for _, other := range own {
					locals := withoutSubnet(groups[n], other)
					if len(locals) == 0 || !other.Prefix(fam).IsValid() {
						continue
					}
					c := f.groupEnd(ruleRequests(r, n, fam), r.Group, r, locals)
					c.dir = r.Direction.Opposite()
					f.remoteSubnet(&c, r.Group, g, other, locals)
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// ruleRequests starts a crossing of rule r's traffic at NACL n.
func ruleRequests(r plan.SGRule, n *plan.NACL, fam plan.Family) crossing {
	return crossing{nacl: n, dir: r.Direction, family: fam, proto: r.Protocol, service: r.Ports}
}

// groupEnd describes the NACL's end of c, a crossing of rule r: its
// subnets locals hold members of group local.
func (f *facts) groupEnd(c crossing, local *plan.SecurityGroup, r plan.SGRule, locals []*plan.Subnet) crossing {
	allowedBy := func() string {
		if r.Inline {
			return fmt.Sprintf("%s inline %s rule", r.Source, r.Direction)
		}
		return string(r.Source)
	}
	fam := c.family
	c.locals, c.local = locals, firstPrefix(locals, fam)
	c.allowedBy, c.allowedByText = RuleRef{Address: r.Source}, allowedBy
	c.localText = func() string { return membersText(local, locals, fam, f.members().in) }
	return c
}

// remoteSubnet sets a crossing's remote end to the members of group
// remote in subnet other; local is the group at the NACL's end.
func (f *facts) remoteSubnet(c *crossing, local, remote *plan.SecurityGroup, other *plan.Subnet, locals []*plan.Subnet) {
	peer, _ := nacleval.PrefixRange(other.Prefix(c.family))
	c.remote = nacleval.SubtractRanges([]nacleval.AddrRange{peer}, f.exempt().rangesAt(naclVPC(c.nacl, locals), locals, c.family))
	c.remotePrefix = other.Prefix(c.family).Masked()
	fam := c.family
	c.remoteText = func() string { return membersText(remote, []*plan.Subnet{other}, fam, f.members().in) }
	members := func(s *plan.Subnet) []*plan.Workload { return f.members().in(remote, s) }
	c.replies = f.groupReplies(*c, members, local, locals)
}

// groupReplies checks the replies of a crossing: towards remote clients
// (members picks them in each subnet) when the requests enter the NACL's
// subnets, else towards the local group's members.
func (f *facts) groupReplies(c crossing, remoteMembers func(*plan.Subnet) []*plan.Workload, local *plan.SecurityGroup, locals []*plan.Subnet) func([]nacleval.AddrRange, nacleval.Rules) replyGap {
	vpc := naclVPC(c.nacl, locals)
	fam, proto := c.family, c.proto // not c: the closures keep what they use
	if c.dir == plan.Ingress {
		return func(ranges []nacleval.AddrRange, rules nacleval.Rules) replyGap {
			return f.replies().remoteReplyGap(vpc, fam, proto, ranges, remoteMembers, nil, rules)
		}
	}
	who := f.replies().subnetsClients(locals, func(s *plan.Subnet) []*plan.Workload {
		if local == nil {
			return s.Workloads
		}
		return f.members().in(local, s)
	})
	return func(ranges []nacleval.AddrRange, rules nacleval.Rules) replyGap {
		return localReplyGap(proto, ranges, who, nil, rules)
	}
}

func withoutSubnet(subnets []*plan.Subnet, s *plan.Subnet) []*plan.Subnet {
	return slices.DeleteFunc(slices.Clone(subnets), func(x *plan.Subnet) bool { return x == s })
}

// membersText names the members of a group in subnets: the workload when
// there is one, else the group.
func membersText(g *plan.SecurityGroup, subnets []*plan.Subnet, fam plan.Family, membersIn func(*plan.SecurityGroup, *plan.Subnet) []*plan.Workload) string {
	var who []*plan.Workload
	for _, s := range subnets {
		for _, w := range membersIn(g, s) {
			if !slices.Contains(who, w) {
				who = append(who, w)
			}
		}
	}
	name := fmt.Sprintf("%s members", g.Address)
	if len(who) == 1 {
		name = string(who[0].Address)
	}
	return name + " in " + subnetsText(subnets, fam)
}
