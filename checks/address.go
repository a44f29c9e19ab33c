package checks

import "github.com/returnpath-dev/returnpath/plan"

// moduleRelative is a resource address as written inside its own module:
// module.vpc.aws_network_acl.public[0] is aws_network_acl.public[0] there.
func moduleRelative(a plan.Address) string {
	r, err := a.Parse()
	if err != nil {
		return string(a) // not a resource address: nothing to take off
	}
	return r.Local()
}

// resourceName is NAME of TYPE.NAME[KEY].
func resourceName(a plan.Address) string {
	r, err := a.Parse()
	if err != nil {
		return string(a)
	}
	return r.Name
}
