package fix

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/returnpath-dev/returnpath/plan"
)

// address is a resource instance address taken apart: module steps with
// their keys, type, name and key. Keys are kept as HCL literals ("a" with
// its quotes, 0), ready to be written into an expression.
type address struct {
	modules []step
	typ     string
	name    string
	key     string
}

type step struct{ name, key string }

// parseAddress reads an address such as module.tier["app"].aws_network_acl.this[0]
// with the HCL traversal parser, so quoted keys may hold any character.
func parseAddress(a plan.Address) (address, error) {
	t, diags := hclsyntax.ParseTraversalAbs([]byte(a), "address", hcl.InitialPos)
	if diags.HasErrors() {
		return address{}, fmt.Errorf("address %s: %s", a, diags.Error())
	}
	var names []step
	for i, s := range t {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			names = append(names, step{name: s.Name})
		case hcl.TraverseAttr:
			names = append(names, step{name: s.Name})
		case hcl.TraverseIndex:
			if i == 0 || len(names) == 0 || names[len(names)-1].key != "" {
				return address{}, fmt.Errorf("address %s: misplaced key", a)
			}
			names[len(names)-1].key = keyLiteral(s.Key)
		default:
			return address{}, fmt.Errorf("address %s: unexpected step", a)
		}
	}
	var out address
	for len(names) > 2 {
		if names[0].name != "module" || names[0].key != "" {
			return address{}, fmt.Errorf("address %s: expected module.NAME", a)
		}
		out.modules = append(out.modules, names[1])
		names = names[2:]
	}
	if len(names) != 2 || names[0].key != "" {
		return address{}, fmt.Errorf("address %s: expected TYPE.NAME", a)
	}
	out.typ, out.name, out.key = names[0].name, names[1].name, names[1].key
	return out, nil
}

func keyLiteral(v cty.Value) string {
	return strings.TrimSpace(string(hclwrite.TokensForValue(v).Bytes()))
}

// modulePath is the path of the module without instance keys.
func (a address) modulePath() string {
	var parts []string
	for _, s := range a.modules {
		parts = append(parts, "module."+s.name)
	}
	return strings.Join(parts, ".")
}

// keyedModule is the module instance path, with keys.
func (a address) keyedModule() string {
	var b strings.Builder
	for i, s := range a.modules {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString("module." + s.name)
		if s.key != "" {
			b.WriteString("[" + s.key + "]")
		}
	}
	return b.String()
}

// local is the address as written inside its own module: TYPE.NAME[KEY].
func (a address) local() string {
	s := a.typ + "." + a.name
	if a.key != "" {
		s += "[" + a.key + "]"
	}
	return s
}

// sameBlock reports whether b is an instance of the same resource block as
// a in the same module instances, except that module steps above depth and,
// with anyKey, the resource key may differ: the instances one edit at that
// depth reaches.
func (a address) sameBlock(b address, depth int, anyKey bool) bool {
	if a.typ != b.typ || a.name != b.name || len(a.modules) != len(b.modules) {
		return false
	}
	for i := range a.modules {
		if a.modules[i].name != b.modules[i].name {
			return false
		}
		if i >= depth && a.modules[i].key != b.modules[i].key {
			return false
		}
	}
	return anyKey || a.key == b.key
}

// depth is the number of module steps of a module path.
func depth(path string) int {
	if path == "" {
		return 0
	}
	return strings.Count(path, "module.")
}
