package checks

// RP008: everything the model could not link or evaluate.

var unresolved = Check{
	ID:       "RP008",
	Severity: Warning,
	Title:    "a rule, association or placement cannot be linked or evaluated",
	Doc: "The plan holds a NACL or security-group rule, an association, a route or a workload " +
		"placement whose target or values are unknown until apply and cannot be resolved from " +
		"the configuration (a data source, a local, an opaque expression). Its effect is left " +
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
source, a local value or an id that is not in the plan cannot be linked.
Its effect is left out of every other check, so a broken return path may
go unreported, or a working one be reported.

Example: the NACL id comes from a local value, which the plan JSON does not
record.

  locals { acl_id = aws_network_acl.public.id }
  resource "aws_network_acl_rule" "ssh_in" {
    network_acl_id = local.acl_id
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
		f := Finding{Resource: u.Address, Message: msg}
		if u.Informational {
			f.Severity = Notice // nothing is wrong; the plan does not hold the value
		}
		p.report(f)
	}
}
