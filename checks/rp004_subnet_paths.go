package checks

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// RP004: traffic one NACL's intent sends to (or accepts from) other
// subnets of the plan must also cross those subnets' NACL, requests one
// way and replies the other: that NACL must let both through. The same
// holds for a NAT gateway's subnet on the way to the internet.

var subnetPaths = Check{
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
}

const explainRP004 = `Why: traffic between two subnets with different NACLs crosses four rule
lists: the source NACL's egress (request), the destination NACL's ingress
(request), the destination NACL's egress (reply) and the source NACL's
ingress (reply). Writing the rules of one side is not enough: when one NACL
allows a flow to or from another subnet of the plan, the other subnet's
NACL must allow it too, in both directions.

returnpath follows a NACL rule whose peer lies within the subnets of one
other NACL, and the paths of private subnets that route 0.0.0.0/0 to a NAT
gateway: their internet traffic crosses the NAT gateway subnet's NACL
twice, and its replies come back to the NAT gateway on 1024-65535.

Example: the app NACL sends 8080 to the service subnet, whose NACL lets the
requests in but has no egress back to the app subnet.

  resource "aws_network_acl_rule" "app_to_svc" {
    network_acl_id = aws_network_acl.app.id
    rule_number    = 100
    egress         = true
    protocol       = "tcp"
    rule_action    = "allow"
    cidr_block     = "10.0.2.0/24"
    from_port      = 8080
    to_port        = 8080
  }

Fix: the finding names the NACL to change and the leg: add the request
port on a request leg, the client's ephemeral range on a reply leg.

  resource "aws_network_acl_rule" "svc_egress_ephemeral" {
    network_acl_id = aws_network_acl.svc.id
    rule_number    = 110
    egress         = true
    protocol       = "tcp"
    rule_action    = "allow"
    cidr_block     = "10.0.1.0/24"
    from_port      = 1024
    to_port        = 65535
  }
`

func checkSubnetPaths(p *pass) {
	f := p.facts
	// RP003 reports these legs, naming the security group; by NACL side,
	// so that each crossing compares with the legs of its own.
	type side struct {
		nacl   *plan.NACL
		dir    plan.Direction
		leg    Leg
		family plan.Family
	}
	sgLegs := map[side][]brokenLeg{}
	for _, l := range f.securityGroups().legs {
		k := side{l.nacl, l.dir, l.leg, l.family}
		sgLegs[k] = append(sgLegs[k], l)
	}
	seen := map[crossingKey]bool{}
	report := func(c crossing) {
		key := c.key()
		if seen[key] {
			return
		}
		seen[key] = true
		fd, leg, ok := f.evaluate(c)
		if !ok {
			return
		}
		for _, l := range sgLegs[side{leg.nacl, leg.dir, leg.leg, leg.family}] {
			if l.same(leg) {
				return // RP003 reports it, naming the security group
			}
		}
		p.report(*fd)
	}
	for _, n := range p.network.NACLs {
		if p.facts.canceled() {
			return
		}
		if n == nil || len(n.Subnets) == 0 {
			continue
		}
		for _, fam := range families() {
			for _, dir := range []plan.Direction{plan.Ingress, plan.Egress} {
				for _, d := range f.rules().decisionsOf(n, dir, fam) {
					e, decided := d.entry, d.decided
					if !isIntent(*e) || decided.IsEmpty() {
						continue
					}
					for _, c := range f.peerSubnetCrossings(n, fam, e, d.addrs) {
						report(c)
					}
					if dir == plan.Egress {
						for _, c := range f.natCrossings(n, fam, e, d.addrs) {
							report(c)
						}
					}
				}
			}
		}
	}
}

// peerSubnetCrossings are the crossings of NACL m when the intent e of n
// names subnets of m: its peer (decidedAddrs, the addresses of the
// traffic e decides) lies within m's subnets (and n's own). An
// intent towards a wider range (the VPC CIDR) does not say which subnets
// it means, so it names none.
func (f *facts) peerSubnetCrossings(n *plan.NACL, fam plan.Family, e *plan.Entry, decidedAddrs []nacleval.AddrRange) []crossing {
	var target *plan.NACL
	var targets []*plan.Subnet
	for _, peer := range decidedAddrs {
		// Walk the subnets in address order: the first address of the
		// peer that no subnet holds ends the search (the VPC's CIDR, the
		// internet), as does a second NACL or the VPC's default one.
		at, named := peer.Lo, true
		f.subnets().eachOverlapping(n.VPC, fam, peer, func(o indexedSubnet) bool {
			if at.Less(o.r.Lo) {
				named = false
				return false
			}
			if o.r.Hi.Compare(at) >= 0 {
				at = o.r.Hi.Next()
			}
			if o.subnet.NACL == n {
				return at.IsValid() && at.Compare(peer.Hi) <= 0
			}
			if o.subnet.NACL == nil || (target != nil && o.subnet.NACL != target) {
				named = false
				return false
			}
			target = o.subnet.NACL
			if !slices.Contains(targets, o.subnet) {
				targets = append(targets, o.subnet)
			}
			return at.IsValid() && at.Compare(peer.Hi) <= 0
		})
		if !named || (at.IsValid() && at.Compare(peer.Hi) <= 0) {
			return nil
		}
	}
	if target == nil {
		return nil
	}
	var out []crossing
	for _, s := range n.Subnets {
		r, ok := nacleval.PrefixRange(s.Prefix(fam))
		if !ok {
			continue
		}
		c := crossing{
			nacl: target, dir: e.Direction.Opposite(), family: fam, proto: e.Protocol, service: e.Ports,
			remote: []nacleval.AddrRange{r},
		}
		if !f.requests(&c) {
			continue // nothing to find: left out before it is described
		}
		out = append(out, f.describePeerSubnet(c, n, e, s, targets))
	}
	return out
}

// describePeerSubnet names the ends of a crossing of peerSubnetCrossings
// and how to check its replies. (Apart, so that only a crossing described
// keeps what its texts need.)
func (f *facts) describePeerSubnet(c crossing, n *plan.NACL, e *plan.Entry, s *plan.Subnet, targets []*plan.Subnet) crossing {
	fam := c.family
	c.remotePrefix = s.Prefix(fam).Masked()
	c.locals, c.local = targets, firstPrefix(targets, fam)
	c.allowedBy = RuleRef{Address: e.Source, Number: e.Number}
	c.allowedByText = func() string { return fmt.Sprintf("%s %s rule %d", n.Address, e.Direction, e.Number) }
	c.localText = func() string { return subnetsText(targets, fam) }
	c.remoteText = func() string { return subnetText(s, fam) }
	c.replies = f.subnetReplies(c)
	return c
}

// subnetReplies checks the replies of a crossing between subnets: towards
// the remote subnet's clients when the requests enter the NACL's subnets,
// else towards its own subnets' clients.
func (f *facts) subnetReplies(c crossing) func([]nacleval.AddrRange, nacleval.Rules) replyGap {
	vpc := naclVPC(c.nacl, c.locals)
	fam, proto := c.family, c.proto // not c: the closures keep what they use
	if c.dir == plan.Ingress {
		return func(ranges []nacleval.AddrRange, rules nacleval.Rules) replyGap {
			return f.replies().remoteReplyGap(vpc, fam, proto, ranges, subnetWorkloads, nil, rules)
		}
	}
	who := f.replies().subnetsClients(c.locals, subnetWorkloads)
	return func(ranges []nacleval.AddrRange, rules nacleval.Rules) replyGap {
		return localReplyGap(proto, ranges, who, nil, rules)
	}
}

// natCrossings follow an outbound intent of n through NAT gateways: for
// each subnet of n whose route table sends part of the intent's peer to a
// NAT gateway of the plan, the NAT gateway's subnet NACL sees the requests
// arrive from the subnet and leave for the peer, and the replies come
// back from the peer to the NAT gateway's ports 1024-65535 and go on to
// the subnet's clients. An IPv6 intent reaches NAT gateways through NAT64
// routes (64:ff9b::/96): the requests arrive over IPv6 and leave, like
// the replies' way back in, over IPv4 to the addresses the NAT64
// addresses embed.
func (f *facts) natCrossings(n *plan.NACL, fam plan.Family, e *plan.Entry, decidedAddrs []nacleval.AddrRange) []crossing {
	peers := nacleval.AddrSpace(decidedAddrs...)
	var crossings []crossing
	for _, s := range n.Subnets {
		routes := natRoutes(s)
		if fam == plan.IPv6 {
			routes = nat64Routes(s)
		}
		for _, via := range routes {
			internet := peers.Intersect(via.space)
			if internet.IsEmpty() {
				continue
			}
			outside := internet.AddrRanges()
			if fam == plan.IPv6 {
				outside = nat64IPv4(outside)
			}
			for _, natSubnet := range via.nat.Subnets {
				m := natSubnet.NACL
				if m == nil || natSubnet == s || !natSubnet.IPv4.IsValid() {
					continue
				}
				peerPrefix := e.Prefix.Masked()
				if fam == plan.IPv6 {
					peerPrefix = netip.PrefixFrom(netip.IPv4Unspecified(), 0) // several IPv4 ranges
				}
				if len(outside) == 1 {
					if p, ok := nacleval.RangePrefix(outside[0]); ok {
						peerPrefix = p
					}
				}
				natText := func() string { return fmt.Sprintf("%s in %s", via.nat.Address, subnetText(natSubnet, plan.IPv4)) }
				base := crossing{
					nacl: m, proto: e.Protocol, service: e.Ports,
					locals:        []*plan.Subnet{natSubnet},
					allowedBy:     RuleRef{Address: e.Source, Number: e.Number},
					allowedByText: func() string { return fmt.Sprintf("%s egress rule %d", n.Address, e.Number) },
				}
				// The requests enter the NAT gateway's subnet from s, in
				// the intent's family; the replies go back to s's clients.
				if local, ok := nacleval.PrefixRange(s.Prefix(fam)); ok && natSubnet.Prefix(fam).IsValid() {
					in := base
					in.dir, in.family, in.local = plan.Ingress, fam, natSubnet.Prefix(fam).Masked()
					in.remote, in.remotePrefix = []nacleval.AddrRange{local}, s.Prefix(fam).Masked()
					in.remoteText = func() string { return subnetText(s, fam) }
					in.localText = func() string { return fmt.Sprintf("%s via %s", peerPrefix, natText()) }
					in.replies = f.subnetReplies(in)
					crossings = append(crossings, in)
				}
				// The NAT gateway opens the connections to the peer over
				// IPv4, from its ports 1024-65535.
				out := base
				out.dir, out.family, out.local = plan.Egress, plan.IPv4, natSubnet.IPv4.Masked()
				out.remote, out.remotePrefix = outside, peerPrefix
				out.remoteText = peerPrefix.String
				out.localText = func() string { return fmt.Sprintf("%s for %s", natText(), subnetText(s, fam)) }
				nat := clients{ports: plan.BroadEphemeral, broad: via.nat, broadSubnet: natSubnet}
				out.replies = func(ranges []nacleval.AddrRange, rules nacleval.Rules) replyGap {
					return localReplyGap(e.Protocol, ranges, nat, nil, rules)
				}
				crossings = append(crossings, out)
			}
		}
	}
	return crossings
}

// natRoute is the part of the address space a subnet sends to one NAT
// gateway.
type natRoute struct {
	nat   *plan.Workload
	space nacleval.Space
}

// natRoutes finds, by longest prefix match over the subnet's routes, the
// IPv4 destinations that go to each NAT gateway; the VPC's own CIDRs stay
// local.
func natRoutes(s *plan.Subnet) []natRoute {
	var out []natRoute
	for _, r := range s.Routes {
		if r.NATGateway == nil || !r.Destination.Addr().Is4() {
			continue
		}
		dest, ok := nacleval.PrefixRange(r.Destination)
		if !ok {
			continue
		}
		via := nacleval.AddrSpace(dest)
		for _, other := range s.Routes {
			if other.Destination.IsValid() && other.Destination.Addr().Is4() && other.Destination.Bits() > r.Destination.Bits() {
				if o, ok := nacleval.PrefixRange(other.Destination); ok {
					via = via.Subtract(nacleval.AddrSpace(o))
				}
			}
		}
		if s.VPC != nil {
			for _, cidr := range s.VPC.IPv4 {
				if c, ok := nacleval.PrefixRange(cidr); ok {
					via = via.Subtract(nacleval.AddrSpace(c))
				}
			}
		}
		if !via.IsEmpty() {
			out = append(out, natRoute{nat: r.NATGateway, space: via})
		}
	}
	return out
}
