package fix

import (
	"github.com/returnpath-dev/returnpath/plan"
)

// address is a resource instance address taken apart (plan's parser:
// module steps with keys, type, name, key; keys as HCL literals, ready to
// be written into an expression), with what the edits ask of it.
type address struct{ plan.ResourceAddress }

func parseAddress(a plan.Address) (address, error) {
	r, err := a.Parse()
	return address{r}, err
}

// parse is parseAddress, once per address: the checks of shared blocks
// compare every NACL of the plan with every fix.
func (e *engine) parse(a plan.Address) (address, error) {
	if p, ok := e.addrs[a]; ok {
		return p.addr, p.err
	}
	addr, err := parseAddress(a)
	e.addrs[a] = parsed{addr, err}
	return addr, err
}

type parsed struct {
	addr address
	err  error
}

// modulePath is the path of the module without instance keys.
func (a address) modulePath() string { return a.Module.Config() }

// keyedModule is the module instance path, with keys.
func (a address) keyedModule() string { return a.Module.String() }

// local is the address as written inside its own module: TYPE.NAME[KEY].
func (a address) local() string { return a.Local() }

// sameBlock reports whether b is an instance of the same resource block as
// a in the same module instances, except that module steps above depth and,
// with anyKey, the resource key may differ: the instances one edit at that
// depth reaches.
func (a address) sameBlock(b address, depth int, anyKey bool) bool {
	if a.Type != b.Type || a.Name != b.Name || len(a.Module) != len(b.Module) {
		return false
	}
	for i := range a.Module {
		if a.Module[i].Name != b.Module[i].Name {
			return false
		}
		if i >= depth && a.Module[i].Key != b.Module[i].Key {
			return false
		}
	}
	return anyKey || a.Key == b.Key
}
