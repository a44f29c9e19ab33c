package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// The evaluation RP001 and RP002 share: an intent (an allow rule for a TCP
// or UDP service) whose replies the opposite direction of the same NACL
// drops. RP001 checks the ingress intents, RP002 the egress ones.

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
		if p.facts.canceled() {
			return
		}
		if n == nil {
			continue
		}
		for _, fam := range families() {
			exempt := p.facts.exempt().forNACL(n, fam)
			// Peers behind an egress-only internet gateway open no
			// connection to the NACL's subnets: they are no clients.
			var noClients nacleval.Space
			if intentDir == plan.Ingress && fam == plan.IPv6 {
				noClients = egressOnlyPeers(n)
			}
			// Only the part of an intent that no earlier rule decides is
			// traffic the rule really lets through.
			for _, d := range p.facts.rules().decisionsOf(n, intentDir, fam) {
				decided := d.decided.Subtract(noClients)
				if isIntent(*d.entry) && !decided.IsEmpty() {
					peers := d.addrs
					if !noClients.IsEmpty() {
						peers = decided.AddrRanges()
					}
					checkIntent(p, n, intentDir, fam, d.entry, peers, exempt)
				}
			}
		}
	}
}

// checkIntent reports one intent whose replies are dropped. peers are the
// addresses of the intent's traffic that no earlier rule matched. The replies must reach the
// clients' ephemeral ports: for an inbound intent the peers', by what the
// plan places in their subnets; for an outbound one the NACL's own
// subnets'.
func checkIntent(p *pass, n *plan.NACL, intentDir plan.Direction, fam plan.Family, intent *plan.Entry, peers []nacleval.AddrRange, exempt nacleval.Space) {
	replyDir := intentDir.Opposite()
	rc := p.facts.replies()
	replyRules := p.facts.rules().of(n, replyDir, fam)
	var gap replyGap
	fixed, isFixed := fixedReplyPorts(intent.Protocol, intent.Ports)
	if isFixed {
		// both ends use the service port: the replies go to it, whoever
		// the clients are (not cached with the intents that differ only
		// in their ports, whose replies go to ephemeral ports)
		gap = localReplyGap(intent.Protocol, peers, clients{ports: fixed}, exempt, replyRules)
	} else {
		gap = p.facts.intentGaps().of(n, intentDir, fam, intent.Protocol, peers, func(ranges []nacleval.AddrRange) replyGap {
			if intentDir == plan.Ingress {
				return rc.remoteReplyGap(n.VPC, fam, intent.Protocol, ranges, subnetWorkloads, exempt, replyRules)
			}
			who := rc.subnetsClients(n.Subnets, subnetWorkloads)
			return localReplyGap(intent.Protocol, ranges, who, exempt, replyRules)
		})
	}
	need, parts, who := gap.need, gap.parts, gap.who
	if len(parts) == 0 {
		return
	}
	var missing nacleval.Space
	for _, part := range parts {
		missing = append(missing, part.Space...) // parts are disjoint pieces of need
	}

	flow := &Flow{
		Direction:    intentDir,
		Family:       fam,
		Protocol:     intent.Protocol,
		PeerCIDR:     intent.Prefix.Masked(),
		ServicePorts: intent.Ports,
		ClientPorts:  who.ports,
		MissingPorts: missing.Ports(),
		IntentRule:   RuleRef{Address: intent.Source, Number: intent.Number},
		Leg:          ReplyLeg,
	}
	flow.Witness, flow.BlockingRule, flow.FailingShare = witness(localPrefix(n, fam), flow, missing, parts)

	severity, message := replySeverity(flow.MissingPorts, p.cfg.HostClients), replyMessage(n, flow, need, missing, parts)
	if isFixed {
		severity = Error // every reply of the service is dropped
	}
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
		Fix:      replyFix(n, flow, parts, intent.Number),
	})
}

// intentReplies are the reply gaps of the intents of each NACL direction
// and protocol, by the addresses they reach: the replies do not depend on
// the service ports, and intents that differ only there (443 and 80 from
// 0.0.0.0/0) are common.
type intentReplies struct {
	rules *ruleWalks // keeps them with each NACL direction
}

// rangesGap is the reply gap of traffic of a protocol to or from ranges.
type rangesGap struct {
	proto  plan.Protocol
	ranges []nacleval.AddrRange
	gap    replyGap
}

// of is gap(ranges), the reply gap of the intents of NACL n in intentDir
// with protocol proto towards the addresses ranges, computed once for all
// such intents. Readers never write the gap.
func (x *intentReplies) of(n *plan.NACL, intentDir plan.Direction, fam plan.Family, proto plan.Protocol, ranges []nacleval.AddrRange, gap func([]nacleval.AddrRange) replyGap) replyGap {
	d := x.rules.direction(n, intentDir, fam)
	for _, known := range d.replyGaps {
		if known.proto == proto && slices.Equal(known.ranges, ranges) {
			return known.gap
		}
	}
	g := gap(ranges)
	d.replyGaps = append(d.replyGaps, rangesGap{proto, ranges, g})
	return g
}

// replyMessage is the one-line explanation of a broken return path.
func replyMessage(n *plan.NACL, flow *Flow, need, missing nacleval.Space, parts []nacleval.DeniedPart) string {
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
	if missingAddrs := missing.AddrRanges(); !slices.Equal(missingAddrs, need.AddrRanges()) {
		b.WriteString(" for ")
		b.WriteString(rangesText(missingAddrs, flow.PeerCIDR, 3))
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

// blockersText names what drops the replies: deny rules by number, then
// the implicit deny.
func blockersText(replyDir plan.Direction, parts []nacleval.DeniedPart) string {
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
