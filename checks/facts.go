package checks

import (
	"net/netip"
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// facts is what several checks derive from one network, built once per
// network and shared by its passes: subnets indexed by address, each
// NACL's intent traffic, and the security-group legs RP003 reports (so that
// RP004 does not report them again).
type facts struct {
	network *plan.Network
	cfg     Config
	// subnets of each family, sorted by first address, with the running
	// maximum of last addresses so that overlapping subnets (of different
	// VPCs) are still found by binary search.
	subnets [3][]indexedSubnet
	intents map[intentKey]space
	// members are the members of each security group by subnet.
	members map[*plan.SecurityGroup]map[*plan.Subnet][]*plan.Workload
	// sgFindings and sgLegs are what RP003 finds, computed once.
	sgFindings []Finding
	sgLegs     []brokenLeg
	sgDone     bool
}

type indexedSubnet struct {
	r      addrRange
	maxHi  netip.Addr // highest last address of this and every earlier subnet
	subnet *plan.Subnet
}

type intentKey struct {
	nacl *plan.NACL
	dir  plan.Direction
	fam  plan.Family
}

func newFacts(n *plan.Network, cfg Config) *facts {
	f := &facts{network: n, cfg: cfg, intents: map[intentKey]space{}, members: map[*plan.SecurityGroup]map[*plan.Subnet][]*plan.Workload{}}
	for _, s := range n.Subnets {
		if s == nil {
			continue
		}
		for _, fam := range families() {
			if r, ok := prefixRange(s.Prefix(fam)); ok && plan.FamilyOf(s.Prefix(fam)) == fam {
				f.subnets[fam] = append(f.subnets[fam], indexedSubnet{r: r, subnet: s})
			}
		}
	}
	for _, fam := range families() {
		list := f.subnets[fam]
		slices.SortStableFunc(list, func(a, b indexedSubnet) int { return a.r.lo.Compare(b.r.lo) })
		for i := range list {
			list[i].maxHi = list[i].r.hi
			if i > 0 && list[i].maxHi.Less(list[i-1].maxHi) {
				list[i].maxHi = list[i-1].maxHi
			}
		}
	}
	return f
}

// subnetsOverlapping lists the subnets whose CIDR of family fam meets r and
// that can hold addresses of r as seen from vpc: inside vpc's own CIDRs
// only its own subnets can (the local route keeps that traffic in the
// VPC); elsewhere, subnets of any VPC (peered, or reached through a
// gateway). A nil vpc sees every subnet.
func (f *facts) subnetsOverlapping(vpc *plan.VPC, fam plan.Family, r addrRange) []indexedSubnet {
	list := f.subnets[fam]
	i, _ := slices.BinarySearchFunc(list, r.lo, func(e indexedSubnet, lo netip.Addr) int {
		if e.maxHi.Less(lo) {
			return -1
		}
		return 1
	})
	var out []indexedSubnet
	for ; i < len(list) && list[i].r.lo.Compare(r.hi) <= 0; i++ {
		e := list[i]
		if e.r.hi.Less(r.lo) {
			continue
		}
		if vpc != nil && e.subnet.VPC != nil && e.subnet.VPC != vpc && insideVPC(vpc, e.r) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// insideVPC reports whether r meets one of the VPC's CIDRs.
func insideVPC(vpc *plan.VPC, r addrRange) bool {
	for _, list := range [][]netip.Prefix{vpc.IPv4, vpc.IPv6} {
		for _, cidr := range list {
			if c, ok := prefixRange(cidr); ok && c.lo.BitLen() == r.lo.BitLen() && c.lo.Compare(r.hi) <= 0 && r.lo.Compare(c.hi) <= 0 {
				return true
			}
		}
	}
	return false
}

// intentTraffic is the traffic of one NACL direction that an intent rule
// decides: RP001 and RP002 report the return path of that traffic, so the
// path checks leave it to them.
func (f *facts) intentTraffic(n *plan.NACL, dir plan.Direction, fam plan.Family) space {
	key := intentKey{n, dir, fam}
	if s, ok := f.intents[key]; ok {
		return s
	}
	var s space
	firstMatchEach(n.Entries(dir), fam, func(e *plan.Entry, decided space) {
		if isIntent(*e) {
			s = append(s, decided...) // decided parts of different rules are disjoint
		}
	})
	f.intents[key] = s
	return s
}

// clients describes who opens the connections of a flow: the ports their
// replies must reach, and a NAT gateway, load balancer or Lambda function
// among them (which makes a gap inside 1024-32767 an error).
type clients struct {
	ports       plan.PortRange
	broad       *plan.Workload
	broadSubnet *plan.Subnet
}

// clientsOf classifies workloads as clients: any that uses 1024-65535 makes
// the range that; only Linux/Windows hosts make it the host range; none or
// others (a network interface of anything) leave it unknown.
func (f *facts) clientsOf(workloads []*plan.Workload, where *plan.Subnet) clients {
	hosts := len(workloads) > 0
	for _, w := range workloads {
		if w.Kind.BroadClients() {
			return clients{ports: plan.BroadEphemeral, broad: w, broadSubnet: where}
		}
		hosts = hosts && w.Kind.HostClients()
	}
	if hosts {
		return clients{ports: f.cfg.HostClients}
	}
	return clients{ports: f.cfg.UnknownClients}
}

// subnetsClients classifies the workloads of several subnets together: the
// broadest of them decides.
func (f *facts) subnetsClients(subnets []*plan.Subnet, members func(*plan.Subnet) []*plan.Workload) clients {
	if len(subnets) == 0 {
		return clients{ports: f.cfg.UnknownClients}
	}
	var out clients
	for i, s := range subnets {
		if s == nil {
			return clients{ports: f.cfg.UnknownClients}
		}
		c := f.clientsOf(members(s), s)
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

// remoteReplies is the reply traffic (protocol proto) towards remote
// clients at the addresses of ranges: the part inside subnets of the plan
// gets the ephemeral ports of the workloads placed there (members picks
// which of a subnet's workloads are the clients), the rest those of unknown
// clients. It also returns the widest client range met and a broad client
// among them.
func (f *facts) remoteReplies(vpc *plan.VPC, fam plan.Family, proto plan.Protocol, ranges []addrRange, members func(*plan.Subnet) []*plan.Workload) (space, clients) {
	var need, placed space
	summary := clients{}
	widen := func(c clients) {
		switch {
		case summary.ports == (plan.PortRange{}):
			summary.ports = c.ports
		case !summary.ports.Contains(c.ports):
			summary.ports = plan.PortRange{Lo: min(summary.ports.Lo, c.ports.Lo), Hi: max(summary.ports.Hi, c.ports.Hi)}
		}
		if summary.broad == nil && c.broad != nil {
			summary.broad, summary.broadSubnet = c.broad, c.broadSubnet
		}
	}
	for _, r := range ranges {
		for _, e := range f.subnetsOverlapping(vpc, fam, r) {
			part := addrRange{maxAddr(r.lo, e.r.lo), minAddr(r.hi, e.r.hi)}
			c := f.clientsOf(members(e.subnet), e.subnet)
			if c.ports == f.cfg.UnknownClients && c.broad == nil {
				continue // left to the unknown clients below
			}
			piece := spaceOf(flowBox(proto, part, c.ports)).subtract(placed)
			need = append(need, piece...)
			placed = placed.union(addrSpace(part))
			widen(c)
		}
	}
	var rest space
	for _, r := range ranges {
		rest = append(rest, spaceOf(flowBox(proto, r, f.cfg.UnknownClients))...)
	}
	if rest = rest.subtract(placed); !rest.isEmpty() {
		need = append(need, rest...)
		widen(clients{ports: f.cfg.UnknownClients})
	}
	return need, summary
}
