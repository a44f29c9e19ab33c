package checks

import "github.com/returnpath-dev/returnpath/plan"

// InPlan splits findings on a model with context (plan.Context) into
// those a resource of the checked plan takes part in (its NACL or rule,
// the security group rule that allows the flow, a subnet the finding
// applies to, a workload of the plan that is a member of that group in
// one of those subnets) and those wholly inside the context: existing
// infrastructure of other stacks, not the plan's business. Without
// context every finding is the plan's.
func InPlan(m *plan.Model, findings []Finding) (own, context []Finding) {
	if m == nil || len(m.Contexts) == 0 {
		return findings, nil
	}
	var groups map[plan.Address]*plan.SecurityGroup
	for _, f := range findings {
		if involvesPlan(f) {
			own = append(own, f)
			continue
		}
		if f.Flow != nil && m.Planned != nil {
			if groups == nil {
				groups = groupsByRule(m.Planned)
			}
			if g := groups[f.Flow.IntentRule.Address]; g != nil && planMemberIn(g, f.Subnets) {
				own = append(own, f)
				continue
			}
		}
		context = append(context, f)
	}
	return own, context
}

// involvesPlan reports whether an address the finding names is the plan's.
func involvesPlan(f Finding) bool {
	if f.Resource.Context() == "" {
		return true
	}
	for _, s := range f.Subnets {
		if s.Address.Context() == "" {
			return true
		}
	}
	if fl := f.Flow; fl != nil {
		if fl.IntentRule.Address != "" && fl.IntentRule.Address.Context() == "" {
			return true
		}
		if fl.BlockingRule != nil && fl.BlockingRule.Address.Context() == "" {
			return true
		}
	}
	return false
}

// groupsByRule finds a security group by the address of any of its rules
// (the group itself for inline rules).
func groupsByRule(n *plan.Network) map[plan.Address]*plan.SecurityGroup {
	out := map[plan.Address]*plan.SecurityGroup{}
	for _, g := range n.SecurityGroups {
		out[g.Address] = g
		for _, dir := range []plan.Direction{plan.Ingress, plan.Egress} {
			for _, r := range g.Rules(dir) {
				out[r.Source] = g
			}
		}
	}
	return out
}

// planMemberIn reports whether a workload of the plan is a member of g in
// one of subnets.
func planMemberIn(g *plan.SecurityGroup, subnets []SubnetRef) bool {
	for _, w := range g.Members {
		if w.Address.Context() != "" {
			continue
		}
		for _, s := range w.Subnets {
			for _, ref := range subnets {
				if s.Address == ref.Address {
					return true
				}
			}
		}
	}
	return false
}
