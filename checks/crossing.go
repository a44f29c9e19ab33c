package checks

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// A crossing is a connection that something other than the NACL's own
// rules allows (a security group, another subnet's NACL, a route through a
// NAT gateway), seen from one NACL on its path: the requests cross the NACL
// in direction dir between its subnets and remote addresses, and the
// replies cross it the other way. RP003 and RP004 evaluate crossings.
type crossing struct {
	nacl    *plan.NACL
	dir     plan.Direction // the requests' direction through the NACL
	family  plan.Family
	proto   plan.Protocol
	service plan.PortRange
	// remote are the addresses at the other end, exempt peers removed;
	// remotePrefix names them in findings and fixes.
	remote       []nacleval.AddrRange
	remotePrefix netip.Prefix
	// locals are the subnets on the NACL's side; local is the first's
	// CIDR, for witnesses.
	locals []*plan.Subnet
	local  netip.Prefix
	// replies checks the replies of the requests that pass, to the remote
	// addresses ranges, through rules (the reply direction).
	replies func(ranges []nacleval.AddrRange, rules nacleval.Rules) replyGap
	// need is the requests' traffic and undecided the part of it that no
	// intent rule of the NACL decides, once requests has worked them out.
	need, undecided nacleval.Space
	requested       bool
	// scopedReplies restricts the reply check to remote addresses the
	// NACL's reply direction allows anything for: a broad CIDR in a
	// security group (0.0.0.0/0) is no sign that the subnet talks to all
	// of it, while a NACL that lets nothing back from an address has cut
	// it off on purpose.
	scopedReplies bool
	// allowedBy is the rule that allows the connection, as a reference
	// and in words.
	allowedBy     RuleRef
	allowedByText func() string
	// localText and remoteText describe the two ends in messages. These
	// texts are functions: only the few crossings that are reported are
	// described.
	localText, remoteText func() string
}

// brokenLeg is what a crossing finding is about, to tell whether two
// checks found the same problem.
type brokenLeg struct {
	nacl   *plan.NACL
	dir    plan.Direction
	leg    Leg
	family plan.Family
	proto  plan.Protocol
	remote nacleval.Space // addresses only
}

// same reports whether o is about the same NACL direction and traffic.
func (l brokenLeg) same(o brokenLeg) bool {
	if l.nacl != o.nacl || l.dir != o.dir || l.leg != o.leg || l.family != o.family {
		return false
	}
	if l.proto != o.proto && l.proto != plan.ProtocolAll && o.proto != plan.ProtocolAll {
		return false
	}
	return !l.remote.Intersect(o.remote).IsEmpty()
}

// evaluate checks a crossing: the requests must pass the NACL in dir, and
// the replies of those that pass in the opposite direction. Requests that
// one of the NACL's own intent rules lets through are left to RP001 and
// RP002. It returns at most one finding (without rule) and what it is
// about.
func (f *facts) evaluate(c crossing) (*Finding, brokenLeg, bool) {
	if !f.requests(&c) {
		return nil, brokenLeg{}, false
	}
	need, undecided := c.need, c.undecided
	requestParts := f.rules().of(c.nacl, c.dir, c.family).Denied(need)
	var blocked nacleval.Space
	for _, part := range requestParts {
		blocked = append(blocked, part.Space...)
	}
	if need.Subtract(blocked).IsEmpty() {
		if deniedOnPurpose(requestParts) {
			return nil, brokenLeg{}, false
		}
		fd := requestFinding(c, need, requestParts)
		return fd, brokenLeg{c.nacl, c.dir, RequestLeg, c.family, c.proto, nacleval.AddrSpace(c.remote...)}, true
	}
	// The requests that pass and that no intent rule decides.
	passing := undecided.Subtract(blocked)
	if passing.IsEmpty() {
		return nil, brokenLeg{}, false
	}
	replyDir := c.dir.Opposite()
	ranges := passing.AddrRanges()
	if c.scopedReplies {
		ranges = nacleval.IntersectRanges(ranges, f.rules().talkedTo(c.nacl, replyDir, c.family))
	}
	var gap replyGap
	if fixed, ok := fixedReplyPorts(c.proto, c.service); ok {
		gap = localReplyGap(c.proto, ranges, clients{ports: fixed}, nil, f.rules().of(c.nacl, replyDir, c.family))
	} else {
		gap = c.replies(ranges, f.rules().of(c.nacl, replyDir, c.family))
	}
	replyParts, who := gap.parts, gap.who
	if len(replyParts) == 0 {
		return nil, brokenLeg{}, false
	}
	var missing nacleval.Space
	for _, part := range replyParts {
		missing = append(missing, part.Space...)
	}
	flow := c.flow(ReplyLeg)
	flow.ClientPorts = who.ports
	flow.MissingPorts = missing.Ports()
	flow.Witness, flow.BlockingRule, flow.FailingShare = witness(c.local, flow, missing, replyParts)

	severity := replySeverity(flow.MissingPorts, f.cfg.HostClients)
	if _, ok := fixedReplyPorts(c.proto, c.service); ok {
		severity = Error // every reply of the service is dropped
	}
	clientAddrs := rangesText(missing.AddrRanges(), c.remotePrefix, 3)
	if slices.Equal(missing.AddrRanges(), nacleval.AddrSpace(c.remote...).AddrRanges()) {
		// The whole remote end: name it as the configuration does.
		clientAddrs = c.remotePrefix.String()
	}
	if c.dir == plan.Egress {
		// The local subnets are the clients.
		var prefixes []string
		for _, s := range c.locals {
			if pfx := s.Prefix(c.family); pfx.IsValid() {
				prefixes = append(prefixes, pfx.String())
			}
		}
		clientAddrs = joinAnd(prefixes)
	}
	to := clientAddrs + ":" + portsText(flow.MissingPorts)
	if _, err := netip.ParsePrefix(clientAddrs); err != nil {
		// several blocks: "every address except ...", ports apart
		to = clientAddrs + " on ports " + portsText(flow.MissingPorts)
	}
	msg := fmt.Sprintf("%s; reply %s → %s dropped by %s %s (%s)", c.connectionText(),
		c.service, to, c.nacl.Address, replyDir, dropText(replyParts))
	if severity == Warning && who.broad != nil {
		severity = Error
		msg += broadClientText(who)
	}
	fix := replyFix(c.nacl, flow, replyParts, lastRuleNumber(c.nacl.Entries(replyDir)))
	fd := &Finding{Severity: severity, Resource: c.nacl.Address, Message: msg, Subnets: subnetRefs(c.nacl, c.family), Flow: flow, Fix: fix}
	return fd, brokenLeg{c.nacl, c.dir, ReplyLeg, c.family, c.proto, nacleval.AddrSpace(missing.AddrRanges()...)}, true
}

// requests works out the requests' traffic of a crossing (its nacl, dir,
// family, proto, service and remote) and the part of it that no intent
// rule of the NACL decides. It reports false when evaluate has nothing to
// find: no traffic, or all of it traffic an intent rule of the NACL
// allows, which passes and is RP001's and RP002's. That is most crossings,
// so the builders ask before they describe a crossing, and this spares
// evaluate walking the rules for them. The answer depends only on what
// crossingKey holds.
func (f *facts) requests(c *crossing) bool {
	if !c.requested {
		c.requested = true
		c.need = nacleval.FlowSpace(c.proto, c.remote, c.service)
		if !c.need.IsEmpty() && c.nacl != nil {
			c.undecided = c.need.Subtract(f.rules().intentTraffic(c.nacl, c.dir, c.family))
		}
	}
	return !c.undecided.IsEmpty()
}

func (c crossing) flow(leg Leg) *Flow {
	return &Flow{
		Direction: c.dir, Leg: leg, Family: c.family, Protocol: c.proto,
		PeerCIDR: c.remotePrefix, ServicePorts: c.service, IntentRule: c.allowedBy,
	}
}

// connectionText is "CLIENT → SERVER on tcp/5432 (allowed by RULE)"; the
// requests come from the remote end when they enter the NACL's subnets.
func (c crossing) connectionText() string {
	client, server := c.localText(), c.remoteText()
	if c.dir == plan.Ingress {
		client, server = server, client
	}
	return fmt.Sprintf("%s → %s on %s/%s (allowed by %s)", client, server, c.proto, c.service, c.allowedByText())
}

// requestFinding reports a crossing whose requests the NACL drops
// entirely.
func requestFinding(c crossing, need nacleval.Space, parts []nacleval.DeniedPart) *Finding {
	flow := c.flow(RequestLeg)
	// The clients' range, as the replies would need it: with no rule at
	// all, every reply is dropped and the gap names the clients.
	flow.ClientPorts = c.replies(need.AddrRanges(), nacleval.Rules{}).who.ports
	flow.MissingPorts = need.Ports()
	flow.FailingShare = 1
	peer, _ := witnessPeer(need, c.remotePrefix, c.family)
	clientPort := uint16(49152) // inside both the Linux and the Windows range
	localEnd := localEndpoint(c.local)
	flow.Witness = Packet{Protocol: c.proto}
	if c.dir == plan.Ingress {
		flow.Witness.Src, flow.Witness.Dst = netip.AddrPortFrom(peer, clientPort), localEnd(c.service.Lo)
	} else {
		flow.Witness.Src, flow.Witness.Dst = localEnd(clientPort), netip.AddrPortFrom(peer, c.service.Lo)
	}
	proto, _, _ := nacleval.ProtocolInterval(c.proto)
	at := nacleval.Point{Proto: proto, Addr: peer, Port: c.service.Lo}
	for _, part := range parts {
		if part.By != nil && part.Space.Contains(at) {
			flow.BlockingRule = &RuleRef{Address: part.By.Source, Number: part.By.Number}
			break
		}
	}
	fix := newFix(c.nacl, c.dir, c.family, c.proto, c.remotePrefix, c.service, parts, lastRuleNumber(c.nacl.Entries(c.dir)),
		fmt.Sprintf("%s_%s_%s", c.dir, c.proto, strings.ReplaceAll(c.service.String(), "-", "_")))
	msg := fmt.Sprintf("%s dropped by %s %s (%s)", c.connectionText(), c.nacl.Address, c.dir, dropText(parts))
	return &Finding{Severity: Error, Resource: c.nacl.Address, Message: msg, Subnets: subnetRefs(c.nacl, c.family), Flow: flow, Fix: fix}
}

// deniedOnPurpose reports whether deny rules aimed at the traffic drop all
// of it: a NACL that says no to exactly this traffic means it. The
// implicit deny, or a deny of everything that stands for it, does not.
func deniedOnPurpose(parts []nacleval.DeniedPart) bool {
	for _, part := range parts {
		if part.By == nil || catchAll(*part.By) {
			return false
		}
	}
	return len(parts) > 0
}

// catchAll reports whether a rule matches every packet of its family, as a
// "deny all" written at the end of a NACL does.
func catchAll(e plan.Entry) bool {
	return e.Protocol == plan.ProtocolAll && e.Prefix.IsValid() && e.Prefix.Bits() == 0
}

// lastRuleNumber is the highest rule number of a direction: a fix for
// traffic only the implicit deny drops goes after every rule.
func lastRuleNumber(entries []plan.Entry) int {
	last := 0
	for _, e := range entries {
		last = max(last, e.Number)
	}
	return last
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
