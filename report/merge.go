package report

import (
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// Merge joins the reports of several plans checked in one run (each with
// the others as context) into one report, grouped by plan: the findings
// of each plan in turn, each naming its plan, and the counts summed.
// Contexts keeps the context files that are not among the plans.
func Merge(reports []*Report) *Report {
	if len(reports) == 1 {
		return reports[0]
	}
	out := &Report{NACLs: []plan.Address{}}
	planFiles := map[string]bool{}
	for _, r := range reports {
		planFiles[r.Plan.File] = true
	}
	for i, r := range reports {
		if i == 0 {
			out.Version, out.Plan = r.Version, r.Plan
		}
		out.Plans = append(out.Plans, r.Plan)
		out.PlanReports = append(out.PlanReports, r)
		for _, f := range r.Findings {
			f.Plan = r.Plan.File
			out.Findings = append(out.Findings, f)
		}
		s := &out.Summary
		s.Errors += r.Summary.Errors
		s.Warnings += r.Summary.Warnings
		s.Notices += r.Summary.Notices
		s.Suppressed += r.Summary.Suppressed
		s.NACLs += r.Summary.NACLs
		s.Rules += r.Summary.Rules
		s.Subnets += r.Summary.Subnets
		s.SecurityGroups += r.Summary.SecurityGroups
		s.ContextFindings += r.Summary.ContextFindings
		s.OutsideSubnets += r.Summary.OutsideSubnets
		out.NACLs = append(out.NACLs, r.NACLs...)
		for _, c := range r.Contexts {
			if !planFiles[c.Name] && !slices.ContainsFunc(out.Contexts, func(o plan.ContextInfo) bool { return o.Name == c.Name }) {
				out.Contexts = append(out.Contexts, c)
			}
		}
	}
	out.Plan.Resources = 0
	for _, p := range out.Plans {
		out.Plan.Resources += p.Resources
	}
	return out
}
