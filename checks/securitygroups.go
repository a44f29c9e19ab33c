package checks

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/plan"
)

// RP003: a security-group allow (a TCP or UDP service) whose traffic a
// NACL on its path drops, requests or replies. Security groups are
// stateful and allow the replies themselves; NACLs are not.

func checkSecurityGroups(p *pass) {
	for _, f := range p.facts.securityGroupFindings() {
		p.report(f)
	}
}

// securityGroupFindings evaluates every service rule of every group with
// members, once per network: RP004 reads which legs it found.
func (f *facts) securityGroupFindings() []Finding {
	if f.sgDone {
		return f.sgFindings
	}
	f.sgDone = true
	seen := map[crossingKey]bool{}
	for _, g := range f.network.SecurityGroups {
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
						f.sgFindings = append(f.sgFindings, *fd)
						f.sgLegs = append(f.sgLegs, leg)
					}
				}
			}
		}
	}
	return f.sgFindings
}

// crossingKey identifies a crossing's NACL, direction, traffic and ends.
type crossingKey struct {
	nacl    plan.Address
	dir     plan.Direction
	family  plan.Family
	proto   plan.Protocol
	service plan.PortRange
	remote  netip.Prefix
	locals  string // the local subnets' addresses, joined by ","
}

func (c crossing) key() crossingKey {
	k := crossingKey{nacl: c.nacl.Address, dir: c.dir, family: c.family, proto: c.proto, service: c.service, remote: c.remotePrefix}
	switch len(c.locals) {
	case 0:
	case 1:
		k.locals = string(c.locals[0].Address)
	default:
		addrs := make([]string, len(c.locals))
		for i, s := range c.locals {
			addrs[i] = string(s.Address)
		}
		k.locals = strings.Join(addrs, ",")
	}
	return k
}

// membersIn are the members of group g placed in subnet s.
func (f *facts) membersIn(g *plan.SecurityGroup, s *plan.Subnet) []*plan.Workload {
	bySubnet, ok := f.members[g]
	if !ok {
		bySubnet = map[*plan.Subnet][]*plan.Workload{}
		for _, w := range g.Members {
			for _, ws := range w.Subnets {
				bySubnet[ws] = append(bySubnet[ws], w)
			}
		}
		f.members[g] = bySubnet
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
	own := g.Subnets()
	var out []crossing
	switch r.Peer {
	case plan.PeerCIDR:
		fam := plan.FamilyOf(r.Prefix)
		peer, ok := prefixRange(r.Prefix)
		if !ok {
			return nil
		}
		order, groups := byNACL(own, fam)
		for _, n := range order {
			locals := groups[n]
			c := f.groupEnd(g, r, n, locals, fam)
			c.remote = subtractRanges([]addrRange{peer}, f.exemptRangesAt(naclVPC(n, locals), locals, fam))
			c.remotePrefix, c.remoteText = r.Prefix, r.Prefix.String
			c.replies = f.replies(c, subnetWorkloads, g, locals)
			c.scopedReplies = true
			out = append(out, c)
		}
	case plan.PeerGroup:
		if r.Group == nil {
			return nil
		}
		peerSubnets := r.Group.Subnets()
		for _, fam := range families() {
			// This group's end: requests cross in the rule's direction.
			order, groups := byNACL(own, fam)
			for _, n := range order {
				for _, other := range peerSubnets {
					locals := withoutSubnet(groups[n], other)
					if len(locals) == 0 || !other.Prefix(fam).IsValid() {
						continue
					}
					c := f.groupEnd(g, r, n, locals, fam)
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
					c := f.groupEnd(r.Group, r, n, locals, fam)
					c.dir = r.Direction.Opposite()
					f.remoteSubnet(&c, r.Group, g, other, locals)
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// groupEnd starts a crossing of rule r at NACL n, whose subnets locals
// hold members of group local.
func (f *facts) groupEnd(local *plan.SecurityGroup, r plan.SGRule, n *plan.NACL, locals []*plan.Subnet, fam plan.Family) crossing {
	allowedBy := func() string {
		if r.Inline {
			return fmt.Sprintf("%s inline %s rule", r.Source, r.Direction)
		}
		return string(r.Source)
	}
	return crossing{
		nacl: n, dir: r.Direction, family: fam, proto: r.Protocol, service: r.Ports,
		locals: locals, local: firstPrefix(locals, fam),
		allowedBy: RuleRef{Address: r.Source}, allowedByText: allowedBy,
		localText: func() string { return membersText(local, locals, fam, f.membersIn) },
	}
}

// remoteSubnet sets a crossing's remote end to the members of group
// remote in subnet other; local is the group at the NACL's end.
func (f *facts) remoteSubnet(c *crossing, local, remote *plan.SecurityGroup, other *plan.Subnet, locals []*plan.Subnet) {
	peer, _ := prefixRange(other.Prefix(c.family))
	c.remote = subtractRanges([]addrRange{peer}, f.exemptRangesAt(naclVPC(c.nacl, locals), locals, c.family))
	c.remotePrefix = other.Prefix(c.family).Masked()
	fam := c.family
	c.remoteText = func() string { return membersText(remote, []*plan.Subnet{other}, fam, f.membersIn) }
	members := func(s *plan.Subnet) []*plan.Workload { return f.membersIn(remote, s) }
	c.replies = f.replies(*c, members, local, locals)
}

// replies checks the replies of a crossing: towards remote clients
// (members picks them in each subnet) when the requests enter the NACL's
// subnets, else towards the local group's members.
func (f *facts) replies(c crossing, remoteMembers func(*plan.Subnet) []*plan.Workload, local *plan.SecurityGroup, locals []*plan.Subnet) func([]addrRange, []plan.Entry) replyGap {
	vpc := naclVPC(c.nacl, locals)
	if c.dir == plan.Ingress {
		return func(ranges []addrRange, entries []plan.Entry) replyGap {
			return f.remoteReplyGap(vpc, c.family, c.proto, ranges, remoteMembers, nil, entries)
		}
	}
	who := f.subnetsClients(locals, func(s *plan.Subnet) []*plan.Workload {
		if local == nil {
			return s.Workloads
		}
		return f.membersIn(local, s)
	})
	return func(ranges []addrRange, entries []plan.Entry) replyGap {
		return localReplyGap(c.proto, c.family, ranges, who, nil, entries)
	}
}

// naclVPC is the VPC of a NACL, else of its subnets.
func naclVPC(n *plan.NACL, subnets []*plan.Subnet) *plan.VPC {
	if n != nil && n.VPC != nil {
		return n.VPC
	}
	for _, s := range subnets {
		if s != nil && s.VPC != nil {
			return s.VPC
		}
	}
	return nil
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

// RP005: a security group that opens an ephemeral range to the whole
// internet. Security groups are stateful: replies pass without such a
// rule, which only exposes whatever listens on those ports.

// ephemeralShare is how much of the Linux ephemeral range a rule must
// cover to count as opening "the ephemeral range".
const ephemeralShare = 0.5

func checkEphemeralOpenings(p *pass) {
	world := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	for _, g := range p.network.SecurityGroups {
		if g == nil {
			continue
		}
		for _, r := range g.Ingress {
			if r.Peer != plan.PeerCIDR || !slices.Contains(world, r.Prefix) || !opensEphemeral(r) {
				continue
			}
			where := "its inline ingress rule"
			if !r.Inline {
				where = "ingress rule " + string(r.Source)
			}
			p.report(Finding{
				Resource: g.Address,
				Message: fmt.Sprintf("%s allows %s/%s from %s: security groups are stateful and let replies back without it, "+
					"so it only exposes whatever listens on those ports to the internet; remove it", where, r.Protocol, r.Ports, r.Prefix),
				Subnets: groupSubnetRefs(g),
			})
		}
	}
}

// opensEphemeral reports whether a TCP or UDP rule from a port at or above
// 1024 covers most of 32768-60999. A rule from port 0 opens everything,
// which is not the return-traffic mistake this rule is about.
func opensEphemeral(r plan.SGRule) bool {
	if r.Protocol != plan.ProtocolTCP && r.Protocol != plan.ProtocolUDP || r.Ports.Lo < 1024 {
		return false
	}
	lo, hi := max(r.Ports.Lo, plan.LinuxEphemeral.Lo), min(r.Ports.Hi, plan.LinuxEphemeral.Hi)
	return lo <= hi && float64(int(hi)-int(lo)+1) >= ephemeralShare*float64(plan.LinuxEphemeral.Len())
}

// groupSubnetRefs names the subnets where a group's members live.
func groupSubnetRefs(g *plan.SecurityGroup) []SubnetRef {
	var refs []SubnetRef
	for _, s := range g.Subnets() {
		ref := SubnetRef{Address: s.Address}
		if s.IPv4.IsValid() {
			ref.CIDR = s.IPv4.String()
		} else if s.IPv6.IsValid() {
			ref.CIDR = s.IPv6.String()
		}
		refs = append(refs, ref)
	}
	return refs
}
