package checks

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// The reply half of a connection, shared by RP001-RP004: who the clients
// are (their ephemeral ports) and which replies to them a NACL direction
// drops.

// clients describes who opens the connections of a flow: the ports their
// replies must reach, and a NAT gateway, load balancer or Lambda function
// among them (which makes a gap inside 1024-32767 an error).
type clients struct {
	ports       plan.PortRange
	broad       *plan.Workload
	broadSubnet *plan.Subnet
}

// widen merges two client descriptions: the hull of their ports, and the
// first broad client.
func (c clients) widen(o clients) clients {
	switch {
	case c.ports == (plan.PortRange{}):
		c.ports = o.ports
	case !c.ports.Contains(o.ports):
		c.ports = plan.PortRange{Lo: min(c.ports.Lo, o.ports.Lo), Hi: max(c.ports.Hi, o.ports.Hi)}
	}
	if c.broad == nil && o.broad != nil {
		c.broad, c.broadSubnet = o.broad, o.broadSubnet
	}
	return c
}

// replyChecker classifies clients by the configured ranges and what the
// plan places in each subnet.
type replyChecker struct {
	cfg     Config
	subnets *subnetIndex
}

// clientsOf classifies workloads as clients: any that uses 1024-65535 makes
// the range that; only Linux/Windows hosts make it the host range; none or
// others (a network interface of anything) leave it unknown. Passive
// workloads (interface endpoints, EFS mount targets) open no connection and
// do not count.
func (rc replyChecker) clientsOf(workloads []*plan.Workload, where *plan.Subnet) clients {
	hosts, active := true, 0
	for _, w := range workloads {
		if w.Kind.Passive() {
			continue
		}
		active++
		if w.Kind.BroadClients() {
			return clients{ports: plan.BroadEphemeral, broad: w, broadSubnet: where}
		}
		hosts = hosts && w.Kind.HostClients()
	}
	if hosts && active > 0 {
		return clients{ports: rc.cfg.HostClients}
	}
	return clients{ports: rc.cfg.UnknownClients}
}

// subnetsClients classifies the workloads of several subnets together: the
// broadest of them decides.
func (rc replyChecker) subnetsClients(subnets []*plan.Subnet, members func(*plan.Subnet) []*plan.Workload) clients {
	if len(subnets) == 0 {
		return clients{ports: rc.cfg.UnknownClients}
	}
	var out clients
	for i, s := range subnets {
		if s == nil {
			return clients{ports: rc.cfg.UnknownClients}
		}
		c := rc.clientsOf(members(s), s)
		if c.broad != nil {
			return c
		}
		if i == 0 || c.ports.Contains(out.ports) {
			out = c
		} else if !out.ports.Contains(c.ports) {
			out.ports = plan.PortRange{Lo: min(out.ports.Lo, c.ports.Lo), Hi: max(out.ports.Hi, c.ports.Hi)}
		}
	}
	return out
}

func subnetWorkloads(s *plan.Subnet) []*plan.Workload { return s.Workloads }

// replyGap is what checking the replies of a flow found: need, whose
// address projection is every client address checked; the parts of it
// the NACL drops; and who the clients are where replies are dropped.
// need only explains parts: it may be left out when there are none.
type replyGap struct {
	need  nacleval.Space
	parts []nacleval.DeniedPart
	who   clients
}

// localReplyGap checks replies towards the NACL's own subnets, whose
// clients who are, at the remote addresses ranges.
func localReplyGap(proto plan.Protocol, ranges []nacleval.AddrRange, who clients, exempt nacleval.Space, rules nacleval.Rules) replyGap {
	need := nacleval.FlowSpace(proto, ranges, who.ports)
	if allowedWithExempt(need, exempt, rules) {
		return replyGap{who: who}
	}
	need = need.Subtract(exempt)
	return replyGap{need: need, parts: rules.Denied(need), who: who}
}

// allowedWithExempt reports whether rules let all of need through, the
// exempt traffic too, when there is exempt traffic: then they let the
// rest of it through, which is all the reply checks ask. Most return
// paths pass, and need is fewer boxes before the exempt peers are cut out.
func allowedWithExempt(need, exempt nacleval.Space, rules nacleval.Rules) bool {
	return !exempt.IsEmpty() && rules.AllowsAll(need)
}

// remoteReplyGap checks replies (protocol proto) towards remote clients
// at the addresses of ranges, through entries (one NACL direction). The
// clients' ports follow what the plan places at each address (members
// picks the clients among a subnet's workloads): hosts use
// cfg.HostClients, NAT gateways, load balancers and Lambda 1024-65535,
// others cfg.UnknownClients.
//
// It first checks the widest of those ranges for every address: one box
// per range, and most return paths pass there. Only when replies are
// dropped does it narrow the ports by placement, for the dropped
// addresses, in one pass over their subnets.
func (rc replyChecker) remoteReplyGap(vpc *plan.VPC, fam plan.Family, proto plan.Protocol, ranges []nacleval.AddrRange, members func(*plan.Subnet) []*plan.Workload, exempt nacleval.Space, rules nacleval.Rules) replyGap {
	widest := rc.cfg.UnknownClients
	for _, r := range []plan.PortRange{plan.BroadEphemeral, rc.cfg.HostClients} {
		widest = plan.PortRange{Lo: min(widest.Lo, r.Lo), Hi: max(widest.Hi, r.Hi)}
	}
	need := nacleval.FlowSpace(proto, ranges, widest)
	if allowedWithExempt(need, exempt, rules) {
		return replyGap{}
	}
	need = need.Subtract(exempt)
	parts := rules.Denied(need)
	if len(parts) == 0 {
		return replyGap{need: need}
	}
	var dropped nacleval.Space
	for _, part := range parts {
		dropped = append(dropped, part.Space...)
	}
	segments := rc.clientSegments(vpc, fam, dropped.AddrRanges(), members)
	var narrow nacleval.Space
	var who clients
	for _, seg := range segments {
		narrow = nacleval.AppendFlow(narrow, proto, seg.r, seg.who.ports)
		who = who.widen(seg.who)
	}
	narrow = narrow.Subtract(exempt)
	return replyGap{need: need, parts: rules.Denied(narrow), who: who}
}

// segment is a range of addresses whose clients are alike.
type segment struct {
	r   nacleval.AddrRange
	who clients
}

// clientSegments splits ranges (sorted, disjoint) by the clients at each
// address: the subnets of the plan there, or unknown clients. Neighbours
// with the same ports merge, so the result grows with the subnets that
// narrow the ports, not with every subnet.
func (rc replyChecker) clientSegments(vpc *plan.VPC, fam plan.Family, ranges []nacleval.AddrRange, members func(*plan.Subnet) []*plan.Workload) []segment {
	unknown := clients{ports: rc.cfg.UnknownClients}
	var out []segment
	add := func(r nacleval.AddrRange, who clients) {
		if last := len(out) - 1; last >= 0 && out[last].who.ports == who.ports {
			if next := out[last].r.Hi.Next(); next.IsValid() && next == r.Lo {
				out[last].r.Hi = r.Hi
				out[last].who = out[last].who.widen(who)
				return
			}
		}
		out = append(out, segment{r, who})
	}
	// The pieces of the family seen from vpc, cut to each range, are what
	// a walk over the subnets of the range would cut: the subnets are
	// walked once per VPC, not once per range.
	pieces := rc.subnets.piecesSeenFrom(vpc, fam)
	for _, r := range ranges {
		i, _ := slices.BinarySearchFunc(pieces, r.Lo, func(p addrPiece, lo netip.Addr) int { return p.r.Hi.Compare(lo) })
		for ; i < len(pieces) && pieces[i].r.Lo.Compare(r.Hi) <= 0; i++ {
			p := pieces[i]
			part := nacleval.AddrRange{Lo: nacleval.MaxAddr(p.r.Lo, r.Lo), Hi: nacleval.MinAddr(p.r.Hi, r.Hi)}
			if p.subnet == nil {
				add(part, unknown)
			} else {
				add(part, rc.clientsOf(members(p.subnet), p.subnet))
			}
		}
	}
	return out
}

// replySeverity grades a broken return path by the clients it breaks:
// Linux and Windows hosts use the hosts range (32768-65535 unless
// configured), so a gap there breaks ordinary clients; a gap only outside
// it breaks NAT gateways, load balancers and Lambda, which broadClient
// escalates when the plan has one on the path.
func replySeverity(missing []plan.PortRange, hosts plan.PortRange) Severity {
	for _, r := range missing {
		if r.Overlaps(hosts) {
			return Error
		}
	}
	return Warning
}

// broadClientText names the client that makes a gap inside 1024-32767 an
// error.
func broadClientText(who clients) string {
	return fmt.Sprintf("; %s (%s) in %s opens connections from ports 1024-65535", who.broad.Address, who.broad.Kind, who.broadSubnet.Address)
}
