package plan

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// Security-group resource types the model reads.
const (
	typeSG        = "aws_security_group"
	typeDefaultSG = "aws_default_security_group"
	typeSGRule    = "aws_security_group_rule"
	typeSGIngress = "aws_vpc_security_group_ingress_rule"
	typeSGEgress  = "aws_vpc_security_group_egress_rule"
)

var groupTypes = []string{typeSG, typeDefaultSG}

func securityGroupModelled(typ string) bool {
	switch typ {
	case typeSG, typeDefaultSG, typeSGRule, typeSGIngress, typeSGEgress, typePrefixList, typePrefixListEntry:
		return true
	}
	return false
}

// sgRuleKey identifies a security-group rule by what it allows, to count a
// standalone rule once when a refresh also lists it among the group's
// inline rules. The peer is "cidr:…", "sg:ID" (self included) or "pl:ID".
type sgRuleKey struct {
	dir   Direction
	proto Protocol
	ports PortRange
	icmp  ICMPMatch
	peer  string
}

// placementState is the builder's state for security groups, workloads
// and routes.
type placementState struct {
	groups    map[*instance]*SecurityGroup
	workloads map[*instance]*Workload
	// names indexes subnet groups and launch templates by TYPE|name.
	names map[string][]*instance
	// echoGroups are groups whose inline lists are not written in the
	// configuration, so that they may repeat standalone rules.
	echoGroups map[*SecurityGroup]bool
	// standalone are the keys of each group's standalone rules.
	standalone map[*SecurityGroup]map[sgRuleKey]bool
	// priorStandalone are the keys of the standalone rules of prior state
	// by group id: a refresh keeps listing them inline while the plan
	// deletes them.
	priorStandalone map[string]map[sgRuleKey]bool
	// peerGaps are peers of a group's rules that cannot be evaluated. They
	// matter only for a group with members in the plan, which is known once
	// workloads are placed.
	peerGaps []peerGap
	// prefixLists are the managed prefix lists of the plan with their
	// CIDRs, read on first use.
	prefixLists map[*instance]*prefixListCIDRs
}

type peerGap struct {
	group *SecurityGroup
	gap   Unresolved
}

// peerGap records a rule peer that cannot be evaluated.
func (b *builder) peerGap(g *SecurityGroup, addr Address, informational bool, format string, args ...any) {
	b.placed.peerGaps = append(b.placed.peerGaps, peerGap{g, Unresolved{
		Address: addr, Reason: oneLine(fmt.Sprintf(format, args...)), Informational: informational,
	}})
}

// reportPeerGaps reports the peers that cannot be evaluated of groups with
// members: without members, no check reads the group's rules.
func (b *builder) reportPeerGaps() error {
	for _, p := range b.placed.peerGaps {
		if len(p.group.Members) > 0 {
			b.net.Unresolved = append(b.net.Unresolved, p.gap)
		}
	}
	return nil
}

func newPlacementState() placementState {
	return placementState{
		groups: map[*instance]*SecurityGroup{}, workloads: map[*instance]*Workload{}, echoGroups: map[*SecurityGroup]bool{},
		standalone: map[*SecurityGroup]map[sgRuleKey]bool{},
	}
}

// priorStandaloneSGRules collects the keys of prior state's standalone
// security-group rules by the id of their group.
func priorStandaloneSGRules(dec *planjson.Decoder, prior []*instance) map[string]map[sgRuleKey]bool {
	out := map[string]map[sgRuleKey]bool{}
	add := func(groupID string, keys []sgRuleKey) {
		if out[groupID] == nil {
			out[groupID] = map[sgRuleKey]bool{}
		}
		for _, k := range keys {
			out[groupID][k] = true
		}
	}
	for _, inst := range prior {
		switch inst.Type {
		case typeSGRule:
			var v planjson.SGRuleValues
			if dec.Values(string(inst.Address), inst.Values, &v) != nil || v.SecurityGroupID == nil || v.Type == nil {
				continue
			}
			dir := Ingress
			if *v.Type == "egress" {
				dir = Egress
			}
			m, err := parseSGMatch(v.Protocol, v.FromPort, v.ToPort)
			if err != nil {
				continue
			}
			var peers []string
			for _, c := range append(slices.Clone(v.CIDRBlocks), v.IPv6CIDRBlocks...) {
				if p, err := netip.ParsePrefix(deref(c)); err == nil {
					peers = append(peers, "cidr:"+p.Masked().String())
				}
			}
			for _, pl := range v.PrefixListIDs {
				peers = append(peers, "pl:"+deref(pl))
			}
			if v.Self != nil && *v.Self {
				peers = append(peers, "sg:"+*v.SecurityGroupID)
			}
			if id := deref(v.SourceSecurityGroupID); id != "" {
				peers = append(peers, "sg:"+id)
			}
			var keys []sgRuleKey
			for _, p := range peers {
				keys = append(keys, sgRuleKey{dir, m.proto, m.ports, m.icmp, p})
			}
			add(*v.SecurityGroupID, keys)
		case typeSGIngress, typeSGEgress:
			var v planjson.VPCSGRuleValues
			if dec.Values(string(inst.Address), inst.Values, &v) != nil || v.SecurityGroupID == nil {
				continue
			}
			m, err := parseSGMatch(v.IPProtocol, v.FromPort, v.ToPort)
			if err != nil {
				continue
			}
			dir := Ingress
			if inst.Type == typeSGEgress {
				dir = Egress
			}
			var peer string
			switch {
			case deref(v.CIDRIPv4) != "" || deref(v.CIDRIPv6) != "":
				p, err := netip.ParsePrefix(deref(v.CIDRIPv4) + deref(v.CIDRIPv6))
				if err != nil {
					continue
				}
				peer = "cidr:" + p.Masked().String()
			case deref(v.PrefixListID) != "":
				peer = "pl:" + *v.PrefixListID
			case deref(v.ReferencedSecurityGroupID) != "":
				peer = "sg:" + *v.ReferencedSecurityGroupID
			default:
				continue
			}
			add(*v.SecurityGroupID, []sgRuleKey{{dir, m.proto, m.ports, m.icmp, peer}})
		}
	}
	return out
}

// sgMatch is the traffic a security-group rule matches, without its peer.
type sgMatch struct {
	proto Protocol
	ports PortRange
	icmp  ICMPMatch
}

// parseSGMatch reads a rule's protocol and ports the way security groups
// use them: tcp and udp need a port range, icmp puts the type in from_port
// and the code in to_port (-1: any), and every other protocol has no ports.
func parseSGMatch(protocol *string, from, to *int64) (sgMatch, error) {
	if protocol == nil {
		return sgMatch{}, errors.New("protocol is missing")
	}
	proto, err := ParseProtocol(strings.ToLower(*protocol))
	if err != nil {
		return sgMatch{}, err
	}
	m := sgMatch{proto: proto, ports: AllPorts, icmp: AnyICMP}
	switch {
	case proto.HasPorts():
		if from == nil || to == nil {
			return sgMatch{}, errors.New("from_port and to_port are required for " + proto.String())
		}
		lo, hi := *from, *to
		if lo == -1 && hi == -1 {
			return m, nil // all ports, as the API may store it
		}
		if lo < 0 || hi > 65535 || lo > hi {
			return sgMatch{}, fmt.Errorf("port range %d-%d is not valid", lo, hi)
		}
		m.ports = PortRange{uint16(lo), uint16(hi)}
	case proto == ProtocolICMP || proto == ProtocolICMPv6:
		// from_port is the type and to_port the code.
		if m.icmp, err = icmpMatch("from_port (the ICMP type)", from, "to_port (the ICMP code)", to); err != nil {
			return sgMatch{}, err
		}
	}
	return m, nil
}

func (m sgMatch) rule(dir Direction, source Address, inline bool) SGRule {
	return SGRule{Direction: dir, Protocol: m.proto, Ports: m.ports, ICMP: m.icmp, Source: source, Inline: inline}
}

// key identifies a rule; owner is the group the rule belongs to.
func (r SGRule) key(owner *SecurityGroup) (sgRuleKey, bool) {
	k := sgRuleKey{r.Direction, r.Protocol, r.Ports, r.ICMP, ""}
	switch r.Peer {
	case PeerCIDR:
		k.peer = "cidr:" + r.Prefix.String()
	case PeerPrefixList:
		k.peer = "pl:" + r.PrefixList
	case PeerGroup:
		if r.Group.ID == "" {
			// A group created by this plan: no refresh can echo a rule
			// naming it, so it needs no key.
			return k, false
		}
		k.peer = "sg:" + r.Group.ID
	}
	return k, k.peer != ""
}

func (b *builder) addSecurityGroups() error {
	type pending struct {
		inst   *instance
		group  *SecurityGroup
		values planjson.SecurityGroupValues
	}
	var all []pending
	for _, inst := range b.ofType(groupTypes...) {
		var v planjson.SecurityGroupValues
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		g := &SecurityGroup{Address: inst.Address, ID: deref(v.ID), Default: inst.Type == typeDefaultSG}
		if vpcs, err := b.linkerOf(inst).link(inst, "vpc_id", v.VPCID, typeVPC); err == nil && len(vpcs) == 1 {
			g.VPC = b.vpcs[vpcs[0]]
		}
		b.placed.groups[inst] = g
		b.net.SecurityGroups = append(b.net.SecurityGroups, g)
		all = append(all, pending{inst, g, v})
	}
	// Inline rules name other groups, so every group must exist first.
	for _, p := range all {
		b.addInlineSGRules(p.inst, p.group, Ingress, p.values.Ingress)
		b.addInlineSGRules(p.inst, p.group, Egress, p.values.Egress)
	}
	return nil
}

// addInlineSGRules reads one direction's inline rules of a group. As for
// NACLs, an attribute the configuration does not write is unknown on
// create, and on update repeats what a refresh saw, standalone rules
// included; those echoes are dropped once the standalone rules are known.
func (b *builder) addInlineSGRules(inst *instance, g *SecurityGroup, dir Direction, values []planjson.SGInlineRule) {
	attr := dir.String()
	written := false
	if inst.Config != nil {
		_, written = inst.Config.Expressions[attr]
	}
	if inst.Unknown.Whole(attr) {
		if written {
			b.unresolved(inst.Address, "its inline %s rules are unknown until apply", attr)
		}
		return
	}
	if !written {
		b.placed.echoGroups[g] = true
	}
	// The configuration lists the references of the whole attribute, not
	// of each block, and the plan orders the blocks as a set: a group id
	// unknown until apply can be given to its block only when one block
	// has one, or when every such block names the same single group.
	var waiting []int
	rules := make([][]SGRule, len(values))
	bases := make([]SGRule, len(values))
	for i, v := range values {
		unknown := inst.Unknown.Element(attr, i)
		label := fmt.Sprintf("inline %s rule #%d", attr, i+1)
		m, err := parseSGMatch(v.Protocol, v.FromPort, v.ToPort)
		if err == nil {
			err = unknownIn(unknown, "protocol", "from_port", "to_port", "cidr_blocks", "ipv6_cidr_blocks")
		}
		if err != nil {
			b.unresolved(inst.Address, "%s cannot be evaluated: %v", label, err)
			continue
		}
		label = fmt.Sprintf("inline %s rule %s", attr, m.text())
		base := m.rule(dir, inst.Address, true)
		bases[i] = base
		rules[i] = append(rules[i], b.cidrPeers(inst.Address, label, base, v.CIDRBlocks, v.IPv6CIDRBlocks)...)
		rules[i] = append(rules[i], b.prefixListPeers(g, inst, attr, unknown.AnyIn("prefix_list_ids"), label, base, v.PrefixListIDs)...)
		if v.Self != nil && *v.Self {
			rules[i] = append(rules[i], withGroup(base, g))
		}
		for _, id := range v.SecurityGroups {
			if id == nil || *id == "" {
				continue
			}
			found := b.linker.withID(*id, groupTypes)
			if len(found) == 0 {
				continue // a group this plan does not manage: its members are unknown
			}
			rules[i] = append(rules[i], withGroup(base, b.placed.groups[found[0]]))
		}
		if unknown.AnyIn("security_groups") {
			waiting = append(waiting, i)
		}
	}
	if len(waiting) > 0 {
		found, err := b.linkerOf(inst).follow(inst, attr)
		groups := b.groupsOf(found)
		switch {
		case err != nil || len(groups) == 0:
			b.peerGap(g, inst.Address, false, "the security groups its inline %s rules name cannot be linked: %s", attr, orNoMatch(err, nil))
		case len(waiting) == 1 || len(groups) == 1:
			for _, i := range waiting {
				for _, peer := range groups {
					rules[i] = append(rules[i], withGroup(bases[i], peer))
				}
			}
		default:
			names := make([]string, len(groups))
			for i, peer := range groups {
				names[i] = string(peer.Address)
			}
			b.peerGap(g, inst.Address, true, "%d inline %s rules name security groups known only at apply (%s), and the plan does not say which rule names which: those peers are not checked (standalone aws_vpc_security_group_%s_rule resources would be)",
				len(waiting), attr, strings.Join(names, ", "), attr)
		}
	}
	for _, rs := range rules {
		for _, r := range rs {
			b.addSGRule(g, r)
		}
	}
}

// withoutPeer is the rule's match with no peer, to give it another one.
func (r SGRule) withoutPeer() SGRule {
	r.Peer, r.Prefix, r.Group, r.PrefixList = 0, netip.Prefix{}, nil, ""
	return r
}

func withGroup(r SGRule, g *SecurityGroup) SGRule {
	r = r.withoutPeer()
	r.Peer, r.Group = PeerGroup, g
	return r
}

// text is the rule's traffic as "tcp/443", "icmp" or "all".
func (m sgMatch) text() string {
	if m.proto.HasPorts() {
		return m.proto.String() + "/" + m.ports.String()
	}
	return m.proto.String()
}

func unknownIn(u planjson.Unknowns, attrs ...string) error {
	for _, a := range attrs {
		if u.AnyIn(a) {
			return fmt.Errorf("%s is unknown until apply", a)
		}
	}
	return nil
}

// cidrPeers gives a rule one peer per CIDR block; a malformed block is
// reported.
func (b *builder) cidrPeers(addr Address, label string, base SGRule, v4, v6 []*string) []SGRule {
	var out []SGRule
	for fi, list := range [][]*string{v4, v6} {
		want := IPv4
		if fi == 1 {
			want = IPv6
		}
		for _, c := range list {
			if c == nil || *c == "" {
				continue
			}
			p, err := netip.ParsePrefix(*c)
			if err != nil || FamilyOf(p) != want {
				b.unresolved(addr, "%s: %q is not an %s CIDR block", label, *c, want)
				continue
			}
			r := base.withoutPeer()
			r.Peer, r.Prefix = PeerCIDR, p.Masked()
			out = append(out, r)
		}
	}
	return out
}

func (b *builder) informational(addr Address, format string, args ...any) {
	b.unresolved(addr, format, args...)
	b.net.Unresolved[len(b.net.Unresolved)-1].Informational = true
}

// groupsOf maps group instances to the model's groups, in address order.
func (b *builder) groupsOf(found []*instance) []*SecurityGroup {
	var out []*SecurityGroup
	seen := map[*SecurityGroup]bool{}
	for _, inst := range ofTypes(found, groupTypes) {
		if g := b.placed.groups[inst]; g != nil && !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, c *SecurityGroup) int { return strings.Compare(string(a.Address), string(c.Address)) })
	return out
}

func (b *builder) addSGRule(g *SecurityGroup, r SGRule) {
	if !r.Inline {
		if k, ok := r.key(g); ok {
			if b.placed.standalone[g] == nil {
				b.placed.standalone[g] = map[sgRuleKey]bool{}
			}
			b.placed.standalone[g][k] = true
		}
	}
	if r.Direction == Ingress {
		g.Ingress = append(g.Ingress, r)
	} else {
		g.Egress = append(g.Egress, r)
	}
}

// linkGroup resolves an attribute naming one security group. outside is
// true for a known id of a group this plan does not manage.
func (b *builder) linkGroup(inst *instance, attr string, id *string) (g *SecurityGroup, outside bool, err error) {
	if id != nil && *id != "" && len(b.linker.withID(*id, groupTypes)) == 0 {
		return nil, true, nil
	}
	found, err := b.linkerOf(inst).link(inst, attr, id, groupTypes...)
	groups := b.groupsOf(found)
	switch {
	case err != nil:
		return nil, false, err
	case len(groups) == 1:
		return groups[0], false, nil
	case len(groups) == 0:
		return nil, false, errors.New(orNoMatch(nil, nil))
	}
	return nil, false, fmt.Errorf("%s may be any of %d security groups", attr, len(groups))
}

func (b *builder) addStandaloneSGRules() error {
	for _, inst := range b.ofType(typeSGRule, typeSGIngress, typeSGEgress) {
		var err error
		if inst.Type == typeSGRule {
			err = b.addSGRuleResource(inst)
		} else {
			err = b.addVPCSGRuleResource(inst)
		}
		if err != nil {
			return err
		}
	}
	for g := range b.placed.echoGroups {
		b.dropSGEchoes(g)
	}
	return nil
}

// ownerGroup links a standalone rule to its group, or reports why not.
func (b *builder) ownerGroup(inst *instance, id *string) *SecurityGroup {
	g, outside, err := b.linkGroup(inst, "security_group_id", id)
	switch {
	case outside:
		b.informational(inst.Address, "belongs to security group %s, which this plan does not manage: not checked", *id)
	case err != nil:
		b.unresolved(inst.Address, "cannot be linked to a security group: %v", err)
	}
	return g
}

// addSGRuleResource reads an aws_security_group_rule.
func (b *builder) addSGRuleResource(inst *instance) error {
	var v planjson.SGRuleValues
	if err := b.decode(inst, &v); err != nil {
		return err
	}
	dir := Ingress
	switch deref(v.Type) {
	case "ingress":
	case "egress":
		dir = Egress
	default:
		b.unresolved(inst.Address, "cannot be evaluated: type %q is neither ingress nor egress", deref(v.Type))
		return nil
	}
	// source_security_group_id excludes every other peer: next to one it
	// is null, even when the plan shows it unknown (a conditional that
	// modules such as terraform-aws-modules/eks write).
	b.addStandaloneSGRule(inst, standaloneSGRule{
		dir: dir, protocol: v.Protocol, from: v.FromPort, to: v.ToPort,
		known:   []string{"type", "protocol", "from_port", "to_port", "cidr_blocks", "ipv6_cidr_blocks"},
		groupID: v.SecurityGroupID, cidrs: v.CIDRBlocks, ipv6CIDRs: v.IPv6CIDRBlocks, prefixLists: v.PrefixListIDs, prefixListAttr: "prefix_list_ids",
		self:     v.Self != nil && *v.Self,
		peerAttr: "source_security_group_id", peer: v.SourceSecurityGroupID, peerName: "source",
	})
	return nil
}

// addVPCSGRuleResource reads an aws_vpc_security_group_ingress_rule or
// aws_vpc_security_group_egress_rule.
func (b *builder) addVPCSGRuleResource(inst *instance) error {
	var v planjson.VPCSGRuleValues
	if err := b.decode(inst, &v); err != nil {
		return err
	}
	dir := Ingress
	if inst.Type == typeSGEgress {
		dir = Egress
	}
	b.addStandaloneSGRule(inst, standaloneSGRule{
		dir: dir, protocol: v.IPProtocol, from: v.FromPort, to: v.ToPort,
		known:   []string{"ip_protocol", "from_port", "to_port", "cidr_ipv4", "cidr_ipv6"},
		groupID: v.SecurityGroupID, cidrs: []*string{v.CIDRIPv4}, ipv6CIDRs: []*string{v.CIDRIPv6}, prefixLists: []*string{v.PrefixListID}, prefixListAttr: "prefix_list_id",
		peerAttr: "referenced_security_group_id", peer: v.ReferencedSecurityGroupID, peerName: "referenced",
	})
	return nil
}

// standaloneSGRule is what either kind of standalone security group rule
// resource says, in its own attribute names.
type standaloneSGRule struct {
	dir                           Direction
	protocol                      *string
	from, to                      *int64
	known                         []string // attributes that must be known to evaluate it
	groupID                       *string
	cidrs, ipv6CIDRs, prefixLists []*string
	prefixListAttr                string // the attribute that names prefix lists
	self                          bool
	// The peer security group, which excludes every other peer.
	peerAttr string
	peer     *string
	peerName string // "source" or "referenced", for messages
}

// addStandaloneSGRule adds the rules of one standalone rule resource to
// its group, one a peer.
func (b *builder) addStandaloneSGRule(inst *instance, v standaloneSGRule) {
	m, err := parseSGMatch(v.protocol, v.from, v.to)
	if err == nil {
		err = unknownIn(inst.Unknown, v.known...)
	}
	if err != nil {
		b.unresolved(inst.Address, "cannot be evaluated: %v", err)
		return
	}
	g := b.ownerGroup(inst, v.groupID)
	if g == nil {
		return
	}
	label := fmt.Sprintf("%s rule %s", v.dir, m.text())
	base := m.rule(v.dir, inst.Address, false)
	rules := b.cidrPeers(inst.Address, label, base, v.cidrs, v.ipv6CIDRs)
	rules = append(rules, b.prefixListPeers(g, inst, v.prefixListAttr, inst.Unknown.AnyIn(v.prefixListAttr), label, base, v.prefixLists)...)
	if v.self {
		rules = append(rules, withGroup(base, g))
	}
	if len(rules) == 0 && (v.peer != nil || inst.Unknown.AnyIn(v.peerAttr)) {
		peer, outside, err := b.linkGroup(inst, v.peerAttr, v.peer)
		switch {
		case outside:
			// A group this plan does not manage: its members are unknown.
		case err != nil:
			b.peerGap(g, inst.Address, false, "its %s security group cannot be linked: %v", v.peerName, err)
		default:
			rules = append(rules, withGroup(base, peer))
		}
	}
	for _, r := range rules {
		b.addSGRule(g, r)
	}
}

// dropSGEchoes removes inline rules that repeat a standalone rule of the
// same group, now or in prior state.
func (b *builder) dropSGEchoes(g *SecurityGroup) {
	echo := func(r SGRule) bool {
		if !r.Inline {
			return false
		}
		k, ok := r.key(g)
		return ok && (b.placed.standalone[g][k] || (g.ID != "" && b.placed.priorStandalone[g.ID][k]))
	}
	g.Ingress = slices.DeleteFunc(g.Ingress, echo)
	g.Egress = slices.DeleteFunc(g.Egress, echo)
}
