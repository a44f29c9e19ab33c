package checks

import (
	"cmp"
	"context"
	"net/netip"
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// Check is one rule, in the style of golang.org/x/tools/go/analysis: plain
// data that reports, documents and configures itself by ID.
type Check struct {
	ID       string   // "RP001"
	Severity Severity // the default; a finding may grade itself (RP001 warnings)
	Title    string   // one line
	Doc      string   // a paragraph: what it finds, why it matters, how to fix
	// Explain is the long form that `returnpath explain` prints after Doc:
	// the background, the port ranges involved and an example fix, as
	// lines of at most 80 characters.
	Explain string
	// run evaluates a network; nil for ExpiredIgnore, whose findings come
	// from the configuration (see Config.Grade), not from the plan.
	run func(*pass)
}

// All lists every check, in ID order; each lives in its own file,
// rpNNN_name.go. It builds new values on each call so that no caller can
// change another's checks.
func All() []*Check {
	list := []Check{
		inboundReplies,     // RP001
		outboundReplies,    // RP002
		securityGroupPaths, // RP003
		subnetPaths,        // RP004
		ephemeralOpenings,  // RP005
		ruleDefinitions,    // RP006
		pathMTU,            // RP007
		unresolved,         // RP008
		expiredIgnore,      // RP009
	}
	out := make([]*Check, len(list))
	for i := range list {
		out[i] = &list[i]
	}
	return out
}

// Config adjusts the checks; the zero value of a field means its default.
type Config struct {
	// UnknownClients is the ephemeral range assumed for clients that are
	// on the internet or not known from the plan: NAT gateways, load
	// balancers and Lambda use all of 1024-65535. Replies must reach it.
	UnknownClients plan.PortRange
	// HostClients is the range of clients known to be Linux or Windows
	// hosts of the plan (32768-65535): subnets where the plan places only
	// instances, ECS tasks, databases and cache clusters. A return-path gap
	// that reaches it breaks ordinary clients: an error. A gap only in the
	// rest of UnknownClients breaks NAT gateways, load balancers and Lambda:
	// a warning unless one is on the path.
	HostClients plan.PortRange
	// Severity overrides the severity of every finding of a rule, by ID.
	Severity map[string]Severity
	// Disabled rules, by ID, report nothing.
	Disabled map[string]bool
}

// DefaultConfig holds the client ranges of SPEC.md and no overrides.
func DefaultConfig() Config {
	return Config{UnknownClients: plan.BroadEphemeral, HostClients: plan.HostEphemeral}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.UnknownClients == (plan.PortRange{}) || c.UnknownClients.Lo > c.UnknownClients.Hi {
		c.UnknownClients = d.UnknownClients
	}
	if c.HostClients == (plan.PortRange{}) || c.HostClients.Lo > c.HostClients.Hi {
		c.HostClients = d.HostClients
	}
	return c
}

// pass is one check running over one network.
type pass struct {
	check    *Check
	network  *plan.Network
	cfg      Config
	facts    *facts // what the passes over one network share
	findings []Finding
}

// report records a finding of the running check; a finding without a
// severity gets the check's default.
func (p *pass) report(f Finding) {
	if f, ok := p.cfg.grade(p.check, f); ok {
		p.findings = append(p.findings, f)
	}
}

// Grade gives a finding made outside Run what Run gives its own findings:
// the rule's default severity when it has none, and the configured
// override. ok is false when the configuration disables the rule or no
// check has the finding's Rule. ExpiredIgnore findings come this way.
func (c Config) Grade(f Finding) (Finding, bool) {
	for _, check := range All() {
		if check.ID == f.Rule {
			return c.grade(check, f)
		}
	}
	return f, false
}

func (c Config) grade(check *Check, f Finding) (Finding, bool) {
	if c.Disabled[check.ID] {
		return f, false
	}
	f.Rule = check.ID
	if f.Severity == 0 {
		f.Severity = check.Severity
	}
	if s, ok := c.Severity[check.ID]; ok && s >= Notice && s <= Error {
		f.Severity = s
	}
	return f, true
}

// Run runs every check on the planned network and returns the findings in
// a stable order. When the plan has a prior state, the checks also run on
// it, and a planned finding that already exists there, on the same subnets
// or more, is marked Existing (the plan does not introduce it); the others
// are New: a broken NACL that this plan gives a subnet breaks traffic that
// was not broken before. Beyond MaxFindingsPerGroup flow findings of one
// rule, resource, leg and status, the rest are folded into one finding
// that counts them (see fold).
func Run(m *plan.Model, cfg Config) []Finding {
	findings, _ := RunContext(context.Background(), m, cfg)
	return findings
}

// RunContext is Run under ctx: when ctx is done, the checks stop (between
// checks, and inside the loops whose work grows with the plan) and it
// returns ctx's error and no findings.
func RunContext(ctx context.Context, m *plan.Model, cfg Config) ([]Finding, error) {
	if m == nil || m.Planned == nil {
		return nil, ctx.Err()
	}
	cfg = cfg.withDefaults()
	// The prior network is checked while the planned one is: they share
	// nothing the checks write, and overlap on more than one core.
	var prior []Finding
	var priorErr error
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		if m.Prior != nil {
			prior, priorErr = runAll(ctx, m.Prior, cfg, nil)
		}
	}()
	findings, err := runAll(ctx, m.Planned, cfg, nil)
	<-checked
	if err != nil {
		return nil, err
	}
	if priorErr != nil {
		return nil, priorErr
	}
	existing := map[findingKey][][]SubnetRef{}
	for _, f := range prior {
		existing[keyOf(f)] = append(existing[keyOf(f)], f.Subnets)
	}
	for i := range findings {
		findings[i].Status = New
		for _, before := range existing[keyOf(findings[i])] {
			if subnetsWithin(findings[i].Subnets, before) {
				findings[i].Status = Existing
				break
			}
		}
	}
	findings = fold(findings)
	numberFixes(findings)
	slices.SortStableFunc(findings, compareFindings)
	return findings, nil
}

// subnetsWithin reports whether every subnet of now was already among
// before.
func subnetsWithin(now, before []SubnetRef) bool {
	for _, s := range now {
		if !slices.ContainsFunc(before, func(b SubnetRef) bool { return b.Address == s.Address }) {
			return false
		}
	}
	return true
}

// runAll runs the checks on one network; the fixes of its findings have
// no numbers yet. shapes is what each shape of NACL rules decides (see
// ruleWalks.byShape), shared with the other networks of the run.
func runAll(ctx context.Context, n *plan.Network, cfg Config, shapes map[string][]shapeDecision) ([]Finding, error) {
	var out []Finding
	shared := newFacts(n, cfg)
	shared.shapes = shapes
	shared.ctx = ctx
	for _, c := range All() {
		if c.run == nil || cfg.Disabled[c.ID] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := &pass{check: c, network: n, cfg: cfg, facts: shared}
		c.run(p)
		out = append(out, p.findings...)
	}
	// A check that saw ctx done stopped early: what it found is partial.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return withoutUncertain(out, n.Unlinked), nil
}

// findingKey identifies a finding across the prior and planned networks:
// rule numbers, witnesses and messages of a flow may change while the
// problem stays the same.
type findingKey struct {
	rule     string
	resource plan.Address
	dir      plan.Direction
	leg      Leg
	family   plan.Family
	protocol plan.Protocol
	peer     netip.Prefix
	service  plan.PortRange
	message  string // only for findings that are not about a flow
}

func keyOf(f Finding) findingKey {
	k := findingKey{rule: f.Rule, resource: f.Resource}
	if f.Flow == nil {
		k.message = f.Message
		return k
	}
	k.dir, k.leg, k.family, k.protocol = f.Flow.Direction, f.Flow.Leg, f.Flow.Family, f.Flow.Protocol
	k.peer, k.service = f.Flow.PeerCIDR, f.Flow.ServicePorts
	return k
}

// compareFindings orders by resource, rule, direction, family, peer and
// service ports, then message, so that output never depends on map or
// model order.
func compareFindings(a, b Finding) int {
	if c := cmp.Compare(a.Resource, b.Resource); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Rule, b.Rule); c != 0 {
		return c
	}
	var fa, fb Flow
	if a.Flow != nil {
		fa = *a.Flow
	}
	if b.Flow != nil {
		fb = *b.Flow
	}
	if c := cmp.Compare(fa.Direction, fb.Direction); c != 0 {
		return c
	}
	if c := cmp.Compare(fa.Family, fb.Family); c != 0 {
		return c
	}
	if c := comparePrefixes(fa.PeerCIDR, fb.PeerCIDR); c != 0 {
		return c
	}
	if c := cmp.Compare(fa.Protocol, fb.Protocol); c != 0 {
		return c
	}
	if c := cmp.Compare(fa.ServicePorts.Lo, fb.ServicePorts.Lo); c != 0 {
		return c
	}
	if c := cmp.Compare(fa.ServicePorts.Hi, fb.ServicePorts.Hi); c != 0 {
		return c
	}
	return cmp.Compare(a.Message, b.Message)
}

func comparePrefixes(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}
