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
	// talked are the addresses each NACL direction allows anything for.
	talked map[intentKey][]addrRange
	// fixes are the rule numbers the fixes suggested so far use, by NACL
	// and direction (both families share a direction's numbers).
	fixes map[intentKey]map[int]bool
	// exempt are the peers NACLs never filter, by what decides them (RP001,
	// RP002 and RP003 all need them).
	exempt map[exemptKey]space
	// exemptRanges are the addresses of exempt, sorted and merged.
	exemptRanges map[exemptKey][]addrRange
	// decisions are what each rule of a NACL direction decides (see
	// firstMatchEach): five checks walk the same rules, so they are
	// walked once.
	decisions map[intentKey][]decision
	// intentGaps are the reply gaps of the intents of each NACL direction
	// and protocol, by the addresses they reach (see intentReplies).
	intentGaps map[intentProto][]rangesGap
	// internet is internetRanges by family, for RP007.
	internet map[plan.Family][]addrRange
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
	f := &facts{network: n, cfg: cfg, intents: map[intentKey]space{}, talked: map[intentKey][]addrRange{}, fixes: map[intentKey]map[int]bool{},
		exempt: map[exemptKey]space{}, exemptRanges: map[exemptKey][]addrRange{}, decisions: map[intentKey][]decision{}, internet: map[plan.Family][]addrRange{}, intentGaps: map[intentProto][]rangesGap{},
		members: map[*plan.SecurityGroup]map[*plan.Subnet][]*plan.Workload{}}
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
	var out []indexedSubnet
	f.eachSubnetOverlapping(vpc, fam, r, func(e indexedSubnet) bool {
		out = append(out, e)
		return true
	})
	return out
}

// eachSubnetOverlapping visits what subnetsOverlapping lists, in address
// order, until visit returns false.
func (f *facts) eachSubnetOverlapping(vpc *plan.VPC, fam plan.Family, r addrRange, visit func(indexedSubnet) bool) {
	list := f.subnets[fam]
	i, _ := slices.BinarySearchFunc(list, r.lo, func(e indexedSubnet, lo netip.Addr) int {
		if e.maxHi.Less(lo) {
			return -1
		}
		return 1
	})
	for ; i < len(list) && list[i].r.lo.Compare(r.hi) <= 0; i++ {
		e := list[i]
		if e.r.hi.Less(r.lo) {
			continue
		}
		if vpc != nil && e.subnet.VPC != nil && e.subnet.VPC != vpc && insideVPC(vpc, e.r) {
			continue
		}
		if !visit(e) {
			return
		}
	}
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
	for _, d := range f.decisionsOf(n, dir, fam) {
		if isIntent(*d.entry) {
			s = append(s, d.decided...) // decided parts of different rules are disjoint
		}
	}
	f.intents[key] = s
	return s
}

// intentProto is a NACL direction and family with a protocol.
type intentProto struct {
	intentKey
	proto plan.Protocol
}

// rangesGap is the reply gap of traffic to or from ranges.
type rangesGap struct {
	ranges []addrRange
	gap    replyGap
}

// intentReplies is gap(ranges), the reply gap of the intents of NACL n in
// intentDir with protocol proto towards the addresses ranges, computed
// once for all such intents: the replies do not depend on the service
// ports, and intents that differ only there (443 and 80 from 0.0.0.0/0)
// are common. Readers never write the gap.
func (f *facts) intentReplies(n *plan.NACL, intentDir plan.Direction, fam plan.Family, proto plan.Protocol, ranges []addrRange, gap func([]addrRange) replyGap) replyGap {
	key := intentProto{intentKey{n, intentDir, fam}, proto}
	for _, known := range f.intentGaps[key] {
		if slices.Equal(known.ranges, ranges) {
			return known.gap
		}
	}
	g := gap(ranges)
	f.intentGaps[key] = append(f.intentGaps[key], rangesGap{ranges, g})
	return g
}

// decision is the traffic one entry of a NACL direction decides: the part
// of its match that no earlier entry matched. Readers never write decided.
type decision struct {
	entry   *plan.Entry
	decided space
}

// decisionsOf is firstMatchEach of a NACL direction and family, walked
// once per network: the entries of family fam in rule order, with what
// each decides.
func (f *facts) decisionsOf(n *plan.NACL, dir plan.Direction, fam plan.Family) []decision {
	key := intentKey{n, dir, fam}
	if d, ok := f.decisions[key]; ok {
		return d
	}
	var out []decision
	firstMatchEach(n.Entries(dir), fam, func(e *plan.Entry, decided space) {
		out = append(out, decision{e, decided})
	})
	f.decisions[key] = out
	return out
}

// fixNumbers is the set of rule numbers earlier fixes for one NACL
// direction use.
func (f *facts) fixNumbers(n *plan.NACL, dir plan.Direction) map[int]bool {
	key := intentKey{nacl: n, dir: dir}
	if f.fixes[key] == nil {
		f.fixes[key] = map[int]bool{}
	}
	return f.fixes[key]
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

// replyGap is what checking the replies of a flow found: need, whose
// address projection is every client address checked; the parts of it
// the NACL drops; and who the clients are where replies are dropped.
type replyGap struct {
	need  space
	parts []deniedPart
	who   clients
}

// localReplyGap checks replies towards the NACL's own subnets, whose
// clients who are, at the remote addresses ranges.
func localReplyGap(proto plan.Protocol, fam plan.Family, ranges []addrRange, who clients, exempt space, entries []plan.Entry) replyGap {
	var need space
	for _, r := range ranges {
		need = append(need, spaceOf(flowBox(proto, r, who.ports))...)
	}
	need = need.subtract(exempt)
	return replyGap{need: need, parts: denied(entries, fam, need), who: who}
}

// remoteReplyGap checks replies (protocol proto) towards remote clients at
// the addresses of ranges, through entries (one NACL direction). The
// clients' ports follow what the plan places at each address (members
// picks the clients among a subnet's workloads): hosts use
// cfg.HostClients, NAT gateways, load balancers and Lambda 1024-65535,
// others cfg.UnknownClients.
//
// It first checks the widest of those ranges for every address: one box
// per range, and most return paths pass there. Only when replies are
// dropped does it narrow the ports by placement, for the dropped
// addresses, in one pass over their subnets.
func (f *facts) remoteReplyGap(vpc *plan.VPC, fam plan.Family, proto plan.Protocol, ranges []addrRange, members func(*plan.Subnet) []*plan.Workload, exempt space, entries []plan.Entry) replyGap {
	widest := f.cfg.UnknownClients
	for _, r := range []plan.PortRange{plan.BroadEphemeral, f.cfg.HostClients} {
		widest = plan.PortRange{Lo: min(widest.Lo, r.Lo), Hi: max(widest.Hi, r.Hi)}
	}
	var need space
	for _, r := range ranges {
		need = append(need, spaceOf(flowBox(proto, r, widest))...)
	}
	need = need.subtract(exempt)
	parts := denied(entries, fam, need)
	if len(parts) == 0 {
		return replyGap{need: need}
	}
	var dropped space
	for _, part := range parts {
		dropped = append(dropped, part.space...)
	}
	segments := f.clientSegments(vpc, fam, dropped.addrRanges(), members)
	var narrow space
	var who clients
	for _, seg := range segments {
		narrow = append(narrow, spaceOf(flowBox(proto, seg.r, seg.who.ports))...)
		who = who.widen(seg.who)
	}
	narrow = narrow.subtract(exempt)
	return replyGap{need: need, parts: denied(entries, fam, narrow), who: who}
}

// segment is a range of addresses whose clients are alike.
type segment struct {
	r   addrRange
	who clients
}

// clientSegments splits ranges (sorted, disjoint) by the clients at each
// address: the subnets of the plan there, or unknown clients. Neighbours
// with the same ports merge, so the result grows with the subnets that
// narrow the ports, not with every subnet.
func (f *facts) clientSegments(vpc *plan.VPC, fam plan.Family, ranges []addrRange, members func(*plan.Subnet) []*plan.Workload) []segment {
	unknown := clients{ports: f.cfg.UnknownClients}
	var out []segment
	add := func(r addrRange, who clients) {
		if last := len(out) - 1; last >= 0 && out[last].who.ports == who.ports {
			if next := out[last].r.hi.Next(); next.IsValid() && next == r.lo {
				out[last].r.hi = r.hi
				out[last].who = out[last].who.widen(who)
				return
			}
		}
		out = append(out, segment{r, who})
	}
	for _, r := range ranges {
		at := r.lo // the first address not yet segmented
		done := false
		f.eachSubnetOverlapping(vpc, fam, r, func(e indexedSubnet) bool {
			part := addrRange{maxAddr(at, e.r.lo), minAddr(r.hi, e.r.hi)}
			if part.hi.Less(part.lo) {
				return true // inside an earlier, overlapping subnet (another VPC's)
			}
			if at.Less(part.lo) {
				add(addrRange{at, part.lo.Prev()}, unknown)
			}
			add(part, f.clientsOf(members(e.subnet), e.subnet))
			if part.hi == r.hi {
				done = true
				return false
			}
			at = part.hi.Next()
			return true
		})
		if !done {
			add(addrRange{at, r.hi}, unknown)
		}
	}
	return out
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

// exemptFor is exemptPeers of one NACL and family, computed once per
// network.
func (f *facts) exemptFor(n *plan.NACL, fam plan.Family) space {
	return f.exemptAt(n.VPC, n.Subnets, fam)
}

// exemptKey is what exemptPeers depends on: the VPC (nil for every VPC of
// the network), the family, and the addresses all the subnets share.
type exemptKey struct {
	vpc    *plan.VPC
	fam    plan.Family
	common addrRange
	shared bool
}

// exemptAt is the traffic a NACL never filters for hosts in subnets (see
// exemptPeers), computed once per network for each VPC, family and shared
// range: many security-group rules meet the same subnets.
func (f *facts) exemptAt(vpc *plan.VPC, subnets []*plan.Subnet, fam plan.Family) space {
	key := f.exemptKey(vpc, subnets, fam)
	exempt, ok := f.exempt[key]
	if !ok {
		exempt = exemptPeers(f.network, &plan.NACL{VPC: vpc, Subnets: subnets}, fam)
		f.exempt[key] = exempt
	}
	return exempt
}

func (f *facts) exemptKey(vpc *plan.VPC, subnets []*plan.Subnet, fam plan.Family) exemptKey {
	common, shared := sameSubnet(&plan.NACL{VPC: vpc, Subnets: subnets}, fam)
	return exemptKey{vpc, fam, common, shared}
}

// exemptRangesAt is the addresses of exemptAt(vpc, subnets, fam), sorted
// and merged (the exempt traffic is all traffic with them).
func (f *facts) exemptRangesAt(vpc *plan.VPC, subnets []*plan.Subnet, fam plan.Family) []addrRange {
	key := f.exemptKey(vpc, subnets, fam)
	ranges, ok := f.exemptRanges[key]
	if !ok {
		ranges = f.exemptAt(vpc, subnets, fam).addrRanges()
		f.exemptRanges[key] = ranges
	}
	return ranges
}

// internetRanges is the internetAddrs of fam as sorted, merged ranges,
// computed once per network.
func (f *facts) internetRanges(fam plan.Family) []addrRange {
	r, ok := f.internet[fam]
	if !ok {
		r = internetAddrs(fam).addrRanges()
		f.internet[fam] = r
	}
	return r
}
