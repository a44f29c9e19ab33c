package checks

import (
	"context"
	"net/netip"
	"slices"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// facts is what the checks derive from one network. Each piece is built
// on first use and then shared by every check over that network; a check
// asks for the pieces it needs by name, and no piece depends on which
// checks ran before:
//
//	subnets         the subnets indexed by address         RP001-RP004
//	rules           what each NACL rule decides            RP001-RP004, RP007
//	exempt          the traffic NACLs never filter         RP001-RP003
//	replies         who the clients are, and their gaps    RP001-RP004
//	intentGaps      the reply gaps of NACL intents         RP001, RP002
//	members         security-group members by subnet, NACL RP003
//	securityGroups  RP003's evaluation                     RP003, RP004
type facts struct {
	network *plan.Network
	cfg     Config
	// ctx ends the passes early (Run then returns its error); nil: never.
	ctx context.Context
	// shapes, when not nil, is ruleWalks.byShape shared with the run's
	// other network.
	shapes map[string][]shapeDecision

	subnetIndex   *subnetIndex
	ruleWalks     *ruleWalks
	exemptions    *exemptions
	intentReplies *intentReplies
	groupMembers  *groupMembers
	sgEvaluation  *securityGroupEvaluation
}

func newFacts(n *plan.Network, cfg Config) *facts {
	return &facts{network: n, cfg: cfg}
}

// canceled reports whether the passes should stop: the loops whose work
// grows with the plan ask it once a round.
func (f *facts) canceled() bool { return f.ctx != nil && f.ctx.Err() != nil }

func (f *facts) subnets() *subnetIndex {
	if f.subnetIndex == nil {
		f.subnetIndex = newSubnetIndex(f.network)
	}
	return f.subnetIndex
}

func (f *facts) rules() *ruleWalks {
	if f.ruleWalks == nil {
		shapes := f.shapes
		if shapes == nil {
			shapes = map[string][]shapeDecision{}
		}
		f.ruleWalks = &ruleWalks{byNACL: make(map[*plan.NACL]*naclRecord, len(f.network.NACLs)), byShape: shapes}
	}
	return f.ruleWalks
}

func (f *facts) exempt() *exemptions {
	if f.exemptions == nil {
		// Sized for a few questions of each NACL and family: maps that
		// grow while the checks run rehash their keys again and again.
		perFamily := 2 * len(f.network.NACLs)
		f.exemptions = &exemptions{network: f.network, rules: f.rules(), spaces: make(map[exemptKey]nacleval.Space, perFamily),
			ranges: make(map[exemptKey][]nacleval.AddrRange, perFamily)}
	}
	return f.exemptions
}

func (f *facts) replies() replyChecker {
	return replyChecker{cfg: f.cfg, subnets: f.subnets()}
}

func (f *facts) intentGaps() *intentReplies {
	if f.intentReplies == nil {
		f.intentReplies = &intentReplies{rules: f.rules()}
	}
	return f.intentReplies
}

func (f *facts) members() *groupMembers {
	if f.groupMembers == nil {
		groups := len(f.network.SecurityGroups)
		f.groupMembers = &groupMembers{bySubnet: make(map[*plan.SecurityGroup]map[*plan.Subnet][]*plan.Workload, groups),
			inSubnets: make(map[*plan.SecurityGroup][]*plan.Subnet, groups), bySide: make(map[groupFamily][]groupSide, groups)}
	}
	return f.groupMembers
}

// securityGroups is RP003's evaluation of every security-group rule,
// computed once: RP003 reports its findings, RP004 leaves its legs alone.
func (f *facts) securityGroups() *securityGroupEvaluation {
	if f.sgEvaluation == nil {
		f.sgEvaluation = evaluateSecurityGroups(f)
	}
	return f.sgEvaluation
}

// intentKey is one NACL direction and family (family 0: both).
type intentKey struct {
	nacl *plan.NACL
	dir  plan.Direction
	fam  plan.Family
}

// subnetIndex holds the subnets of each family sorted by first address,
// with the running maximum of last addresses so that overlapping subnets
// (of different VPCs) are still found by binary search.
type subnetIndex struct {
	byFamily [3][]indexedSubnet
	vpcCIDRs map[*plan.VPC][]nacleval.AddrRange // cidrRanges of each VPC asked about
	pieces   map[vpcFamily][]addrPiece          // piecesSeenFrom of each VPC and family asked about
}

type vpcFamily struct {
	vpc *plan.VPC
	fam plan.Family
}

// addrPiece is a range of addresses that one subnet holds, or (subnet
// nil) that no subnet holds.
type addrPiece struct {
	r      nacleval.AddrRange
	subnet *plan.Subnet
}

type indexedSubnet struct {
	r      nacleval.AddrRange
	maxHi  netip.Addr // highest last address of this and every earlier subnet
	subnet *plan.Subnet
}

func newSubnetIndex(n *plan.Network) *subnetIndex {
	x := &subnetIndex{vpcCIDRs: map[*plan.VPC][]nacleval.AddrRange{}, pieces: map[vpcFamily][]addrPiece{}}
	for _, s := range n.Subnets {
		if s == nil {
			continue
		}
		for _, fam := range families() {
			if r, ok := nacleval.PrefixRange(s.Prefix(fam)); ok && plan.FamilyOf(s.Prefix(fam)) == fam {
				x.byFamily[fam] = append(x.byFamily[fam], indexedSubnet{r: r, subnet: s})
			}
		}
	}
	for _, fam := range families() {
		list := x.byFamily[fam]
		slices.SortStableFunc(list, func(a, b indexedSubnet) int { return a.r.Lo.Compare(b.r.Lo) })
		for i := range list {
			list[i].maxHi = list[i].r.Hi
			if i > 0 && list[i].maxHi.Less(list[i-1].maxHi) {
				list[i].maxHi = list[i-1].maxHi
			}
		}
	}
	return x
}

// eachOverlapping visits, in address order until visit returns false,
// the subnets whose CIDR of family fam meets r and that can hold addresses
// of r as seen from vpc: inside vpc's own CIDRs only its own subnets can
// (the local route keeps that traffic in the VPC); elsewhere, subnets of
// any VPC (peered, or reached through a gateway). A nil vpc sees every
// subnet.
func (x *subnetIndex) eachOverlapping(vpc *plan.VPC, fam plan.Family, r nacleval.AddrRange, visit func(indexedSubnet) bool) {
	list := x.byFamily[fam]
	i, _ := slices.BinarySearchFunc(list, r.Lo, func(e indexedSubnet, lo netip.Addr) int {
		if e.maxHi.Less(lo) {
			return -1
		}
		return 1
	})
	var vpcRanges []nacleval.AddrRange // vpc's CIDRs, looked up on first need
	for ; i < len(list) && list[i].r.Lo.Compare(r.Hi) <= 0; i++ {
		e := list[i]
		if e.r.Hi.Less(r.Lo) {
			continue
		}
		if vpc != nil && e.subnet.VPC != nil && e.subnet.VPC != vpc {
			if vpcRanges == nil {
				if vpcRanges = x.vpcCIDRs[vpc]; vpcRanges == nil {
					vpcRanges = cidrRanges(vpc)
					x.vpcCIDRs[vpc] = vpcRanges
				}
			}
			if meetsSameFamily(e.r, vpcRanges) {
				continue
			}
		}
		if !visit(e) {
			return
		}
	}
}

// piecesSeenFrom cuts every address of family fam by the subnets that
// hold it as seen from vpc (see eachOverlapping), in address order: the
// first subnet there holds an address that overlapping subnets share.
// Worked out once per VPC and family: replies to the whole internet (less
// a few exempt peers) meet every subnet, for every NACL.
func (x *subnetIndex) piecesSeenFrom(vpc *plan.VPC, fam plan.Family) []addrPiece {
	key := vpcFamily{vpc, fam}
	if p, ok := x.pieces[key]; ok {
		return p
	}
	whole := nacleval.FamilyRange(fam)
	var out []addrPiece
	at, done := whole.Lo, false // at: the first address not yet cut
	x.eachOverlapping(vpc, fam, whole, func(e indexedSubnet) bool {
		part := nacleval.AddrRange{Lo: nacleval.MaxAddr(at, e.r.Lo), Hi: nacleval.MinAddr(whole.Hi, e.r.Hi)}
		if part.Hi.Less(part.Lo) {
			return true // inside an earlier, overlapping subnet (another VPC's)
		}
		if at.Less(part.Lo) {
			out = append(out, addrPiece{r: nacleval.AddrRange{Lo: at, Hi: part.Lo.Prev()}})
		}
		out = append(out, addrPiece{part, e.subnet})
		if part.Hi == whole.Hi {
			done = true
			return false
		}
		at = part.Hi.Next()
		return true
	})
	if !done {
		out = append(out, addrPiece{r: nacleval.AddrRange{Lo: at, Hi: whole.Hi}})
	}
	x.pieces[key] = out
	return out
}

// cidrRanges are the ranges of a VPC's CIDRs, IPv4 then IPv6; never nil.
func cidrRanges(vpc *plan.VPC) []nacleval.AddrRange {
	out := make([]nacleval.AddrRange, 0, len(vpc.IPv4)+len(vpc.IPv6))
	for _, list := range [][]netip.Prefix{vpc.IPv4, vpc.IPv6} {
		for _, cidr := range list {
			if c, ok := nacleval.PrefixRange(cidr); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// meetsSameFamily reports whether r meets one of ranges of its family:
// whether r is inside a VPC whose CIDRs are ranges.
func meetsSameFamily(r nacleval.AddrRange, ranges []nacleval.AddrRange) bool {
	for _, c := range ranges {
		if c.Lo.BitLen() == r.Lo.BitLen() && c.Lo.Compare(r.Hi) <= 0 && r.Lo.Compare(c.Hi) <= 0 {
			return true
		}
	}
	return false
}

// ruleWalks is what each rule of a NACL direction decides, walked once
// per network (five checks read the same rules), and what is derived from
// that.
type ruleWalks struct {
	// byNACL holds what is known of each NACL: one map lookup, by
	// pointer, per NACL asked about.
	byNACL map[*plan.NACL]*naclRecord
	// last is the NACL asked about last, and its record: the checks ask
	// many questions of one NACL in a row.
	last       *plan.NACL
	lastRecord *naclRecord
	// byShape is what the entries of each shape decide (see
	// nacleval.Rules.AppendShape): NACLs made by one module share it.
	byShape map[string][]shapeDecision
	shape   []byte // a buffer for the shape looked up
}

// shapeDecision is what the entry at one position of a shape decides,
// with its addresses.
type shapeDecision struct {
	nacleval.DecidedAt
	addrs []nacleval.AddrRange
}

// naclRecord is what is known of one NACL: of each direction and family
// (indexed from Ingress and IPv4: the model has no others), and of each
// family.
type naclRecord struct {
	directions [2][2]naclDirection
	exempt     [2]nacleval.Space // exemptions.forNACL
	exemptDone [2]bool
}

// naclDirection is what is known of one NACL direction and family, each
// piece worked out on first use.
type naclDirection struct {
	compiled bool
	rules    nacleval.Rules // compiled once for the many walks over them

	walked    bool
	decisions []decision

	intentsDone bool
	intents     nacleval.Space

	talkedDone bool
	talked     []nacleval.AddrRange

	// replyGaps are the reply gaps of its intents (intentReplies).
	replyGaps []rangesGap
}

// decision is the traffic one entry of a NACL direction decides: the part
// of its match that no earlier entry matched, and its addresses (as
// AddrRanges gives them; the checks ask for them often). Readers never
// write decided or addrs.
type decision struct {
	entry   *plan.Entry
	decided nacleval.Space
	addrs   []nacleval.AddrRange
}

// record is what is known of NACL n.
func (w *ruleWalks) record(n *plan.NACL) *naclRecord {
	if n != w.last || w.lastRecord == nil {
		r, ok := w.byNACL[n]
		if !ok {
			r = new(naclRecord)
			w.byNACL[n] = r
		}
		w.last, w.lastRecord = n, r
	}
	return w.lastRecord
}

func (w *ruleWalks) direction(n *plan.NACL, dir plan.Direction, fam plan.Family) *naclDirection {
	d := &w.record(n).directions[dir-plan.Ingress][fam-plan.IPv4]
	if !d.compiled {
		d.compiled = true
		d.rules = nacleval.CompileRules(n.Entries(dir), fam)
	}
	return d
}

// of is the rules of a NACL direction and family, compiled once.
func (w *ruleWalks) of(n *plan.NACL, dir plan.Direction, fam plan.Family) nacleval.Rules {
	return w.direction(n, dir, fam).rules
}

// decisionsOf is nacleval.Decisions of a NACL direction and family: the
// entries of family fam in rule order, with what each decides.
func (w *ruleWalks) decisionsOf(n *plan.NACL, dir plan.Direction, fam plan.Family) []decision {
	d := w.direction(n, dir, fam)
	if !d.walked {
		d.walked = true
		w.shape = d.rules.AppendShape(w.shape[:0])
		decided, ok := w.byShape[string(w.shape)] // no string is made to look up
		if !ok {
			for _, x := range d.rules.Decided() {
				decided = append(decided, shapeDecision{x, x.Space.AddrRanges()})
			}
			w.byShape[string(w.shape)] = decided
		}
		if len(decided) > 0 {
			d.decisions = make([]decision, len(decided))
			for i, x := range decided {
				d.decisions[i] = decision{d.rules.Entry(x.At), x.Space, x.addrs}
			}
		}
	}
	return d.decisions
}

// intentTraffic is the traffic of one NACL direction that an intent rule
// decides: RP001 and RP002 report the return path of that traffic, so the
// path checks leave it to them.
func (w *ruleWalks) intentTraffic(n *plan.NACL, dir plan.Direction, fam plan.Family) nacleval.Space {
	d := w.direction(n, dir, fam)
	if !d.intentsDone {
		d.intentsDone = true
		size := 0
		for _, dec := range w.decisionsOf(n, dir, fam) {
			if isIntent(*dec.entry) {
				size += len(dec.decided)
			}
		}
		if size > 0 {
			d.intents = make(nacleval.Space, 0, size)
		}
		for _, dec := range w.decisionsOf(n, dir, fam) {
			if isIntent(*dec.entry) {
				d.intents = append(d.intents, dec.decided...) // decided parts of different rules are disjoint
			}
		}
	}
	return d.intents
}

// talkedTo is every address a NACL direction allows some traffic for,
// sorted and merged as AddrRanges gives them.
func (w *ruleWalks) talkedTo(n *plan.NACL, dir plan.Direction, fam plan.Family) []nacleval.AddrRange {
	d := w.direction(n, dir, fam)
	if !d.talkedDone {
		d.talkedDone = true
		var allowed []nacleval.AddrRange // a copy: MergeRanges sorts it
		for _, dec := range w.decisionsOf(n, dir, fam) {
			if dec.entry.Allow {
				allowed = append(allowed, dec.addrs...)
			}
		}
		d.talked = nacleval.MergeRanges(allowed)
	}
	return d.talked
}

// exemptions is the traffic NACLs never filter for the hosts of sets of
// subnets (see exemptPeers), computed once for each VPC, family and shared
// range: many security-group rules meet the same subnets.
type exemptions struct {
	network *plan.Network
	spaces  map[exemptKey]nacleval.Space
	ranges  map[exemptKey][]nacleval.AddrRange // the addresses of spaces, sorted and merged
	// rules keeps forNACL's answers in each NACL's record: the key of a
	// NACL takes longer to work out than the record is found.
	rules *ruleWalks
}

// exemptKey is what exemptPeers depends on: the VPC (nil for every VPC of
// the network), the family, and the addresses all the subnets share.
type exemptKey struct {
	vpc    *plan.VPC
	fam    plan.Family
	common nacleval.AddrRange
	shared bool
}

func exemptKeyOf(vpc *plan.VPC, subnets []*plan.Subnet, fam plan.Family) exemptKey {
	common, shared := sameSubnet(&plan.NACL{VPC: vpc, Subnets: subnets}, fam)
	return exemptKey{vpc, fam, common, shared}
}

// forNACL is the exempt traffic of one NACL and family.
func (x *exemptions) forNACL(n *plan.NACL, fam plan.Family) nacleval.Space {
	r, i := x.rules.record(n), fam-plan.IPv4
	if !r.exemptDone[i] {
		r.exemptDone[i] = true
		r.exempt[i] = x.at(n.VPC, n.Subnets, fam)
	}
	return r.exempt[i]
}

// at is the exempt traffic for hosts in subnets of vpc.
func (x *exemptions) at(vpc *plan.VPC, subnets []*plan.Subnet, fam plan.Family) nacleval.Space {
	key := exemptKeyOf(vpc, subnets, fam)
	exempt, ok := x.spaces[key]
	if !ok {
		exempt = exemptPeers(x.network, &plan.NACL{VPC: vpc, Subnets: subnets}, fam)
		x.spaces[key] = exempt
	}
	return exempt
}

// rangesAt is the addresses of at(vpc, subnets, fam), sorted and merged
// (the exempt traffic is all traffic with them).
func (x *exemptions) rangesAt(vpc *plan.VPC, subnets []*plan.Subnet, fam plan.Family) []nacleval.AddrRange {
	key := exemptKeyOf(vpc, subnets, fam)
	ranges, ok := x.ranges[key]
	if !ok {
		ranges = x.at(vpc, subnets, fam).AddrRanges()
		x.ranges[key] = ranges
	}
	return ranges
}

// awsServiceAddrs are the link-local Amazon services NACLs never filter:
// the DNS resolver, instance metadata and Time Sync.
// (Written as bytes: exemptPeers asks for them for every NACL.)
func awsServiceAddrs(f plan.Family) [3]netip.Addr {
	if f == plan.IPv6 {
		ec2 := func(last byte) netip.Addr { // fd00:ec2::LAST (hex)
			return netip.AddrFrom16([16]byte{0xfd, 0x00, 0x0e, 0xc2, 14: 0x02, 15: last})
		}
		return [3]netip.Addr{ec2(0x53), ec2(0x54), netip.AddrFrom16([16]byte{0xfd, 0x00, 0x0e, 0xc2, 14: 0x01, 15: 0x23})}
	}
	return [3]netip.Addr{
		netip.AddrFrom4([4]byte{169, 254, 169, 253}),
		netip.AddrFrom4([4]byte{169, 254, 169, 254}),
		netip.AddrFrom4([4]byte{169, 254, 169, 123}),
	}
}

// exemptPeers is the traffic a NACL never filters for its subnets: the
// Amazon services, the VPC's DNS resolver (base+2 of each IPv4 CIDR; of
// every VPC when the NACL's is unknown) and the subnet itself.
func exemptPeers(network *plan.Network, n *plan.NACL, f plan.Family) nacleval.Space {
	peers := make([]nacleval.AddrRange, 0, 5) // the services, a resolver, the subnet
	for _, a := range awsServiceAddrs(f) {
		peers = append(peers, nacleval.AddrRange{Lo: a, Hi: a})
	}
	if f == plan.IPv4 {
		vpcs := network.VPCs
		if n.VPC != nil {
			vpcs = []*plan.VPC{n.VPC}
		}
		for _, v := range vpcs {
			if v == nil {
				continue
			}
			for _, cidr := range v.IPv4 {
				r, ok := nacleval.PrefixRange(cidr)
				if !ok || !cidr.Addr().Is4() {
					continue
				}
				resolver := nacleval.AddrPlus(r.Lo, 2)
				if !resolver.IsValid() || !r.Contains(resolver) {
					continue
				}
				// VPCs with one CIDR share a resolver address: once is
				// enough (and keeps the peers disjoint: AddrSpace's quick way).
				if one := (nacleval.AddrRange{Lo: resolver, Hi: resolver}); !slices.Contains(peers, one) {
					peers = append(peers, one)
				}
			}
		}
	}
	if r, ok := sameSubnet(n, f); ok {
		peers = append(peers, r)
	}
	return nacleval.AddrSpace(peers...)
}

// sameSubnet is the peers that share a subnet with every host behind the
// NACL: the intersection of its subnets' CIDRs of one family. Traffic
// between two subnets of one NACL crosses it, so with two disjoint subnets
// nothing is exempt.
func sameSubnet(n *plan.NACL, f plan.Family) (nacleval.AddrRange, bool) {
	var common nacleval.AddrRange
	found := false
	for _, s := range n.Subnets {
		if s == nil {
			continue
		}
		pfx := s.Prefix(f)
		r, ok := nacleval.PrefixRange(pfx)
		if !ok || plan.FamilyOf(pfx) != f {
			continue
		}
		if !found {
			common, found = r, true
			continue
		}
		common = nacleval.AddrRange{Lo: nacleval.MaxAddr(common.Lo, r.Lo), Hi: nacleval.MinAddr(common.Hi, r.Hi)}
		if common.Hi.Less(common.Lo) {
			return nacleval.AddrRange{}, false
		}
	}
	return common, found
}

// families are evaluated apart, IPv4 first so that output reads naturally.
func families() [2]plan.Family { return [2]plan.Family{plan.IPv4, plan.IPv6} }
