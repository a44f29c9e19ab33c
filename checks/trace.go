package checks

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// A trace answers one question about the planned network: can From reach
// To on one port, and do the replies come back? It follows one concrete
// packet hop by hop, as AWS would filter it: the source's security groups,
// the NACL of every subnet boundary it crosses (a NAT gateway's subnet
// twice), the destination's security groups; then the reply back through
// the NACLs on the client's port (security groups are stateful). Reply
// hops are also evaluated for every port of the client ranges that apply,
// which gives the share of connections that fail. Every hop of a leg is
// evaluated, also after the one that drops the packet (Reached false):
// fixing the first drop alone may not be enough.
//
// The trace never guesses: what the plan does not say (a workload's
// address, an unmanaged default NACL, routes outside the plan, the
// internet gateway) is listed in NotEvaluated.

// TraceEndpoint is one end of a traced flow.
type TraceEndpoint struct {
	// Name is what was asked for: an IP address or a workload address.
	Name string
	// Addr is the address the packets carry. A workload's address is
	// known only at apply: Assumed, and Addr is its subnet's tenth address.
	Addr    netip.Addr
	Assumed bool
	// Subnet holds Addr; nil outside the plan's subnets.
	Subnet *plan.Subnet
	// Workload is the workload at Addr; nil when none of the plan is
	// known there (then no security group is evaluated).
	Workload *plan.Workload
}

// TraceQuery is one flow to trace.
type TraceQuery struct {
	From, To TraceEndpoint
	// Protocol is tcp, udp, icmp or icmpv6.
	Protocol plan.Protocol
	// Port is the service port of tcp and udp.
	Port uint16
	// ICMP is the type and code of an icmp request (neither -1).
	ICMP plan.ICMPMatch
	// ClientPort is the source port of the request; 0 picks one: a port
	// whose reply is dropped when there is one, else one that Linux and
	// Windows clients both use.
	ClientPort uint16
	// NATPort is the port a NAT gateway on the way translates the
	// client's to; 0 picks one the same way.
	NATPort uint16
}

// HopKind is what a hop is; the zero value is invalid.
type HopKind uint8

// Hop kinds.
const (
	SecurityGroupHop HopKind = iota + 1
	NACLHop
	RouteHop
	NATGatewayHop
)

func (k HopKind) String() string {
	switch k {
	case SecurityGroupHop:
		return "security_group"
	case NACLHop:
		return "nacl"
	case RouteHop:
		return "route"
	case NATGatewayHop:
		return "nat_gateway"
	}
	return "invalid-hop"
}

// TraceHop is one place where AWS decides about the packet.
type TraceHop struct {
	Kind HopKind
	// Resource is the NACL, the security group that allows the packet
	// (the workload's first group when none does), the route or the NAT
	// gateway.
	Resource plan.Address
	// Groups are all the security groups of the workload: AWS allows
	// what any of them allows.
	Groups []plan.Address
	// Subnet is the subnet whose boundary a NACL hop is; the subnet of a
	// NAT gateway.
	Subnet *plan.Subnet
	// Workload is the workload of a security-group hop.
	Workload plan.Address
	// Direction is the NACL's or the group's side: ingress or egress; 0
	// for routes and NAT gateways.
	Direction plan.Direction
	// Packet is the packet as it is at this hop.
	Packet Packet
	// Allowed says whether the hop lets the packet through.
	Allowed bool
	// Rule is the rule that matched. Nil and not Allowed: the implicit
	// deny of a NACL, or no rule of the groups allows it. Nil and
	// Allowed: a stateful reply, or a NAT gateway's translation.
	Rule *RuleRef
	// Stateful marks a security group letting a reply back.
	Stateful bool
	// Note says what a route or NAT gateway does.
	Note string
	// Unsure says why the verdict may differ once applied: a rule the
	// trace cannot match (a prefix list, a group whose members are not
	// known at this address).
	Unsure string
	// Reached is false after an earlier hop of the leg dropped the packet:
	// the verdict is what the hop would do if the packet got there.
	Reached bool
	// DroppedPorts are, on a reply-leg NACL hop, the ports (of the client,
	// or of the NAT gateway when PortsOf names it) whose replies this hop
	// drops, among the ranges that apply.
	DroppedPorts []plan.PortRange
	PortsOf      string
}

// ClientShare is one client range of the reply leg and how much of it the
// NACLs on the way drop.
type ClientShare struct {
	Client  string // "Linux hosts", "aws_nat_gateway.main (translated ports)"
	Ports   plan.PortRange
	Failing []plan.PortRange
	// Share is the fraction of Ports in Failing, rounded to 4 decimals.
	Share float64
}

// TraceLeg is the request or the reply.
type TraceLeg struct {
	Leg  Leg
	Hops []TraceHop
	// DroppedAt is the index in Hops of the hop that drops the packet; -1
	// when it is delivered.
	DroppedAt int
	// Clients are the client ranges the reply leg was evaluated for.
	Clients []ClientShare
	// NoReply says why a flow has no reply leg (an ICMP message that is
	// not an echo request); "" otherwise.
	NoReply string
}

// Delivered reports whether the leg delivers the traced packet and, for
// a reply, the replies to every port of the client ranges that apply.
func (l *TraceLeg) Delivered() bool {
	if l.NoReply != "" {
		return true
	}
	if l.DroppedAt >= 0 {
		return false
	}
	for _, c := range l.Clients {
		if len(c.Failing) > 0 {
			return false
		}
	}
	return true
}

// Trace is one traced flow, both ways.
type Trace struct {
	From, To TraceEndpoint
	Family   plan.Family
	Protocol plan.Protocol
	Port     uint16
	ICMP     plan.ICMPMatch
	// ClientPort is the request's source port.
	ClientPort uint16
	Request    TraceLeg
	Reply      TraceLeg
	// NotEvaluated lists what the plan does not say and the trace did not
	// evaluate, each a sentence.
	NotEvaluated []string
}

// Delivered reports whether the request and its replies get through.
func (t *Trace) Delivered() bool { return t.Request.Delivered() && t.Reply.Delivered() }

// Service is "tcp/443" or "icmp/3:4".
func (t *Trace) Service() string {
	if t.Protocol.HasPorts() {
		return fmt.Sprintf("%s/%d", t.Protocol, t.Port)
	}
	return fmt.Sprintf("%s/%d:%d", t.Protocol, t.ICMP.Type, t.ICMP.Code)
}

// portRole is whose port a packet carries at a hop.
type portRole uint8

const (
	roleService portRole = iota + 1
	roleClient           // the client's ephemeral port
	roleNAT              // the port a NAT gateway translated the client's to
)

// hopPlan is a hop before evaluation: where it is and the packet's
// addresses and port roles there.
type hopPlan struct {
	hop              TraceHop
	nacl             *plan.NACL
	groups           []*plan.SecurityGroup
	other            *plan.Workload // the workload at the peer end, for group peers
	src, dst         netip.Addr
	srcRole, dstRole portRole
	// decisions is a NACL hop's first-match walk over every port the
	// packet may carry: which entry decides which ports (nil: implicit).
	decisions []portDecision
	dropped   []plan.PortRange
}

type portDecision struct {
	entry *plan.Entry
	ports []plan.PortRange
}

// clientRange is one range of client ports the reply leg is evaluated for.
type clientRange struct {
	name  string
	ports plan.PortRange
}

// TraceFlow traces q through network n.
func TraceFlow(n *plan.Network, q TraceQuery, cfg Config) *Trace {
	cfg = cfg.withDefaults()
	t := &Trace{From: q.From, To: q.To, Family: familyOfAddr(q.From.Addr), Protocol: q.Protocol, Port: q.Port, ICMP: q.ICMP}
	tb := &traceBuilder{t: t, network: n}
	tb.notes()

	nat := tb.route()
	req, rep := tb.hops(nat)

	clients := traceClients(q, cfg)
	natPorts := plan.BroadEphemeral
	t.ClientPort = q.ClientPort
	for i := range rep {
		tb.walk(&rep[i], clients, natPorts)
	}
	for i := range req {
		tb.walk(&req[i], clients, natPorts)
	}

	// Shares, then the concrete ports: a dropped one when there is one.
	var clientFailing, natFailing portSet
	for _, h := range rep {
		switch h.dstRole {
		case roleClient:
			clientFailing = clientFailing.union(h.dropped)
		case roleNAT:
			natFailing = natFailing.union(h.dropped)
		}
	}
	var shares []ClientShare
	if q.Protocol.HasPorts() {
		for _, c := range clients {
			f := clientFailing.within(c.ports)
			shares = append(shares, ClientShare{Client: c.name, Ports: c.ports, Failing: f, Share: share(f, c.ports)})
		}
		if nat != nil {
			f := natFailing.within(natPorts)
			shares = append(shares, ClientShare{Client: string(nat.workload.Address) + " (translated ports)", Ports: natPorts, Failing: f, Share: share(f, natPorts)})
		}
	}
	var ranges []plan.PortRange
	var failingInRanges portSet
	for _, c := range clients {
		ranges = append(ranges, c.ports)
		failingInRanges = failingInRanges.union(clientFailing.within(c.ports))
	}
	if t.ClientPort == 0 && q.Protocol.HasPorts() {
		t.ClientPort = pickPort(ranges, failingInRanges)
	}
	natPort := q.NATPort
	if natPort == 0 && nat != nil && q.Protocol.HasPorts() {
		natPort = pickPort([]plan.PortRange{natPorts}, natFailing)
	}

	t.Request = tb.decide(RequestLeg, req, t.ClientPort, natPort, false)
	if why := noReply(q.Protocol, q.ICMP); why != "" {
		t.Reply = TraceLeg{Leg: ReplyLeg, DroppedAt: -1, NoReply: why}
	} else {
		t.Reply = tb.decide(ReplyLeg, rep, t.ClientPort, natPort, true)
		t.Reply.Clients = shares
	}
	return t
}

// traceBuilder lays out the hops of one trace.
type traceBuilder struct {
	t       *Trace
	network *plan.Network
}

func (tb *traceBuilder) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !slices.Contains(tb.t.NotEvaluated, msg) {
		tb.t.NotEvaluated = append(tb.t.NotEvaluated, msg)
	}
}

// notes lists what the endpoints leave open.
func (tb *traceBuilder) notes() {
	for _, e := range []TraceEndpoint{tb.t.From, tb.t.To} {
		switch {
		case e.Subnet == nil:
			tb.note("%s is outside the plan's subnets: what filters or routes its traffic there (its own firewall, an internet gateway, a public IP) is not evaluated", e.Addr)
		case e.Workload == nil:
			tb.note("no workload of the plan is known at %s (in %s): no security group is evaluated there", e.Addr, e.Subnet.Address)
		case e.Assumed:
			tb.note("%s's address is known only at apply: %s (an address of %s) stands for it", e.Workload.Address, e.Addr, e.Subnet.Address)
		}
		if e.Workload != nil && len(e.Workload.SecurityGroups) == 0 && e.Workload.Kind != plan.NATGateway {
			tb.note("the plan holds no security group of %s: its groups (the VPC's default group, when it names none) are not evaluated", e.Workload.Address)
		}
		if e.Subnet != nil && e.Subnet.NACL == nil && !tb.sameSubnet() {
			tb.note("%s uses its VPC's default NACL, which this plan does not manage: not evaluated", e.Subnet.Address)
		}
	}
	if tb.t.From.Subnet == nil && tb.t.To.Subnet != nil {
		tb.note("how %s reaches %s from outside the VPC (internet gateway, public IP, load balancer) is not evaluated", tb.t.From.Addr, tb.t.To.Addr)
	}
}

func (tb *traceBuilder) sameSubnet() bool {
	return tb.t.From.Subnet != nil && tb.t.From.Subnet == tb.t.To.Subnet
}

// natPath is a NAT gateway the source's route table sends the flow to.
type natPath struct {
	route    plan.Route
	workload *plan.Workload
	subnet   *plan.Subnet
	addr     netip.Addr
}

// route finds how the source subnet routes the destination: a NAT gateway
// of the plan, or a direct path.
func (tb *traceBuilder) route() *natPath {
	from, to := tb.t.From, tb.t.To
	if from.Subnet == nil || tb.sameSubnet() {
		return nil
	}
	vpc := from.Subnet.VPC
	if vpc != nil && inVPC(vpc, to.Addr) {
		return nil // the local route
	}
	if to.Subnet != nil && to.Subnet.VPC != vpc {
		tb.note("routing from %s to %s (another VPC: peering, transit gateway) is not modelled: the trace takes the packet there", from.Subnet.Address, to.Subnet.Address)
		return nil
	}
	if from.Subnet.Routes == nil {
		tb.note("the plan does not say which route table %s uses: its route to %s is not evaluated", from.Subnet.Address, to.Addr)
		return nil
	}
	var best *plan.Route
	for i := range from.Subnet.Routes {
		r := &from.Subnet.Routes[i]
		if r.Destination.Contains(to.Addr) && (best == nil || r.Destination.Bits() > best.Destination.Bits()) {
			best = r
		}
	}
	switch {
	case best == nil:
		tb.note("no route of %s's route table in the plan covers %s (routes to prefix lists are not modelled): not evaluated", from.Subnet.Address, to.Addr)
		return nil
	case best.NATGateway == nil:
		tb.note("%s sends %s to a target other than a NAT gateway of the plan (internet gateway, peering, transit gateway): the path beyond it is not evaluated", best.Source, best.Destination)
		return nil
	}
	w := best.NATGateway
	var subnet *plan.Subnet
	for _, s := range w.Subnets {
		if s.Prefix(plan.IPv4).IsValid() {
			subnet = s
			break
		}
	}
	if subnet == nil {
		tb.note("%s's subnet has no IPv4 CIDR in the plan: the path through it is not evaluated", w.Address)
		return nil
	}
	addr := standIn(subnet.Prefix(plan.IPv4))
	tb.note("%s's address is known only at apply: %s (an address of %s) stands for it", w.Address, addr, subnet.Address)
	tb.note("beyond %s (its public IP, the internet gateway) is not evaluated", w.Address)
	return &natPath{route: *best, workload: w, subnet: subnet, addr: addr}
}

// hops lays out the request and reply legs.
func (tb *traceBuilder) hops(nat *natPath) (req, rep []hopPlan) {
	from, to := tb.t.From, tb.t.To
	exempt := tb.exempt()
	if exempt != "" {
		tb.note("NACLs do not filter traffic to %s (%s)", to.Addr, exempt)
	}
	if tb.sameSubnet() {
		tb.note("%s and %s are in the same subnet (%s): NACLs do not filter traffic within a subnet", from.Addr, to.Addr, from.Subnet.Address)
	}
	crossing := func(s *plan.Subnet) bool {
		return s != nil && s.NACL != nil && exempt == "" && !tb.sameSubnet()
	}
	natCrossing := nat != nil && nat.subnet.NACL != nil && nat.subnet != from.Subnet
	if nat != nil && nat.subnet.NACL == nil {
		tb.note("%s uses its VPC's default NACL, which this plan does not manage: not evaluated", nat.subnet.Address)
	}
	seenAt := from.Addr // the source address the destination sees
	seenRole := roleClient
	if nat != nil {
		seenAt, seenRole = nat.addr, roleNAT
	}

	// The request: client -> service.
	if g := groupsOf(from); len(g) > 0 {
		req = append(req, sgHop(from, to.Workload, g, plan.Egress, from.Addr, to.Addr, roleClient, roleService))
	}
	if crossing(from.Subnet) {
		req = append(req, naclHop(from.Subnet, plan.Egress, from.Addr, to.Addr, roleClient, roleService))
	}
	if nat != nil {
		req = append(req, hopPlan{
			hop: TraceHop{Kind: RouteHop, Resource: nat.route.Source, Subnet: from.Subnet,
				Note: fmt.Sprintf("%s → %s", nat.route.Destination, nat.workload.Address)},
			src: from.Addr, dst: to.Addr, srcRole: roleClient, dstRole: roleService,
		})
		if natCrossing {
			req = append(req, naclHop(nat.subnet, plan.Ingress, from.Addr, to.Addr, roleClient, roleService))
		}
		req = append(req, hopPlan{
			hop: TraceHop{Kind: NATGatewayHop, Resource: nat.workload.Address, Subnet: nat.subnet,
				Note: fmt.Sprintf("translates the source to its own address and a port of %s", plan.BroadEphemeral)},
			src: nat.addr, dst: to.Addr, srcRole: roleNAT, dstRole: roleService,
		})
		if natCrossing {
			req = append(req, naclHop(nat.subnet, plan.Egress, nat.addr, to.Addr, roleNAT, roleService))
		}
	}
	if crossing(to.Subnet) {
		req = append(req, naclHop(to.Subnet, plan.Ingress, seenAt, to.Addr, seenRole, roleService))
	}
	if g := groupsOf(to); len(g) > 0 {
		req = append(req, sgHop(to, from.Workload, g, plan.Ingress, seenAt, to.Addr, seenRole, roleService))
	}

	// The reply: service -> client, the same way back.
	if g := groupsOf(to); len(g) > 0 {
		h := sgHop(to, from.Workload, g, plan.Egress, to.Addr, seenAt, roleService, seenRole)
		h.hop.Stateful = true
		rep = append(rep, h)
	}
	if crossing(to.Subnet) {
		rep = append(rep, naclHop(to.Subnet, plan.Egress, to.Addr, seenAt, roleService, seenRole))
	}
	if nat != nil {
		if natCrossing {
			rep = append(rep, naclHop(nat.subnet, plan.Ingress, to.Addr, nat.addr, roleService, roleNAT))
		}
		rep = append(rep, hopPlan{
			hop: TraceHop{Kind: NATGatewayHop, Resource: nat.workload.Address, Subnet: nat.subnet,
				Note: "translates the destination back to the client's address and port"},
			src: to.Addr, dst: from.Addr, srcRole: roleService, dstRole: roleClient,
		})
		if natCrossing {
			rep = append(rep, naclHop(nat.subnet, plan.Egress, to.Addr, from.Addr, roleService, roleClient))
		}
	}
	if crossing(from.Subnet) {
		rep = append(rep, naclHop(from.Subnet, plan.Ingress, to.Addr, from.Addr, roleService, roleClient))
	}
	if g := groupsOf(from); len(g) > 0 {
		h := sgHop(from, to.Workload, g, plan.Ingress, to.Addr, from.Addr, roleService, roleClient)
		h.hop.Stateful = true
		rep = append(rep, h)
	}
	return req, rep
}

// exempt names the AWS service address the flow goes to, whose traffic
// NACLs never filter; "" for any other destination.
func (tb *traceBuilder) exempt() string {
	to := tb.t.To.Addr
	if addrs := awsServiceAddrs(familyOfAddr(to)); slices.Contains(addrs[:], to) {
		return "an AWS service address: DNS, instance metadata or time sync"
	}
	if tb.t.From.Subnet != nil && tb.t.From.Subnet.VPC != nil && to.Is4() {
		for _, cidr := range tb.t.From.Subnet.VPC.IPv4 {
			if resolver := nacleval.AddrPlus(cidr.Masked().Addr(), 2); resolver == to {
				return "the VPC's Amazon DNS resolver"
			}
		}
	}
	return ""
}

func groupsOf(e TraceEndpoint) []*plan.SecurityGroup {
	if e.Workload == nil {
		return nil
	}
	return e.Workload.SecurityGroups
}

func naclHop(s *plan.Subnet, dir plan.Direction, src, dst netip.Addr, srcRole, dstRole portRole) hopPlan {
	return hopPlan{
		hop:  TraceHop{Kind: NACLHop, Resource: s.NACL.Address, Subnet: s, Direction: dir},
		nacl: s.NACL, src: src, dst: dst, srcRole: srcRole, dstRole: dstRole,
	}
}

func sgHop(e TraceEndpoint, other *plan.Workload, groups []*plan.SecurityGroup, dir plan.Direction, src, dst netip.Addr, srcRole, dstRole portRole) hopPlan {
	names := make([]plan.Address, len(groups))
	for i, g := range groups {
		names[i] = g.Address
	}
	return hopPlan{
		hop:    TraceHop{Kind: SecurityGroupHop, Resource: names[0], Groups: names, Subnet: e.Subnet, Workload: e.Workload.Address, Direction: dir},
		groups: groups, other: other, src: src, dst: dst, srcRole: srcRole, dstRole: dstRole,
	}
}

// walk evaluates a NACL hop for every port the packet may carry there:
// the service port, every client port of the ranges that apply, or every
// port the NAT gateway translates to.
func (tb *traceBuilder) walk(h *hopPlan, clients []clientRange, natPorts plan.PortRange) {
	if h.nacl == nil {
		return
	}
	t := tb.t
	peer := h.dst
	if h.hop.Direction == plan.Ingress {
		peer = h.src
	}
	var ports plan.PortRange
	switch {
	case !t.Protocol.HasPorts():
		v := icmpValue(t.ICMP)
		if h.dstRole != roleService {
			v = icmpValue(replyICMP(t.Protocol, t.ICMP))
		}
		ports = plan.PortRange{Lo: v, Hi: v}
	case h.dstRole == roleService:
		ports = plan.PortRange{Lo: t.Port, Hi: t.Port}
	case h.dstRole == roleNAT:
		ports = natPorts
	default:
		ports = clients[0].ports
		for _, c := range clients[1:] {
			ports = plan.PortRange{Lo: min(ports.Lo, c.ports.Lo), Hi: max(ports.Hi, c.ports.Hi)}
		}
		if t.ClientPort != 0 {
			// An asked-for port outside the ranges is evaluated too.
			ports = plan.PortRange{Lo: min(ports.Lo, t.ClientPort), Hi: max(ports.Hi, t.ClientPort)}
		}
	}
	traffic := nacleval.SpaceOf(nacleval.FlowBox(t.Protocol, nacleval.AddrRange{Lo: peer, Hi: peer}, ports))
	var dropped portSet
	rest := nacleval.FirstMatch(h.nacl.Entries(h.hop.Direction), t.Family, traffic, func(e *plan.Entry, decided nacleval.Space) bool {
		p := decided.Ports()
		h.decisions = append(h.decisions, portDecision{entry: e, ports: p})
		if !e.Allow {
			dropped = dropped.union(p)
		}
		return true
	})
	if !rest.IsEmpty() {
		p := rest.Ports()
		h.decisions = append(h.decisions, portDecision{ports: p})
		dropped = dropped.union(p)
	}
	if t.Protocol.HasPorts() && h.dstRole != roleService {
		h.dropped = dropped
	}
}

// decide evaluates the concrete packet at every hop of a leg.
func (tb *traceBuilder) decide(leg Leg, hops []hopPlan, clientPort, natPort uint16, reply bool) TraceLeg {
	t := tb.t
	out := TraceLeg{Leg: leg, DroppedAt: -1}
	portOf := func(r portRole) uint16 {
		switch r {
		case roleService:
			return t.Port
		case roleClient:
			return clientPort
		case roleNAT:
			return natPort
		}
		return 0
	}
	for _, h := range hops {
		hop := h.hop
		hop.Packet = Packet{Protocol: t.Protocol, Src: netip.AddrPortFrom(h.src, 0), Dst: netip.AddrPortFrom(h.dst, 0)}
		if t.Protocol.HasPorts() {
			hop.Packet.Src = netip.AddrPortFrom(h.src, portOf(h.srcRole))
			hop.Packet.Dst = netip.AddrPortFrom(h.dst, portOf(h.dstRole))
		}
		switch hop.Kind {
		case NACLHop:
			v := hop.Packet.Dst.Port()
			if !t.Protocol.HasPorts() {
				m := t.ICMP
				if reply {
					m = replyICMP(t.Protocol, t.ICMP)
				}
				v = icmpValue(m)
			}
			hop.Allowed = false
			for _, d := range h.decisions {
				if portsContain(d.ports, v) {
					if d.entry != nil {
						hop.Allowed = d.entry.Allow
						hop.Rule = &RuleRef{Address: d.entry.Source, Number: d.entry.Number}
					}
					break
				}
			}
			if len(h.dropped) > 0 {
				hop.DroppedPorts = h.dropped
				hop.PortsOf = "client"
				if h.dstRole == roleNAT {
					hop.PortsOf = string(tb.natOf(hops))
				}
			}
		case SecurityGroupHop:
			if hop.Stateful {
				hop.Allowed = true
				break
			}
			tb.matchGroups(&hop, h)
		default:
			hop.Allowed = true
		}
		hop.Reached = out.DroppedAt < 0
		if !hop.Allowed && out.DroppedAt < 0 {
			out.DroppedAt = len(out.Hops)
		}
		out.Hops = append(out.Hops, hop)
	}
	return out
}

func (tb *traceBuilder) natOf(hops []hopPlan) plan.Address {
	for _, h := range hops {
		if h.hop.Kind == NATGatewayHop {
			return h.hop.Resource
		}
	}
	return ""
}

// matchGroups decides a security-group hop: the first rule of the
// workload's groups that allows the packet. Rules whose peer the plan
// cannot match here make a denial unsure.
func (tb *traceBuilder) matchGroups(hop *TraceHop, h hopPlan) {
	t := tb.t
	peer := h.dst
	if hop.Direction == plan.Ingress {
		peer = h.src
	}
	var unsure []string
	for _, g := range h.groups {
		for _, r := range g.Rules(hop.Direction) {
			if !sgRuleMatches(r, t.Protocol, hop.Packet.Dst.Port(), t.ICMP) {
				continue
			}
			switch r.Peer {
			case plan.PeerCIDR:
				if r.Prefix.IsValid() && r.Prefix.Contains(peer) {
					hop.Allowed, hop.Resource, hop.Rule = true, g.Address, &RuleRef{Address: r.Source}
					return
				}
			case plan.PeerGroup:
				if r.Group != nil && h.other != nil && slices.Contains(h.other.SecurityGroups, r.Group) {
					hop.Allowed, hop.Resource, hop.Rule = true, g.Address, &RuleRef{Address: r.Source}
					return
				}
				if r.Group != nil && h.other == nil {
					unsure = append(unsure, fmt.Sprintf("%s allows members of %s, and the plan does not say whether %s is one", r.Source, r.Group.Address, peer))
				}
			case plan.PeerPrefixList:
				unsure = append(unsure, fmt.Sprintf("%s allows prefix list %s, whose CIDRs the plan does not hold", r.Source, r.PrefixList))
			}
		}
	}
	hop.Unsure = strings.Join(unsure, "; ")
}

func sgRuleMatches(r plan.SGRule, proto plan.Protocol, port uint16, icmp plan.ICMPMatch) bool {
	if r.Protocol == plan.ProtocolAll {
		return true
	}
	if r.Protocol != proto {
		return false
	}
	if proto.HasPorts() {
		return r.Ports.Lo <= port && port <= r.Ports.Hi
	}
	if proto == plan.ProtocolICMP || proto == plan.ProtocolICMPv6 {
		return (r.ICMP.Type < 0 || r.ICMP.Type == icmp.Type) && (r.ICMP.Code < 0 || r.ICMP.Code == icmp.Code)
	}
	return true
}

// noReply says why an ICMP message gets no reply; "" when it does.
func noReply(proto plan.Protocol, m plan.ICMPMatch) string {
	switch {
	case proto == plan.ProtocolICMP && m.Type != 8:
		return fmt.Sprintf("ICMP type %d is not an echo request: it gets no reply", m.Type)
	case proto == plan.ProtocolICMPv6 && m.Type != 128:
		return fmt.Sprintf("ICMPv6 type %d is not an echo request: it gets no reply", m.Type)
	}
	return ""
}

// replyICMP is the reply to an echo request: an echo reply.
func replyICMP(proto plan.Protocol, m plan.ICMPMatch) plan.ICMPMatch {
	if proto == plan.ProtocolICMPv6 {
		return plan.ICMPMatch{Type: 129, Code: 0}
	}
	return plan.ICMPMatch{Type: 0, Code: 0}
}

// icmpValue is an ICMP type and code as NACL boxes hold them.
func icmpValue(m plan.ICMPMatch) uint16 { return uint16(m.Type)*256 + uint16(m.Code) }

// traceClients are the client ranges the reply leg is evaluated for, by
// what the source is.
func traceClients(q TraceQuery, cfg Config) []clientRange {
	// A fixed-port service (IKE, NAT-T) sends from its own port: the
	// replies go back to it, whatever the client (fixedports.go).
	if ports, ok := fixedReplyPorts(q.Protocol, plan.PortRange{Lo: q.Port, Hi: q.Port}); ok {
		return []clientRange{{"both ends (a fixed-port service)", ports}}
	}
	from := q.From
	hosts := []clientRange{{"Linux hosts", plan.LinuxEphemeral}, {"Windows hosts", plan.WindowsEphemeral}}
	if cfg.HostClients != plan.HostEphemeral {
		hosts = []clientRange{{"hosts (configured range)", cfg.HostClients}}
	}
	w := from.Workload
	switch {
	case w != nil && w.Kind.BroadClients():
		return []clientRange{{w.Kind.String() + " " + string(w.Address), cfg.UnknownClients}}
	case w != nil && w.Kind.HostClients():
		return hosts
	}
	return append(hosts, clientRange{"NAT gateways, load balancers, Lambda", cfg.UnknownClients})
}

// pickPort is the client port of the traced packet: a failing port,
// preferably one that Linux and Windows clients both use, else one of
// either; without a failing port, such a port of the ranges.
func pickPort(ranges []plan.PortRange, failing portSet) uint16 {
	both := plan.PortRange{Lo: plan.WindowsEphemeral.Lo, Hi: plan.LinuxEphemeral.Hi}
	from := []plan.PortRange(failing)
	if len(failing) == 0 {
		from = ranges
	}
	for _, want := range []plan.PortRange{both, plan.HostEphemeral} {
		if p := firstPortIn(from, want); p >= 0 {
			return uint16(p)
		}
	}
	return from[0].Lo
}

// portSet is a sorted list of disjoint, non-adjacent port ranges.
type portSet []plan.PortRange

func (s portSet) union(o []plan.PortRange) portSet {
	all := append(slices.Clone([]plan.PortRange(s)), o...)
	slices.SortFunc(all, func(a, b plan.PortRange) int { return int(a.Lo) - int(b.Lo) })
	var out portSet
	for _, r := range all {
		if n := len(out); n > 0 && int(r.Lo) <= int(out[n-1].Hi)+1 {
			out[n-1].Hi = max(out[n-1].Hi, r.Hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s portSet) within(r plan.PortRange) []plan.PortRange {
	var out []plan.PortRange
	for _, p := range s {
		lo, hi := max(p.Lo, r.Lo), min(p.Hi, r.Hi)
		if lo <= hi {
			out = append(out, plan.PortRange{Lo: lo, Hi: hi})
		}
	}
	return out
}

func portsContain(ranges []plan.PortRange, p uint16) bool {
	for _, r := range ranges {
		if r.Lo <= p && p <= r.Hi {
			return true
		}
	}
	return false
}

func share(failing []plan.PortRange, of plan.PortRange) float64 {
	n := 0
	for _, r := range failing {
		n += r.Len()
	}
	return math.Round(float64(n)/float64(of.Len())*10000) / 10000
}

func familyOfAddr(a netip.Addr) plan.Family {
	if a.Is4() || a.Is4In6() {
		return plan.IPv4
	}
	return plan.IPv6
}

func inVPC(v *plan.VPC, a netip.Addr) bool {
	for _, p := range append(slices.Clone(v.IPv4), v.IPv6...) {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// standIn is the address that stands for a workload of a subnet whose
// own address is known only at apply: the subnet's tenth address, as the
// findings' witnesses use.
func standIn(p netip.Prefix) netip.Addr {
	return localEndpoint(p.Masked())(0).Addr()
}
