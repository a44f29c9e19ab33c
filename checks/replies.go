package checks

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/plan"
)

// RP001 and RP002: an intent (an allow rule for a TCP or UDP service) whose
// replies the opposite direction of the same NACL drops.

// families are evaluated apart, IPv4 first so that output reads naturally.
func families() [2]plan.Family { return [2]plan.Family{plan.IPv4, plan.IPv6} }

// isIntent reports whether an entry allows a TCP or UDP service: a port
// range that is neither a return rule (it would cover the Linux or the
// Windows ephemeral range) nor all ports.
func isIntent(e plan.Entry) bool { return e.Allow && isService(e.Protocol, e.Ports) }

// isService reports whether traffic is a TCP or UDP service: a port range
// that is neither a return range nor all ports. Security-group rules of
// this kind are intents too.
func isService(proto plan.Protocol, ports plan.PortRange) bool {
	return (proto == plan.ProtocolTCP || proto == plan.ProtocolUDP) &&
		ports.Lo <= ports.Hi &&
		!ports.Contains(plan.LinuxEphemeral) && !ports.Contains(plan.WindowsEphemeral)
}

// checkReplies reports the intents of one direction on every NACL whose
// replies the opposite direction drops.
func checkReplies(p *pass, intentDir plan.Direction) {
	for _, n := range p.network.NACLs {
		if n == nil {
			continue
		}
		for _, fam := range families() {
			exempt := p.facts.exemptFor(n, fam)
			// Only the part of an intent that no earlier rule decides is
			// traffic the rule really lets through.
			for _, d := range p.facts.decisionsOf(n, intentDir, fam) {
				if isIntent(*d.entry) && !d.decided.isEmpty() {
					checkIntent(p, n, intentDir, fam, d.entry, d.decided, exempt)
				}
			}
		}
	}
}

// checkIntent reports one intent whose replies are dropped. decided is the
// intent's traffic that no earlier rule matched. The replies must reach the
// clients' ephemeral ports: for an inbound intent the peers', by what the
// plan places in their subnets; for an outbound one the NACL's own
// subnets'.
func checkIntent(p *pass, n *plan.NACL, intentDir plan.Direction, fam plan.Family, intent *plan.Entry, decided, exempt space) {
	replyDir := intentDir.Opposite()
	gap := p.facts.intentReplies(n, intentDir, fam, intent.Protocol, decided.addrRanges(), func(ranges []addrRange) replyGap {
		if intentDir == plan.Ingress {
			return p.facts.remoteReplyGap(n.VPC, fam, intent.Protocol, ranges, subnetWorkloads, exempt, n.Entries(replyDir))
		}
		who := p.facts.subnetsClients(n.Subnets, subnetWorkloads)
		return localReplyGap(intent.Protocol, fam, ranges, who, exempt, n.Entries(replyDir))
	})
	need, parts, who := gap.need, gap.parts, gap.who
	if len(parts) == 0 {
		return
	}
	var missing space
	for _, part := range parts {
		missing = append(missing, part.space...) // parts are disjoint pieces of need
	}

	flow := &Flow{
		Direction:    intentDir,
		Family:       fam,
		Protocol:     intent.Protocol,
		PeerCIDR:     intent.Prefix.Masked(),
		ServicePorts: intent.Ports,
		ClientPorts:  who.ports,
		MissingPorts: missing.ports(),
		IntentRule:   RuleRef{Address: intent.Source, Number: intent.Number},
		Leg:          ReplyLeg,
	}
	flow.Witness, flow.BlockingRule, flow.FailingShare = witness(localPrefix(n, fam), flow, missing, parts)
	flow.Suggestion = suggestFix(n, flow, parts, intent.Number, p.facts.fixNumbers(n, replyDir))

	severity, message := replySeverity(flow.MissingPorts, p.cfg.HostClients), replyMessage(n, flow, need, missing, parts)
	if severity == Warning && who.broad != nil {
		severity = Error
		message += broadClientText(who)
	}
	p.report(Finding{
		Severity: severity,
		Resource: n.Address,
		Message:  message,
		Subnets:  subnetRefs(n, fam),
		Flow:     flow,
	})
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

// awsServiceAddrs are the link-local Amazon services NACLs never filter:
// the DNS resolver, instance metadata and Time Sync.
func awsServiceAddrs(f plan.Family) []netip.Addr {
	if f == plan.IPv6 {
		return []netip.Addr{
			netip.MustParseAddr("fd00:ec2::253"),
			netip.MustParseAddr("fd00:ec2::254"),
			netip.MustParseAddr("fd00:ec2::123"),
		}
	}
	return []netip.Addr{
		netip.MustParseAddr("169.254.169.253"),
		netip.MustParseAddr("169.254.169.254"),
		netip.MustParseAddr("169.254.169.123"),
	}
}

// exemptPeers is the traffic a NACL never filters for its subnets: the
// Amazon services, the VPC's DNS resolver (base+2 of each IPv4 CIDR; of
// every VPC when the NACL's is unknown) and the subnet itself.
func exemptPeers(network *plan.Network, n *plan.NACL, f plan.Family) space {
	var peers []addrRange
	for _, a := range awsServiceAddrs(f) {
		peers = append(peers, addrRange{a, a})
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
				r, ok := prefixRange(cidr)
				if !ok || !cidr.Addr().Is4() {
					continue
				}
				if resolver := addrPlus(r.lo, 2); resolver.IsValid() && r.contains(resolver) {
					peers = append(peers, addrRange{resolver, resolver})
				}
			}
		}
	}
	if r, ok := sameSubnet(n, f); ok {
		peers = append(peers, r)
	}
	return addrSpace(peers...)
}

// sameSubnet is the peers that share a subnet with every host behind the
// NACL: the intersection of its subnets' CIDRs of one family. Traffic
// between two subnets of one NACL crosses it, so with two disjoint subnets
// nothing is exempt.
func sameSubnet(n *plan.NACL, f plan.Family) (addrRange, bool) {
	var common addrRange
	found := false
	for _, s := range n.Subnets {
		if s == nil {
			continue
		}
		pfx := s.Prefix(f)
		r, ok := prefixRange(pfx)
		if !ok || plan.FamilyOf(pfx) != f {
			continue
		}
		if !found {
			common, found = r, true
			continue
		}
		common = addrRange{maxAddr(common.lo, r.lo), minAddr(common.hi, r.hi)}
		if common.hi.Less(common.lo) {
			return addrRange{}, false
		}
	}
	return common, found
}

// localPrefix is the CIDR of family f of the NACL's first subnet that has
// one, invalid when none has.
func localPrefix(n *plan.NACL, f plan.Family) netip.Prefix {
	return firstPrefix(n.Subnets, f)
}

// firstPrefix is the CIDR of family f of the first subnet that has one.
func firstPrefix(subnets []*plan.Subnet, f plan.Family) netip.Prefix {
	for _, s := range subnets {
		if s == nil {
			continue
		}
		if pfx := s.Prefix(f); pfx.IsValid() && plan.FamilyOf(pfx) == f {
			return pfx.Masked()
		}
	}
	return netip.Prefix{}
}

// witness picks one concrete reply packet that is dropped, the rule that
// drops it, and the share of Linux ephemeral ports dropped for that peer.
// It prefers addresses and ports a reader recognises: the documentation
// addresses 203.0.113.7 / 2001:db8::7, and a port that both Linux and
// Windows clients use. local is the subnet on the NACL's side (invalid
// when unknown).
func witness(local netip.Prefix, flow *Flow, missing space, parts []deniedPart) (Packet, *RuleRef, float64) {
	peer, ok := witnessPeer(missing, flow.PeerCIDR, flow.Family)
	if !ok {
		return Packet{Protocol: flow.Protocol}, nil, 0
	}
	peerPorts := missing.atAddr(peer).ports()
	if len(peerPorts) == 0 {
		return Packet{Protocol: flow.Protocol}, nil, 0 // unreachable: peer comes from missing
	}
	port := firstPortIn(peerPorts, plan.PortRange{Lo: 49152, Hi: 60999})
	if port < 0 {
		port = firstPortIn(peerPorts, plan.HostEphemeral)
	}
	if port < 0 {
		port = int(peerPorts[0].Lo)
	}

	localEnd := localEndpoint(local)

	pkt := Packet{Protocol: flow.Protocol}
	service := flow.ServicePorts.Lo
	if flow.Direction == plan.Ingress {
		// The reply to an inbound request leaves the subnet: local service
		// port to the peer's ephemeral port.
		pkt.Src, pkt.Dst = localEnd(service), netip.AddrPortFrom(peer, uint16(port))
	} else {
		// The reply to an outbound request enters the subnet: the peer's
		// service port to the local ephemeral port.
		pkt.Src, pkt.Dst = netip.AddrPortFrom(peer, service), localEnd(uint16(port))
	}

	var blocking *RuleRef
	proto, _, _ := protocolInterval(flow.Protocol)
	at := point{proto: proto, addr: peer, port: uint16(port)}
	for _, part := range parts {
		if part.by != nil && part.space.contains(at) {
			blocking = &RuleRef{Address: part.by.Source, Number: part.by.Number}
			break
		}
	}

	linux := 0
	for _, r := range peerPorts {
		lo, hi := max(r.Lo, plan.LinuxEphemeral.Lo), min(r.Hi, plan.LinuxEphemeral.Hi)
		if lo <= hi {
			linux += int(hi) - int(lo) + 1
		}
	}
	share := math.Round(float64(linux)/float64(plan.LinuxEphemeral.Len())*10000) / 10000
	return pkt, blocking, share
}

// localEndpoint gives addresses of the local subnet of a witness: its tenth
// address (a host, not the network address), or nothing when the subnet is
// unknown.
func localEndpoint(subnet netip.Prefix) func(port uint16) netip.AddrPort {
	var local netip.Addr
	if subnet.IsValid() {
		local = subnet.Addr()
		if a := addrPlus(local, 10); a.IsValid() && subnet.Contains(a) {
			local = a
		}
	}
	return func(port uint16) netip.AddrPort {
		if !local.IsValid() {
			return netip.AddrPort{}
		}
		return netip.AddrPortFrom(local, port)
	}
}

// witnessPeer picks the peer address of the witness packet.
func witnessPeer(missing space, peerCIDR netip.Prefix, f plan.Family) (netip.Addr, bool) {
	ranges := missing.addrRanges()
	if len(ranges) == 0 {
		return netip.Addr{}, false
	}
	preferred := netip.MustParseAddr("203.0.113.7")
	if f == plan.IPv6 {
		preferred = netip.MustParseAddr("2001:db8::7")
	}
	for _, r := range ranges {
		if r.contains(preferred) {
			return preferred, true
		}
	}
	// A network address (x.y.z.0, or ending in :0 for IPv6) reads like a
	// subnet rather than a host: take the next one when it is missing too.
	first := ranges[0]
	peer := first.lo
	if isNetworkLike(peer) && first.lo != first.hi {
		peer = peer.Next()
	}
	return peer, true
}

func isNetworkLike(a netip.Addr) bool {
	s := a.AsSlice()
	if a.Is4() {
		return s[3] == 0
	}
	return s[14] == 0 && s[15] == 0
}

// firstPortIn is the lowest port of ranges inside within, or -1.
func firstPortIn(ranges []plan.PortRange, within plan.PortRange) int {
	for _, r := range ranges {
		if r.Overlaps(within) {
			return int(max(r.Lo, within.Lo))
		}
	}
	return -1
}

// replyMessage is the one-line explanation of a broken return path.
func replyMessage(n *plan.NACL, flow *Flow, need, missing space, parts []deniedPart) string {
	replyDir := flow.Direction.Opposite()
	var b strings.Builder
	if flow.Direction == plan.Ingress {
		fmt.Fprintf(&b, "inbound %s from %s", serviceText(flow), flow.PeerCIDR)
	} else {
		fmt.Fprintf(&b, "outbound %s to %s", serviceText(flow), flow.PeerCIDR)
	}
	fmt.Fprintf(&b, " is allowed (%s rule %d), but replies are dropped: ", flow.Direction, flow.IntentRule.Number)
	toward := "to"
	if replyDir == plan.Ingress {
		toward = "from"
	}
	fmt.Fprintf(&b, "%s %s %s misses %s %s", replyDir, toward, flow.PeerCIDR, flow.Protocol, portsText(flow.MissingPorts))
	// Name the addresses only when the gap is not the whole peer.
	if missingAddrs := missing.addrRanges(); !slices.Equal(missingAddrs, need.addrRanges()) {
		b.WriteString(" for ")
		b.WriteString(rangesText(missingAddrs, 3))
	}
	fmt.Fprintf(&b, " (%s)", blockersText(replyDir, parts))
	if len(n.Subnets) == 0 {
		b.WriteString("; the NACL is not associated with any subnet yet")
	}
	return b.String()
}

// serviceText is the intent's service as "tcp/443" or "udp/8000-8100".
func serviceText(flow *Flow) string {
	return flow.Protocol.String() + "/" + flow.ServicePorts.String()
}

func portsText(ports []plan.PortRange) string {
	texts := make([]string, len(ports))
	for i, r := range ports {
		texts[i] = r.String()
	}
	return strings.Join(texts, ", ")
}

// rangesText lists at most limit address ranges.
func rangesText(ranges []addrRange, limit int) string {
	texts := make([]string, 0, limit+1)
	for i, r := range ranges {
		if i == limit {
			texts = append(texts, fmt.Sprintf("%d more", len(ranges)-limit))
			break
		}
		texts = append(texts, r.String())
	}
	return joinAnd(texts)
}

// denyNumbers lists the numbers of the deny rules that drop parts of a
// flow, in rule order, and whether the implicit deny drops the rest.
func denyNumbers(parts []deniedPart) (numbers []string, implicit bool) {
	for _, part := range parts {
		if part.by == nil {
			implicit = true
			continue
		}
		numbers = append(numbers, strconv.Itoa(part.by.Number))
	}
	return numbers, implicit
}

// blockersText names what drops the replies: deny rules by number, then
// the implicit deny.
func blockersText(replyDir plan.Direction, parts []deniedPart) string {
	numbers, implicit := denyNumbers(parts)
	if len(numbers) == 0 {
		return "implicit deny"
	}
	rules := "rule"
	if len(numbers) > 1 {
		rules = "rules"
	}
	text := fmt.Sprintf("denied by %s %s %s", replyDir, rules, strings.Join(numbers, ", "))
	if implicit {
		text += " and the implicit deny"
	}
	return text
}

// joinAnd joins "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// subnetRefs names the NACL's subnets, with their CIDR of the finding's
// family when they have one.
func subnetRefs(n *plan.NACL, f plan.Family) []SubnetRef {
	var refs []SubnetRef
	for _, s := range n.Subnets {
		if s == nil {
			continue
		}
		ref := SubnetRef{Address: s.Address}
		other := plan.IPv4
		if f == plan.IPv4 {
			other = plan.IPv6
		}
		for _, fam := range []plan.Family{f, other} {
			if pfx := s.Prefix(fam); pfx.IsValid() {
				ref.CIDR = pfx.String()
				break
			}
		}
		refs = append(refs, ref)
	}
	return refs
}
