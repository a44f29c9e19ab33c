package fix

import (
	"math/big"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/returnpath-dev/returnpath/plan"
)

// ruleAttrs are the attributes of a rule in the order a rule is written
// when nothing else decides: inline blocks and aws_network_acl_rule name
// some of them differently.
var (
	inlineAttrs     = []string{"rule_no", "action", "protocol", "cidr_block", "ipv6_cidr_block", "from_port", "to_port", "icmp_type", "icmp_code"}
	standaloneAttrs = []string{"network_acl_id", "rule_number", "egress", "protocol", "rule_action", "cidr_block", "ipv6_cidr_block", "from_port", "to_port", "icmp_type", "icmp_code"}
)

// values are the attribute values of the rule a fix adds, as an inline
// block (inline) or an aws_network_acl_rule names them.
func (r *Rule) values(inline bool) map[string]cty.Value {
	v := map[string]cty.Value{
		"protocol":  cty.StringVal(r.Protocol.HCL()),
		"from_port": cty.NumberIntVal(int64(r.Ports.Lo)),
		"to_port":   cty.NumberIntVal(int64(r.Ports.Hi)),
	}
	if !r.Protocol.HasPorts() {
		v["from_port"], v["to_port"] = cty.NumberIntVal(0), cty.NumberIntVal(0)
	}
	cidr := "cidr_block"
	if r.Family == plan.IPv6 {
		cidr = "ipv6_cidr_block"
	}
	v[cidr] = cty.StringVal(r.Prefix.String())
	if inline {
		v["rule_no"] = cty.NumberIntVal(int64(r.Number))
		v["action"] = cty.StringVal("allow")
	} else {
		v["rule_number"] = cty.NumberIntVal(int64(r.Number))
		v["rule_action"] = cty.StringVal("allow")
		v["egress"] = cty.BoolVal(r.Direction == plan.Egress)
	}
	return v
}

// entry is the element a fix adds to a collection that rules are made
// from: its keys in the order to write them, with their values.
type entry struct {
	keys   []string
	values map[string]cty.Value
	// mapKey is the value the element's map key must have (a rule that
	// reads each.key), nil when any key does.
	mapKey *cty.Value
}

func (e *entry) set(k string, v cty.Value) bool {
	if old, ok := e.values[k]; ok {
		return old.RawEquals(v) // two attributes read one key: they must agree
	}
	e.keys = append(e.keys, k)
	e.values[k] = v
	return true
}

// elementFields matches the attributes of a rule body (a resource block or
// a dynamic block's content) against the rule to add, where the body reads
// its values from one element of a collection (root: "each.value",
// "egress.value", "var.rules[count.index]"). It returns the element that
// makes the body write the rule, or false when the body cannot: a literal
// that differs (protocol = "udp" for a tcp fix), or a value computed some
// other way.
func elementFields(f *file, body *hclsyntax.Body, root string, attrs []string, want map[string]cty.Value) (*entry, bool) {
	e := &entry{values: map[string]cty.Value{}}
	for _, name := range attrs {
		if name == "network_acl_id" {
			continue
		}
		wanted, has := want[name]
		a := body.Attributes[name]
		if a == nil {
			// Left out means the default: no egress, no CIDR of the
			// other family, no ICMP match.
			if has && !(name == "egress" && wanted.False()) {
				return nil, false
			}
			continue
		}
		if v, diags := a.Expr.Value(nil); !diags.HasErrors() {
			if v.IsNull() && !has {
				continue
			}
			if !has || !sameValue(v, wanted) {
				return nil, false
			}
			continue
		}
		if isTraversal(a.Expr, "each.key") {
			if !has {
				return nil, false
			}
			w := wanted
			e.mapKey = &w
			continue
		}
		acc, ok := elementAccess(f, a.Expr)
		if !ok || acc.root != root {
			return nil, false
		}
		switch {
		case has:
			if !e.set(acc.key, wanted) {
				return nil, false
			}
		case !acc.optional:
			if !e.set(acc.key, cty.NullVal(cty.DynamicPseudoType)) {
				return nil, false
			}
		}
	}
	return e, true
}

// sameValue compares a literal with a wanted value, a number written as a
// string ("6" for tcp aside) included.
func sameValue(v, want cty.Value) bool {
	if v.IsNull() || !v.IsKnown() {
		return false
	}
	if v.Type() == want.Type() {
		return v.RawEquals(want) || v.Equals(want).True()
	}
	if v.Type() == cty.String && want.Type() == cty.Number {
		n, ok := new(big.Float).SetString(v.AsString())
		return ok && n.Cmp(want.AsBigFloat()) == 0
	}
	if v.Type() == cty.String && want.Type() == cty.String {
		return v.AsString() == want.AsString()
	}
	return false
}

// access is a read of one key of a collection element.
type access struct {
	root     string // the element, as compact source text
	key      string
	optional bool // read with a default: lookup(x, "k", d), try(x.k, d)
}

// elementAccess recognises ROOT.KEY, ROOT["KEY"], lookup(ROOT, "KEY", DEFAULT)
// and try(ROOT.KEY, DEFAULT).
func elementAccess(f *file, expr hclsyntax.Expression) (access, bool) {
	switch x := expr.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		t := x.Traversal
		if len(t) < 3 {
			return access{}, false
		}
		key, ok := stepKey(t[len(t)-1])
		if !ok {
			return access{}, false
		}
		return access{root: compact(f.text(t[:len(t)-1].SourceRange())), key: key}, true
	case *hclsyntax.RelativeTraversalExpr:
		if len(x.Traversal) != 1 {
			return access{}, false
		}
		key, ok := stepKey(x.Traversal[0])
		return access{root: compact(f.text(x.Source.Range())), key: key}, ok
	case *hclsyntax.IndexExpr:
		k, diags := x.Key.Value(nil)
		if diags.HasErrors() || k.IsNull() || k.Type() != cty.String {
			return access{}, false
		}
		return access{root: compact(f.text(x.Collection.Range())), key: k.AsString()}, true
	case *hclsyntax.FunctionCallExpr:
		switch {
		case x.Name == "lookup" && (len(x.Args) == 2 || len(x.Args) == 3):
			k, diags := x.Args[1].Value(nil)
			if diags.HasErrors() || k.IsNull() || k.Type() != cty.String {
				return access{}, false
			}
			return access{root: compact(f.text(x.Args[0].Range())), key: k.AsString(), optional: len(x.Args) == 3}, true
		case x.Name == "try" && len(x.Args) == 2:
			acc, ok := elementAccess(f, x.Args[0])
			acc.optional = true
			return acc, ok
		}
	}
	return access{}, false
}

func stepKey(s hcl.Traverser) (string, bool) {
	switch s := s.(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String {
			return s.Key.AsString(), true
		}
	}
	return "", false
}

// isTraversal reports whether expr is exactly the traversal text, such as
// each.key.
func isTraversal(expr hclsyntax.Expression, text string) bool {
	x, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		return false
	}
	var parts []string
	for _, s := range x.Traversal {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		default:
			return false
		}
	}
	return strings.Join(parts, ".") == text
}

// refersTo reports whether expr refers to a variable with this root name
// (each, count).
func refersTo(expr hclsyntax.Expression, roots ...string) bool {
	for _, t := range expr.Variables() {
		for _, r := range roots {
			if t.RootName() == r {
				return true
			}
		}
	}
	return false
}

func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
