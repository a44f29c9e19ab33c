package checks

import (
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// A standalone NACL rule that no NACL could be linked to (RP008) may belong
// to any NACL of the plan: evaluating the NACLs without it could report
// flows that it lets through, and suggest fixes that add it again. Such
// findings are uncertain and left out; the RP008 says why.

// withoutUncertain drops the flow findings that one of the unlinked rules
// could prevent.
func withoutUncertain(findings []Finding, unlinked []plan.Entry) []Finding {
	if len(unlinked) == 0 {
		return findings
	}
	return slices.DeleteFunc(findings, func(f Finding) bool {
		return f.Flow != nil && slices.ContainsFunc(unlinked, func(e plan.Entry) bool { return couldPrevent(e, f.Flow) })
	})
}

// couldPrevent reports whether a rule, were it in the flow's NACL, could
// let the dropped traffic through: an allow on the dropped leg's direction
// that meets its protocol, peer and ports, or a deny on the requests'
// direction that meets them (the requests would then not pass, and their
// replies need nothing).
func couldPrevent(e plan.Entry, fl *Flow) bool {
	if !e.Prefix.IsValid() || plan.FamilyOf(e.Prefix) != fl.Family || !e.Prefix.Overlaps(fl.PeerCIDR) {
		return false
	}
	if e.Protocol != plan.ProtocolAll && e.Protocol != fl.Protocol {
		return false
	}
	dropped := fl.Direction // the requests' direction
	if fl.Leg == ReplyLeg {
		dropped = fl.Direction.Opposite()
	}
	switch {
	case e.Allow && e.Direction == dropped:
		return slices.ContainsFunc(fl.MissingPorts, e.Ports.Overlaps)
	case !e.Allow && e.Direction == fl.Direction:
		return e.Ports.Overlaps(fl.ServicePorts)
	}
	return false
}
