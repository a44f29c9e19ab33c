package checks

import (
	"net/netip"
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// WitnessQuery is the trace of a flow finding's witness packet in network
// n: the connection the dropped packet belongs to, from its client to its
// server, with the witness's client port. The end on the finding's NACL is
// placed in the NACL's subnet that holds it. For a finding about a
// security-group rule, the members of the group (and of the group it
// names as peer) in the subnets at either end are the endpoints' workloads,
// so that their security groups are traced too. ok is false for findings
// without a complete witness (a NACL with no subnet of the family).
func WitnessQuery(n *plan.Network, f Finding) (q TraceQuery, ok bool) {
	fl := f.Flow
	if fl == nil || !fl.Witness.Src.Addr().IsValid() || !fl.Witness.Dst.Addr().IsValid() {
		return TraceQuery{}, false
	}
	w := fl.Witness
	// The witness is a request (RequestLeg) or a reply to one.
	client, server := w.Src, w.Dst
	if fl.Leg == ReplyLeg {
		client, server = w.Dst, w.Src
	}
	if !fl.Protocol.HasPorts() {
		return TraceQuery{}, false
	}
	var nacl *plan.NACL
	for _, x := range n.NACLs {
		if x != nil && x.Address == f.Resource {
			nacl = x
		}
	}
	if nacl == nil {
		return TraceQuery{}, false
	}
	// Requests that enter the NACL's subnets (Direction ingress) go to a
	// server there; requests that leave them come from a client there.
	var local, remote netip.Addr
	serverLocal := fl.Direction == plan.Ingress
	if serverLocal {
		local, remote = server.Addr(), client.Addr()
	} else {
		local, remote = client.Addr(), server.Addr()
	}
	localEnd := TraceEndpoint{Name: local.String(), Addr: local}
	for _, s := range nacl.Subnets {
		if p := s.Prefix(familyOfAddr(local)); p.IsValid() && p.Contains(local) {
			localEnd.Subnet = s
			break
		}
	}
	if localEnd.Subnet == nil {
		return TraceQuery{}, false
	}
	remoteEnd := TraceEndpoint{Name: remote.String(), Addr: remote}
	for _, s := range subnetsHolding(n, remote) {
		if remoteEnd.Subnet == nil || s.VPC == localEnd.Subnet.VPC {
			remoteEnd.Subnet = s
		}
	}
	if g, r := intentGroup(n, fl.IntentRule); g != nil {
		// The rule's group is at the NACL's end when the NACL's subnets
		// hold its members, else at the other end.
		ends := []*TraceEndpoint{&localEnd, &remoteEnd}
		if member(g, remoteEnd.Subnet) != nil && member(g, localEnd.Subnet) == nil {
			ends = []*TraceEndpoint{&remoteEnd, &localEnd}
		}
		ends[0].Workload = member(g, ends[0].Subnet)
		if r.Peer == plan.PeerGroup && r.Group != nil {
			ends[1].Workload = member(r.Group, ends[1].Subnet)
		}
	}
	q = TraceQuery{Protocol: fl.Protocol, Port: server.Port(), ClientPort: client.Port()}
	if serverLocal {
		q.From, q.To = remoteEnd, localEnd
	} else {
		q.From, q.To = localEnd, remoteEnd
	}
	if s := natClient(n, nacl, fl.IntentRule, localEnd.Subnet, remote); !serverLocal && remoteEnd.Subnet == nil && s != nil {
		// The NAT gateway's subnet opens these connections for another
		// subnet, whose NACL's intent it is: trace them from there, the
		// witness's port being the gateway's.
		from := standIn(s.IPv4)
		q.From = TraceEndpoint{Name: from.String(), Addr: from, Subnet: s}
		q.ClientPort, q.NATPort = 0, client.Port()
	}
	return q, true
}

// natClient is the subnet whose NACL holds the intent ref and whose route
// table sends remote to a NAT gateway in natSubnet; nil when there is
// none (the intent is nacl's own).
func natClient(n *plan.Network, nacl *plan.NACL, ref RuleRef, natSubnet *plan.Subnet, remote netip.Addr) *plan.Subnet {
	if ref.Number == 0 || !remote.Is4() {
		return nil
	}
	for _, x := range n.NACLs {
		if x == nil || x == nacl || !slices.ContainsFunc(x.Egress, func(e plan.Entry) bool { return e.Source == ref.Address && e.Number == ref.Number }) {
			continue
		}
		for _, s := range x.Subnets {
			var best *plan.Route
			for i, r := range s.Routes {
				if r.Destination.Contains(remote) && (best == nil || r.Destination.Bits() > best.Destination.Bits()) {
					best = &s.Routes[i]
				}
			}
			if best != nil && best.NATGateway != nil && slices.Contains(best.NATGateway.Subnets, natSubnet) && s.IPv4.IsValid() {
				return s
			}
		}
	}
	return nil
}

// intentGroup finds the security group and rule a finding's intent rule
// names; nil for a NACL rule.
func intentGroup(n *plan.Network, ref RuleRef) (*plan.SecurityGroup, plan.SGRule) {
	if ref.Number != 0 {
		return nil, plan.SGRule{}
	}
	for _, g := range n.SecurityGroups {
		if g == nil {
			continue
		}
		for _, dir := range []plan.Direction{plan.Ingress, plan.Egress} {
			for _, r := range g.Rules(dir) {
				if r.Source == ref.Address {
					return g, r
				}
			}
		}
	}
	return nil, plan.SGRule{}
}

// member is the first member of g placed in s, nil when none is.
func member(g *plan.SecurityGroup, s *plan.Subnet) *plan.Workload {
	if s == nil {
		return nil
	}
	for _, w := range g.Members {
		if w != nil && slices.Contains(w.Subnets, s) {
			return w
		}
	}
	return nil
}
