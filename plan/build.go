package plan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// Resource types the model reads.
const (
	typeVPC         = "aws_vpc"
	typeSubnet      = "aws_subnet"
	typeNACL        = "aws_network_acl"
	typeDefaultNACL = "aws_default_network_acl"
	typeNACLRule    = "aws_network_acl_rule"
	typeAssociation = "aws_network_acl_association"
)

func modelled(typ string) bool {
	switch typ {
	case typeVPC, typeSubnet, typeNACL, typeDefaultNACL, typeNACLRule, typeAssociation:
		return true
	}
	return placementModelled(typ) || securityGroupModelled(typ) || routeModelled(typ) || unmodelledWorkload(typ)
}

// instance is one resource instance as the plan or the prior state holds it.
type instance struct {
	Address Address
	Module  string // module instance address, "" for the root module
	Type    string
	Name    string
	Key     string // 0 or "a"; "" without count/for_each
	Values  json.RawMessage
	Unknown planjson.Unknowns      // nil in prior state: everything is known
	Config  *tfjson.ConfigResource // nil when the plan has no configuration for it
	// Source names the context file or workspace the instance comes
	// from; "" for the checked plan. Its Address carries the name too.
	Source string
	// id caches knownID once idRead.
	id     string
	idRead bool
	// A context's instances join both networks; what the first builder
	// decoded and followed of them serves the second (see decode, follow).
	decoded  any
	followed []followedAttr
}

// linkerOf is the linker of the source inst comes from.
func (b *builder) linkerOf(inst *instance) *linker {
	if inst.Source == "" {
		return b.linker
	}
	l := b.linkers[inst.Source]
	if l == nil {
		index := b.contextIndexes[inst.Source]
		if index == nil {
			var own []*instance
			for _, i := range b.instances {
				if i.Source == inst.Source {
					own = append(own, i)
				}
			}
			index = newSourceIndex(own, b.contextConfigs[inst.Source])
			b.contextIndexes[inst.Source] = index
		}
		l = &linker{sourceIndex: index, ids: b.ids}
		b.linkers[inst.Source] = l
	}
	return l
}

func build(file string, doc *planjson.Plan, dec *planjson.Decoder, dir string, contexts []*Context) (*Model, error) {
	cfg := newConfigIndex(doc.Configuration, dir, doc.Variables)
	model := &Model{Info: Info{
		FormatVersion:    *doc.FormatVersion,
		TerraformVersion: doc.TerraformVersion,
		Resources:        doc.ManagedChanges,
	}}
	planned, err := plannedInstances(file, doc, dec, cfg, "")
	if err != nil {
		return nil, err
	}
	var prior []*instance
	if doc.PriorState != nil && doc.PriorState.Values != nil {
		if err := collectState(file, &doc.PriorState.Values.RootModule, &prior, 0, ""); err != nil {
			return nil, err
		}
	}
	slots := standaloneSlots(dec, prior)
	merged := mergeContexts(dec, planned, prior, contexts)
	for _, c := range contexts {
		model.Contexts = append(model.Contexts, c.Info)
		for id, s := range c.slots {
			slots[id] = append(slots[id], s...)
		}
	}
	planBuilder := newBuilder(file, dec, append(planned, merged.instances...), cfg, slots)
	planBuilder.contextConfigs = merged.configs
	// A context's instances join both networks, and are indexed for
	// linking once (the same ones, in the same order, in both).
	contextIndexes := map[string]*sourceIndex{}
	planBuilder.contextIndexes = contextIndexes
	planBuilder.placed.priorStandalone = priorStandaloneSGRules(dec, prior)
	if model.Planned, err = planBuilder.network(); err != nil {
		return nil, err
	}
	model.Planned.Unresolved = append(model.Planned.Unresolved, merged.conflicts...)
	if (doc.PriorState != nil && doc.PriorState.Values != nil) || len(contexts) > 0 {
		// Prior state and state context are fully known: they link by id
		// alone; a context plan's own configuration links its values.
		priorBuilder := newBuilder(file, dec, append(prior, merged.instances...), nil, slots)
		priorBuilder.contextConfigs = merged.configs
		priorBuilder.contextIndexes = contextIndexes
		if model.Prior, err = priorBuilder.network(); err != nil {
			return nil, err
		}
	}
	return model, nil
}

// plannedInstances are the instances of modelled types a plan keeps after
// apply, their names decorated with source unless it is "".
func plannedInstances(file string, doc *planjson.Plan, dec *planjson.Decoder, cfg *configIndex, source string) ([]*instance, error) {
	planned := make([]*instance, 0, len(doc.ResourceChanges))
	// The instances are allocated together: thousands of small objects
	// cost the allocator and the collector more than one block.
	block := make([]instance, 0, len(doc.ResourceChanges))
	for i := range doc.ResourceChanges {
		rc := &doc.ResourceChanges[i]
		if rc.Mode != "managed" || rc.Deposed != "" {
			continue
		}
		if !modelled(rc.Type) || rc.Change.Actions.Delete() || rc.Change.Actions.Forget() {
			continue
		}
		key, err := instanceKey(rc.Index)
		if err != nil {
			return nil, inputErrorf(file, "is not a valid plan: %s: %v", rc.Address, err)
		}
		unknown, err := dec.Unknowns(rc.Address, rc.Change.AfterUnknown)
		if err != nil {
			return nil, inputErrorf(file, "is not a valid plan: %v", err)
		}
		block = append(block, instance{
			Address: ContextAddress(Address(rc.Address), source), Module: rc.ModuleAddress, Type: rc.Type, Name: rc.Name, Key: key,
			Values: rc.Change.After, Unknown: unknown, Source: source,
		})
		inst := &block[len(block)-1]
		if inst.Config, err = cfg.resource(inst.Module, inst.Type, inst.Name); err != nil {
			return nil, inputErrorf(file, "is not a valid plan: %s: %v", rc.Address, err)
		}
		planned = append(planned, inst)
	}
	return planned, nil
}

// maxModuleDepth bounds recursion over child modules of hostile input.
const maxModuleDepth = 100

func collectState(file string, m *planjson.StateModule, out *[]*instance, depth int, source string) error {
	if depth > maxModuleDepth {
		return inputErrorf(file, "is not a valid plan: prior_state modules nest deeper than %d", maxModuleDepth)
	}
	for i := range m.Resources {
		r := &m.Resources[i]
		if r.Mode != "managed" || r.DeposedKey != "" || !modelled(r.Type) {
			continue
		}
		key, err := instanceKey(r.Index)
		if err != nil {
			return inputErrorf(file, "is not a valid plan: prior_state %s: %v", r.Address, err)
		}
		*out = append(*out, &instance{
			Address: ContextAddress(Address(r.Address), source), Module: m.Address, Type: r.Type, Name: r.Name, Key: key,
			Values: r.Values, Source: source,
		})
	}
	for i := range m.ChildModules {
		if err := collectState(file, &m.ChildModules[i], out, depth+1, source); err != nil {
			return err
		}
	}
	return nil
}

// builder turns the instances of one moment into a Network.
type builder struct {
	file      string
	dec       *planjson.Decoder // decodes the instances' values
	instances []*instance
	cfg       *configIndex // nil: link by id only
	linker    *linker      // the plan's
	// linkers link the instances of each context file through its own
	// configuration (a context plan's), made on first use; ids is the
	// index of known ids they share with the plan's.
	linkers        map[string]*linker
	contextConfigs map[string]*configIndex
	contextIndexes map[string]*sourceIndex // what the linkers of the contexts know
	ids            *idIndex

	net      *Network
	vpcs     map[*instance]*VPC
	subnets  map[*instance]*Subnet
	nacls    map[*instance]*NACL
	defaults map[*VPC]*NACL // aws_default_network_acl of each VPC
	// byDefaultACL finds a VPC by its default_network_acl_id.
	byDefaultACL map[string]*VPC
	naclValues   map[*instance]*planjson.NACLValues // decoded once, read twice
	byType       map[string][]int                   // positions in instances, by type (see ofType)
	// echoes marks NACLs whose inline lists may repeat their standalone
	// rules (what a refresh shows), to be counted once.
	echoes map[*NACL]bool
	// priorSlots are the standalone rules of prior state by NACL id.
	priorSlots map[string][]ruleSlot
	placed     placementState
}

func newBuilder(file string, dec *planjson.Decoder, instances []*instance, cfg *configIndex, priorSlots map[string][]ruleSlot) *builder {
	ids := &idIndex{dec: dec, instances: instances}
	own := instances
	if slices.ContainsFunc(instances, func(i *instance) bool { return i.Source != "" }) {
		own = slices.DeleteFunc(slices.Clone(instances), func(i *instance) bool { return i.Source != "" })
	}
	return &builder{
		file: file, dec: dec, instances: instances, cfg: cfg, linker: newLinker(own, cfg, ids), priorSlots: priorSlots,
		ids: ids, linkers: map[string]*linker{}, contextIndexes: map[string]*sourceIndex{},
		net:  &Network{},
		vpcs: map[*instance]*VPC{}, subnets: map[*instance]*Subnet{}, nacls: map[*instance]*NACL{},
		defaults: map[*VPC]*NACL{}, echoes: map[*NACL]bool{}, placed: newPlacementState(),
		byDefaultACL: map[string]*VPC{}, naclValues: map[*instance]*planjson.NACLValues{},
	}
}

func (b *builder) unresolved(addr Address, format string, args ...any) {
	b.net.Unresolved = append(b.net.Unresolved, Unresolved{Address: addr, Reason: oneLine(fmt.Sprintf(format, args...))})
}

// oneLine joins the lines of a reason (errors.Join writes one error a
// line), each once: findings carry one-line messages.
func oneLine(s string) string {
	var parts []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" && !slices.Contains(parts, line) {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}

// ofType lists the instances of the given types in plan order. The
// instances are grouped by type on the first call: the steps ask some
// twenty times, some of them once per instance of another type.
func (b *builder) ofType(types ...string) []*instance {
	if b.byType == nil {
		b.byType = map[string][]int{}
		for i, inst := range b.instances {
			b.byType[inst.Type] = append(b.byType[inst.Type], i)
		}
	}
	var positions []int
	for _, typ := range types {
		positions = append(positions, b.byType[typ]...)
	}
	if len(types) > 1 {
		slices.Sort(positions) // plan order across the types
		positions = slices.Compact(positions)
	}
	out := make([]*instance, len(positions))
	for i, p := range positions {
		out[i] = b.instances[p]
	}
	return out
}

func (b *builder) network() (*Network, error) {
	steps := []func() error{b.addVPCs, b.addSubnets, b.addNACLs, b.addStandaloneRules, b.associate,
		b.addSecurityGroups, b.addStandaloneSGRules, b.addWorkloads, b.nameUnmodelled, b.reportPeerGaps, b.addRoutes}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	for _, n := range b.net.NACLs {
		if b.echoes[n] {
			b.dropEchoes(n)
		}
		sortEntries(n.Ingress)
		sortEntries(n.Egress)
		slices.SortFunc(n.Subnets, func(a, c *Subnet) int { return strings.Compare(string(a.Address), string(c.Address)) })
	}
	b.net.NACLs = slices.DeleteFunc(b.net.NACLs, b.overLimit)
	byAddress := func(a, c Unresolved) int {
		return cmp.Or(strings.Compare(string(a.Address), string(c.Address)), strings.Compare(a.Reason, c.Reason))
	}
	slices.SortFunc(b.net.Unresolved, byAddress)
	return b.net, nil
}

// MaxRulesPerFamily is the most rules a NACL may have in one direction
// for one address family: AWS's highest quota (20 by default, 40 at most;
// IPv4 and IPv6 rules are counted apart).
const MaxRulesPerFamily = 40

// overLimit reports a NACL with more rules in a direction and family than
// AWS accepts (RP008) and takes it out of the network, subnets and all:
// AWS would refuse it, and evaluating it costs time that grows with the
// square of its rules.
func (b *builder) overLimit(n *NACL) bool {
	for _, dir := range []Direction{Ingress, Egress} {
		for _, fam := range []Family{IPv4, IPv6} {
			count := 0
			for _, e := range n.Entries(dir) {
				if FamilyOf(e.Prefix) == fam {
					count++
				}
			}
			if count > MaxRulesPerFamily {
				b.unresolved(n.Address, "has %d %s %s rules, more than the %d AWS accepts: it is not evaluated", count, fam, dir, MaxRulesPerFamily)
				for _, s := range n.Subnets {
					s.NACL = nil
				}
				n.Subnets = nil
				return true
			}
		}
	}
	return false
}

func sortEntries(entries []Entry) {
	slices.SortStableFunc(entries, func(a, c Entry) int { return cmp.Compare(a.Number, c.Number) })
}

// ruleSlot is where a NACL rule sits: its direction and number.
type ruleSlot struct {
	Direction Direction
	Number    int
}

// standaloneSlots lists, by NACL id, the slots of the standalone rules in
// prior state: their echoes stay in a NACL's refreshed values even when the
// plan deletes the rule.
func standaloneSlots(dec *planjson.Decoder, prior []*instance) map[string][]ruleSlot {
	slots := map[string][]ruleSlot{}
	for _, inst := range prior {
		var v planjson.NACLRuleValues
		if inst.Type != typeNACLRule || dec.Values(string(inst.Address), inst.Values, &v) != nil ||
			v.NetworkACLID == nil || v.RuleNumber == nil {
			continue
		}
		dir := Ingress
		if v.Egress != nil && *v.Egress {
			dir = Egress
		}
		slots[*v.NetworkACLID] = append(slots[*v.NetworkACLID], ruleSlot{dir, int(*v.RuleNumber)})
	}
	return slots
}

// dropEchoes removes inline entries that repeat a standalone rule of the
// same NACL, now or in prior state: after a refresh, a NACL's ingress/egress
// lists its standalone aws_network_acl_rules too.
func (b *builder) dropEchoes(n *NACL) {
	standalone := map[ruleSlot]bool{}
	if n.ID != "" {
		for _, slot := range b.priorSlots[n.ID] {
			standalone[slot] = true
		}
	}
	for _, e := range append(slices.Clone(n.Ingress), n.Egress...) {
		if !e.Inline && !e.Unmanaged {
			standalone[ruleSlot{e.Direction, e.Number}] = true
		}
	}
	for _, dir := range []Direction{Ingress, Egress} {
		entries := n.Entries(dir)
		kept := entries[:0]
		for _, e := range entries {
			if (!e.Inline && !e.Unmanaged) || !standalone[ruleSlot{e.Direction, e.Number}] {
				kept = append(kept, e)
			}
		}
		if dir == Ingress {
			n.Ingress = kept
		} else {
			n.Egress = kept
		}
	}
}

func (b *builder) addVPCs() error {
	for _, inst := range b.ofType(typeVPC) {
		var v planjson.VPCValues
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		vpc := &VPC{Address: inst.Address, ID: deref(v.ID)}
		if p, ok := b.prefix(inst, "cidr_block", v.CIDRBlock); ok {
			vpc.IPv4 = append(vpc.IPv4, p)
		}
		if p, ok := b.prefix(inst, "ipv6_cidr_block", v.IPv6CIDRBlock); ok {
			vpc.IPv6 = append(vpc.IPv6, p)
		}
		b.vpcs[inst] = vpc
		b.net.VPCs = append(b.net.VPCs, vpc)
		if id := deref(v.DefaultNetworkACLID); id != "" {
			if _, dup := b.byDefaultACL[id]; !dup {
				b.byDefaultACL[id] = vpc
			}
		}
	}
	return nil
}

// prefix reads an optional CIDR attribute; a malformed one is reported.
func (b *builder) prefix(inst *instance, attr string, value *string) (netip.Prefix, bool) {
	if value == nil || *value == "" {
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(*value)
	if err != nil {
		b.unresolved(inst.Address, "%s %q is not a CIDR block", attr, *value)
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

func (b *builder) addSubnets() error {
	for _, inst := range b.ofType(typeSubnet) {
		var v planjson.SubnetValues
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		s := &Subnet{Address: inst.Address, ID: deref(v.ID)}
		s.IPv4, _ = b.prefix(inst, "cidr_block", v.CIDRBlock)
		s.IPv6, _ = b.prefix(inst, "ipv6_cidr_block", v.IPv6CIDRBlock)
		if vpcs, err := b.linkerOf(inst).link(inst, "vpc_id", v.VPCID, typeVPC); err == nil && len(vpcs) == 1 {
			s.VPC = b.vpcs[vpcs[0]]
		} else {
			s.VPC = b.vpcContaining(s.IPv4)
		}
		b.subnets[inst] = s
		b.net.Subnets = append(b.net.Subnets, s)
	}
	return nil
}

// vpcContaining finds the one VPC whose CIDR holds a subnet's CIDR: a
// subnet always lies inside its VPC, so when vpc_id cannot be followed
// (terraform-aws-modules/vpc passes it through a local) the CIDR decides,
// unless several VPCs of the plan overlap.
func (b *builder) vpcContaining(p netip.Prefix) *VPC {
	if !p.IsValid() {
		return nil
	}
	var found *VPC
	for _, vpc := range b.net.VPCs {
		for _, c := range vpc.IPv4 {
			if c.Bits() <= p.Bits() && c.Contains(p.Addr()) {
				if found != nil && found != vpc {
					return nil
				}
				found = vpc
			}
		}
	}
	return found
}

func (b *builder) addNACLs() error {
	for _, inst := range b.ofType(typeNACL, typeDefaultNACL) {
		var v planjson.NACLValues
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		b.naclValues[inst] = &v
		n := &NACL{Address: inst.Address, ID: deref(v.ID), Default: inst.Type == typeDefaultNACL}
		n.VPC = b.naclVPC(inst, &v)
		if n.Default && n.VPC != nil {
			if other := b.defaults[n.VPC]; other != nil {
				b.unresolved(inst.Address, "manages the default network ACL of %s, as %s does too", n.VPC.Address, other.Address)
			} else {
				b.defaults[n.VPC] = n
			}
		}
		for _, dir := range []Direction{Ingress, Egress} {
			b.addInlineRules(inst, n, dir, &v)
		}
		b.nacls[inst] = n
		b.net.NACLs = append(b.net.NACLs, n)
	}
	return nil
}

func (b *builder) naclVPC(inst *instance, v *planjson.NACLValues) *VPC {
	if inst.Type == typeNACL || v.VPCID != nil {
		vpcs, err := b.linkerOf(inst).link(inst, "vpc_id", v.VPCID, typeVPC)
		if err == nil && len(vpcs) == 1 {
			return b.vpcs[vpcs[0]]
		}
		if inst.Type == typeNACL {
			return nil
		}
	}
	// aws_default_network_acl names its VPC by the VPC's default_network_acl_id.
	if v.DefaultNetworkACLID != nil {
		return b.byDefaultACL[*v.DefaultNetworkACLID]
	}
	vpcs, err := b.linkerOf(inst).follow(inst, "default_network_acl_id")
	if err == nil && len(vpcs) == 1 && vpcs[0].Type == typeVPC {
		return b.vpcs[vpcs[0]]
	}
	b.unresolved(inst.Address, "its VPC cannot be linked: %v", orNoMatch(err, vpcs))
	return nil
}

// addInlineRules reads one direction's inline rules. Blocks written in the
// configuration (static ones show in its expressions, dynamic ones do not)
// appear in the values. When the configuration writes no block, the
// attribute is unknown on create, and on update it repeats what the last
// refresh saw: the remaining inline rules, and every standalone rule of the
// NACL, even one being deleted; those echoes are dropped later.
func (b *builder) addInlineRules(inst *instance, n *NACL, dir Direction, v *planjson.NACLValues) {
	attr, values := dir.String(), v.Ingress
	if dir == Egress {
		values = v.Egress
	}
	written, dynamic := false, false
	if inst.Config != nil {
		_, written = inst.Config.Expressions[attr]
		if !written {
			// dynamic blocks are not in the plan's configuration: the
			// module's source says whether there are any; without it,
			// entries are taken for inline rules, as they most often are
			labels, ok := b.linkerOf(inst).dynamicBlocks(inst)
			dynamic = !ok || slices.Contains(labels, attr)
			n.InlineWritten = n.InlineWritten || (ok && dynamic)
		}
	}
	n.InlineWritten = n.InlineWritten || written
	// Entries that no configuration writes are those AWS has (an imported
	// NACL's): they apply, but they are not inline rules.
	unmanaged := inst.Config != nil && !written && !dynamic
	if inst.Unknown.Whole(attr) {
		if written {
			b.unresolved(inst.Address, "its %s rules are unknown until apply", attr)
		}
		return
	}
	if !written {
		b.echoes[n] = true
	}
	for i, r := range values {
		unknown := inst.Unknown.Element(attr, i)
		e, err := inlineEntry(dir, r, unknown)
		if err != nil {
			b.unresolved(inst.Address, "%s rule %s: %v", attr, ruleLabel(r.RuleNo, i), err)
			continue
		}
		e.Source, e.Inline, e.Unmanaged = inst.Address, !unmanaged, unmanaged
		if dir == Ingress {
			n.Ingress = append(n.Ingress, e)
		} else {
			n.Egress = append(n.Egress, e)
		}
	}
}

func ruleLabel(number *int64, index int) string {
	if number != nil {
		return fmt.Sprint(*number)
	}
	return fmt.Sprintf("#%d", index+1)
}

func (b *builder) addStandaloneRules() error {
	var v planjson.NACLRuleValues // one for all: decode's target escapes
	for _, inst := range b.ofType(typeNACLRule) {
		v = planjson.NACLRuleValues{}
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		e, err := standaloneEntry(v, inst.Unknown)
		if err != nil {
			b.unresolved(inst.Address, "cannot be evaluated: %v", err)
			continue
		}
		e.Source = inst.Address
		n, reason := b.linkNACL(inst, v.NetworkACLID)
		if n == nil {
			b.unresolved(inst.Address, "cannot be linked to a network ACL: %s", reason)
			if deref(v.NetworkACLID) == "" {
				// unknown until apply: it may be any NACL of the plan (a
				// known id that is not the plan's is another NACL's)
				b.net.Unlinked = append(b.net.Unlinked, e)
			}
			continue
		}
		if e.Direction == Ingress {
			n.Ingress = append(n.Ingress, e)
		} else {
			n.Egress = append(n.Egress, e)
		}
	}
	return nil
}

// linkNACL finds the one NACL a network_acl_id names, or says why not.
func (b *builder) linkNACL(inst *instance, id *string) (*NACL, string) {
	targets, err := b.linkerOf(inst).link(inst, "network_acl_id", id, typeNACL, typeDefaultNACL, typeVPC)
	if err != nil {
		return nil, err.Error()
	}
	// A network ACL named directly wins over a VPC whose default NACL an
	// expression might also name (an output list that holds both).
	if slices.ContainsFunc(targets, func(t *instance) bool { return t.Type != typeVPC }) {
		targets = slices.DeleteFunc(slices.Clone(targets), func(t *instance) bool { return t.Type == typeVPC })
	}
	var found []*NACL
	for _, t := range targets {
		switch t.Type {
		case typeNACL, typeDefaultNACL:
			found = append(found, b.nacls[t])
		case typeVPC:
			vpc := b.vpcs[t]
			n := b.defaults[vpc]
			if n == nil {
				return nil, fmt.Sprintf("it names the default network ACL of %s, which this plan does not manage (add an aws_default_network_acl)", t.Address)
			}
			found = append(found, n)
		}
	}
	found = slices.Compact(found)
	switch len(found) {
	case 0:
		return nil, orNoMatch(nil, nil)
	case 1:
		return found[0], ""
	}
	names := make([]string, len(found))
	for i, n := range found {
		names[i] = string(n.Address)
	}
	return nil, "network_acl_id may be any of " + strings.Join(names, ", ")
}

func orNoMatch(err error, found []*instance) string {
	if err != nil {
		return err.Error()
	}
	if len(found) > 1 {
		return fmt.Sprintf("it may be any of %d resources", len(found))
	}
	return "no resource of this plan matches"
}

// associate links subnets to NACLs: subnet_ids, aws_network_acl_association,
// and the VPC's default NACL for subnets no other NACL claims.
func (b *builder) associate() error {
	claims := map[*Subnet][]*NACL{}
	claim := func(s *Subnet, n *NACL) {
		if !slices.Contains(claims[s], n) {
			claims[s] = append(claims[s], n)
		}
	}
	for _, inst := range b.ofType(typeNACL, typeDefaultNACL) {
		v := b.naclValues[inst]
		n := b.nacls[inst]
		if inst.Config != nil {
			// Not written: computed, it only repeats association resources
			// (and keeps those being deleted), so those decide.
			if _, written := inst.Config.Expressions["subnet_ids"]; !written {
				continue
			}
		}
		if v.SubnetIDs == nil && !inst.Unknown.AnyIn("subnet_ids") {
			continue
		}
		// A known id of a subnet this plan does not define: the NACL
		// governs it, only its CIDR is not known here.
		ids := v.SubnetIDs[:0:0]
		for _, id := range v.SubnetIDs {
			if id != nil && *id != "" && len(b.linker.withID(*id, []string{typeSubnet})) == 0 {
				n.OutsideSubnets = append(n.OutsideSubnets, *id)
				continue
			}
			ids = append(ids, id)
		}
		if len(n.OutsideSubnets) > 0 {
			b.informational(inst.Address, "it is associated with %s, which this plan does not define: its rules are checked without the subnet's CIDR and workloads",
				strings.Join(n.OutsideSubnets, ", "))
		}
		subnets, err := b.linkerOf(inst).linkList(inst, "subnet_ids", ids, typeSubnet)
		if err != nil {
			b.unresolved(inst.Address, "some subnet_ids cannot be linked: %v", err)
		}
		for _, s := range subnets {
			claim(b.subnets[s], n)
		}
	}
	for _, inst := range b.ofType(typeAssociation) {
		var v planjson.AssociationValues
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		subnets, err := b.linkerOf(inst).link(inst, "subnet_id", v.SubnetID, typeSubnet)
		if err != nil || len(subnets) != 1 {
			b.unresolved(inst.Address, "subnet_id cannot be linked to a subnet: %s", orNoMatch(err, subnets))
			continue
		}
		n, reason := b.linkNACL(inst, v.NetworkACLID)
		if n == nil {
			b.unresolved(inst.Address, "network_acl_id cannot be linked to a network ACL: %s", reason)
			continue
		}
		claim(b.subnets[subnets[0]], n)
	}
	for _, s := range b.net.Subnets {
		owners := claims[s]
		if len(owners) > 1 {
			// An explicit association wins over the default NACL's list.
			explicit := slices.DeleteFunc(slices.Clone(owners), func(n *NACL) bool { return n.Default })
			if len(explicit) == 1 {
				owners = explicit
			}
		}
		switch {
		case len(owners) == 1:
			s.NACL = owners[0]
		case len(owners) > 1:
			names := make([]string, len(owners))
			for i, n := range owners {
				names[i] = string(n.Address)
			}
			b.unresolved(s.Address, "is associated with several network ACLs (%s); a subnet has exactly one", strings.Join(names, ", "))
			continue
		case s.VPC != nil && b.defaults[s.VPC] != nil:
			s.NACL = b.defaults[s.VPC]
		default:
			continue // the VPC's default NACL, not managed here
		}
		s.NACL.Subnets = append(s.NACL.Subnets, s)
	}
	for _, n := range b.net.NACLs {
		if n.VPC == nil && len(n.Subnets) > 0 {
			// A NACL and its subnets share a VPC.
			n.VPC = n.Subnets[0].VPC
		}
	}
	return nil
}

func (b *builder) decode(inst *instance, into any) error {
	target := reflect.ValueOf(into).Elem()
	if inst.Source != "" && inst.decoded != nil && reflect.TypeOf(inst.decoded) == reflect.TypeOf(into) {
		target.Set(reflect.ValueOf(inst.decoded).Elem()) // decoded for the other network
		return nil
	}
	if err := b.dec.Values(string(inst.Address), inst.Values, into); err != nil {
		if inst.Source != "" {
			return inputErrorf(inst.Source, "is not a valid state or plan: %v", err)
		}
		return inputErrorf(b.file, "is not a valid plan: %v", err)
	}
	if inst.Source != "" {
		// A copy: the caller may change its own (nothing changes what
		// the values point to).
		saved := reflect.New(target.Type())
		saved.Elem().Set(target)
		inst.decoded = saved.Interface()
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
