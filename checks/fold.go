package checks

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// MaxFindingsPerGroup is how many flow findings of one rule, resource,
// leg and status a report lists; the others become one finding that
// counts them. Thousands of security groups that reference each other
// make a finding per path through a NACL (a real plan has a handful per
// NACL): listed one by one they made hundreds of MB of output and fixes no
// one would apply one by one.
const MaxFindingsPerGroup = 20

// groupKey is what the findings folded together share.
type groupKey struct {
	rule     string
	resource plan.Address
	leg      Leg
	status   Status
}

// fold keeps the MaxFindingsPerGroup worst flow findings of each group
// (most severe, then the largest failing share) and replaces the rest by
// one finding of the group's rule, resource and status, with the highest
// severity among them, that says how many there are and that the fixes of
// the listed ones come first. Findings not about a flow stay as they are.
func fold(findings []Finding) []Finding {
	groups := map[groupKey][]int{}
	for i, f := range findings {
		if f.Flow != nil {
			k := groupKey{f.Rule, f.Resource, f.Flow.Leg, f.Status}
			groups[k] = append(groups[k], i)
		}
	}
	dropped := map[int]bool{}
	var summaries []Finding
	for _, k := range slices.SortedFunc(maps.Keys(groups), compareGroupKeys) {
		members := groups[k]
		if len(members) <= MaxFindingsPerGroup {
			continue
		}
		slices.SortStableFunc(members, func(a, b int) int { return worseFirst(findings[a], findings[b]) })
		rest := members[MaxFindingsPerGroup:]
		summary := Finding{Rule: k.rule, Resource: k.resource, Status: k.status, Subnets: findings[members[0]].Subnets}
		for _, i := range rest {
			dropped[i] = true
			summary.Severity = max(summary.Severity, findings[i].Severity)
		}
		summary.Message = fmt.Sprintf("%d more flows through %s are dropped on the %s leg like the %d listed, which are the worst: "+
			"returnpath lists at most %d a rule, resource and leg; apply the fixes of those, then check again",
			len(rest), k.resource, k.leg, MaxFindingsPerGroup, MaxFindingsPerGroup)
		summaries = append(summaries, summary)
	}
	if len(summaries) == 0 {
		return findings
	}
	kept := make([]Finding, 0, len(findings)-len(dropped)+len(summaries))
	for i, f := range findings {
		if !dropped[i] {
			kept = append(kept, f)
		}
	}
	return append(kept, summaries...)
}

func compareGroupKeys(a, b groupKey) int {
	return cmp.Or(cmp.Compare(a.resource, b.resource), cmp.Compare(a.rule, b.rule), cmp.Compare(a.leg, b.leg), cmp.Compare(a.status, b.status))
}

// worseFirst orders findings most severe first, then by the share of
// clients that fail, then in report order.
func worseFirst(a, b Finding) int {
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Flow.FailingShare, a.Flow.FailingShare); c != 0 {
		return c
	}
	return compareFindings(a, b)
}
