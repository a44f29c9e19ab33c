package checks

import (
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// RP008: everything the model could not link or evaluate.

// Unresolved is the ID of the check that reports what the model could not
// link or evaluate; the CLI also reports through it, with Config.Grade,
// the parts of the configuration it did not read.
const Unresolved = "RP008"

var unresolved = Check{
	ID:       Unresolved,
	Severity: Warning,
	Title:    "a rule, association or placement cannot be linked or evaluated",
	Doc: "The plan holds a NACL or security-group rule, an association, a route or a workload " +
		"placement whose target or values are unknown until apply and cannot be resolved from " +
		"the configuration (a data source, an opaque expression, a local in a module whose source is not there). Its effect is left " +
		"out of every other check, so those checks may miss problems. Reference the resource " +
		"directly or use literal values. What the plan cannot hold although the configuration " +
		"is fine (the CIDRs of a managed prefix list, a security group another configuration " +
		"manages) is a notice.",
	Explain: explainRP008,
	run:     checkUnresolved,
}

const explainRP008 = `Why: returnpath evaluates the NACLs as the plan says they will be. Some
values are unknown until apply (ids of resources created by the plan); they
are linked through the references in the plan's configuration:
aws_network_acl.x.id, [count.index] and [each.key] pairing, module inputs
and outputs. A rule or association whose NACL or subnet comes from a data
source, an opaque value or an id that is not in the plan cannot be linked.
(Locals are read from the modules' .tf files: local sources, and registry
or git modules through .terraform/modules/modules.json.) Its effect is
left out of every other check, so a broken return path may go unreported;
a rule whose NACL is unknown may belong to any NACL, so no error it could
prevent is reported.

Example: the NACL id comes from a data source, known only at apply.

  data "aws_network_acls" "shared" { ... }
  resource "aws_network_acl_rule" "ssh_in" {
    network_acl_id = data.aws_network_acls.shared.ids[0]
    ...
  }

Fix: reference the resource directly (network_acl_id =
aws_network_acl.public.id). When the rule belongs to a NACL that another
configuration manages, ignore the finding with a reason:

  ignore {
    rule     = "RP008"
    resource = "aws_network_acl_rule.ssh_in"
    reason   = "the shared NACL is managed by the network team's stack"
  }
`

// checkUnresolved is RP008: everything the model could not link.
func checkUnresolved(p *pass) {
	for _, u := range p.network.Unresolved {
		msg := u.Reason
		if msg == "" {
			msg = "cannot be linked to a NACL or subnet, or its values cannot be evaluated"
		}
		if slices.ContainsFunc(p.network.Unlinked, func(e plan.Entry) bool { return e.Source == u.Address }) {
			msg += "; it may belong to any NACL of the plan, so no error it could prevent is reported until it is linked"
		}
		f := Finding{Resource: u.Address, Message: msg}
		for _, n := range p.network.NACLs {
			if n != nil && n.Address == u.Address {
				f.Subnets = subnetRefs(n, plan.IPv4) // what the NACL governs, for the report's header
			}
		}
		if u.Informational {
			f.Severity = Notice // nothing is wrong; the plan does not hold the value
		}
		p.report(f)
	}
}
