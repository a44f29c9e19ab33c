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

// addressParts is what naming and rendering a fix needs of its NACL's
// address: moduleRelative and resourceName.
type addressParts struct{ relative, name string }

// parsedAddresses are the addresses one numberFixes has taken apart:
// parsing is slow, and a large plan has hundreds of fixes on few NACLs.
type parsedAddresses map[plan.Address]addressParts

func (p parsedAddresses) of(a plan.Address) addressParts {
	parts, ok := p[a]
	if !ok {
		parts = addressParts{relative: moduleRelative(a), name: resourceName(a)}
		p[a] = parts
	}
	return parts
}

func (p parsedAddresses) relative(a plan.Address) string { return p.of(a).relative }
