package modsrc

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Scope evaluates the locals of one module instance, whose input variables
// have the values given (a variable that is absent, or unknown, is unknown
// until apply: conditions on it keep both branches).
type Scope struct {
	mod    *Module
	vars   cty.Value
	values map[string]cty.Value
	busy   map[string]bool
}

// maxDepth bounds how deeply locals may refer to each other.
const maxDepth = 64

// Scope is the evaluation scope of one instance of the module. vars holds
// the input values known at plan time; a declared variable missing from it
// takes its default when the module call does not set it (set says which
// variables the call sets).
func (m *Module) Scope(vars map[string]cty.Value, set func(name string) bool) *Scope {
	obj := map[string]cty.Value{}
	for _, name := range m.Variables {
		v, ok := vars[name]
		switch {
		case ok:
		case !set(name) && m.Defaults[name] != cty.NilVal:
			v = m.Defaults[name]
		case !set(name):
			v = cty.NullVal(cty.DynamicPseudoType)
		default:
			v = cty.DynamicVal
		}
		obj[name] = v
	}
	return &Scope{mod: m, vars: cty.ObjectVal(obj), values: map[string]cty.Value{}, busy: map[string]bool{}}
}

// Input is the value the module block named call gives its argument arg,
// evaluated with the values known at plan time (this module's variables
// and locals); ok is false when the source has no such argument or its
// value is not known.
func (s *Scope) Input(call, arg string) (v cty.Value, ok bool) {
	expr, found := s.mod.Inputs[call][arg]
	if !found {
		return cty.NilVal, false
	}
	return s.known(expr, 0)
}

// Choices lists what local.NAME may refer to, as alternatives in order:
// each is a set of references written as Terraform writes them in the plan
// (aws_security_group.this[0].id, var.security_group_id,
// module.db_subnet_group.db_subnet_group_id), and the first alternative
// that names a resource is the one the local takes (try, coalesce,
// concat(...)[0]). Conditions known at plan time pick their branch.
func (s *Scope) Choices(name string) ([][]string, error) {
	return s.local(name, 0)
}

func (s *Scope) local(name string, depth int) ([][]string, error) {
	expr, ok := s.mod.Locals[name]
	if !ok {
		return nil, fmt.Errorf("local.%s is not defined in %s", name, s.mod.Dir)
	}
	if depth > maxDepth || s.busy[name] {
		return nil, fmt.Errorf("local.%s refers to itself", name)
	}
	s.busy[name] = true
	defer delete(s.busy, name)
	return s.choices(expr, depth+1)
}

func (s *Scope) choices(expr hclsyntax.Expression, depth int) ([][]string, error) {
	switch e := expr.(type) {
	case *hclsyntax.ParenthesesExpr:
		return s.choices(e.Expression, depth)
	case *hclsyntax.ConditionalExpr:
		if cond, ok := s.known(e.Condition, depth); ok && cond.Type() == cty.Bool {
			if cond.True() {
				return s.choices(e.TrueResult, depth)
			}
			return s.choices(e.FalseResult, depth)
		}
		a, err := s.choices(e.TrueResult, depth)
		if err != nil {
			return nil, err
		}
		b, err := s.choices(e.FalseResult, depth)
		if err != nil {
			return nil, err
		}
		return union(a, b), nil
	case *hclsyntax.FunctionCallExpr:
		switch e.Name {
		case "try", "coalesce", "coalescelist":
			// The first argument that holds a value is the result.
			return s.inOrder(e.Args, depth)
		case "element":
			if len(e.Args) == 2 && isZero(s, e.Args[1], depth) {
				return s.first(e.Args[0], depth)
			}
		case "one":
			if len(e.Args) == 1 {
				return s.first(e.Args[0], depth)
			}
		}
	case *hclsyntax.IndexExpr:
		if isZero(s, e.Key, depth) {
			return s.first(e.Collection, depth)
		}
	case *hclsyntax.SplatExpr:
		return s.choices(e.Source, depth)
	case *hclsyntax.RelativeTraversalExpr:
		// concat(a, b)[0] parses as a traversal of the call's result
		if len(e.Traversal) > 0 {
			if ix, ok := e.Traversal[0].(hcl.TraverseIndex); ok && ix.Key.Type() == cty.Number && ix.Key.IsKnown() && ix.Key.AsBigFloat().Sign() == 0 {
				return s.first(e.Source, depth)
			}
		}
		return s.choices(e.Source, depth)
	case *hclsyntax.ScopeTraversalExpr:
		return s.traversal(e.Traversal, depth)
	}
	// Anything else may use every object it names.
	var all [][]string
	for _, t := range expr.Variables() {
		c, err := s.traversal(t, depth)
		if err != nil {
			return nil, err
		}
		all = union(all, c)
	}
	return all, nil
}

// first is what element 0 of a list expression may refer to: the first
// element of a concat is the first element of its first non-empty list.
func (s *Scope) first(list hclsyntax.Expression, depth int) ([][]string, error) {
	if call, ok := list.(*hclsyntax.FunctionCallExpr); ok && call.Name == "concat" {
		return s.inOrder(call.Args, depth)
	}
	return s.choices(list, depth)
}

func (s *Scope) inOrder(args []hclsyntax.Expression, depth int) ([][]string, error) {
	var out [][]string
	for _, a := range args {
		c, err := s.choices(a, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, c...)
	}
	return out, nil
}

func (s *Scope) traversal(t hcl.Traversal, depth int) ([][]string, error) {
	switch t.RootName() {
	case "local":
		if len(t) < 2 {
			return nil, nil
		}
		attr, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			return nil, nil
		}
		return s.local(attr.Name, depth)
	case "path", "terraform", "count", "each", "self":
		return nil, nil
	}
	return [][]string{{render(t)}}, nil
}

// union merges two lists of alternatives into one set of references: which
// of them the value takes is not known.
func union(a, b [][]string) [][]string {
	var set []string
	for _, alt := range slices.Concat(a, b) {
		for _, r := range alt {
			if !slices.Contains(set, r) {
				set = append(set, r)
			}
		}
	}
	if len(set) == 0 {
		return nil
	}
	return [][]string{set}
}

// render writes a traversal as Terraform writes references in the plan.
func render(t hcl.Traversal) string {
	var b strings.Builder
	for i, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			b.WriteString(s.Name)
		case hcl.TraverseAttr:
			b.WriteString("." + s.Name)
		case hcl.TraverseIndex:
			switch {
			case s.Key.Type() == cty.String && s.Key.IsKnown():
				b.WriteString("[" + strconv.Quote(s.Key.AsString()) + "]")
			case s.Key.Type() == cty.Number && s.Key.IsKnown():
				b.WriteString("[" + s.Key.AsBigFloat().Text('f', -1) + "]")
			default:
				return b.String()
			}
		default:
			if i == 0 {
				return ""
			}
			return b.String()
		}
	}
	return b.String()
}

func isZero(s *Scope, expr hclsyntax.Expression, depth int) bool {
	v, ok := s.known(expr, depth)
	if !ok || v.Type() != cty.Number {
		return false
	}
	return v.AsBigFloat().Cmp(new(big.Float)) == 0
}

// known evaluates an expression with the values known at plan time; ok is
// false when its value is unknown or it cannot be evaluated.
func (s *Scope) known(expr hclsyntax.Expression, depth int) (cty.Value, bool) {
	v := s.value(expr, depth)
	if v == cty.NilVal || !v.IsWhollyKnown() || v.IsNull() {
		return cty.NilVal, false
	}
	return v, true
}

// value evaluates an expression; cty.NilVal when it cannot be.
func (s *Scope) value(expr hclsyntax.Expression, depth int) cty.Value {
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": s.vars}, Functions: functions}
	locals := map[string]cty.Value{}
	for _, t := range expr.Variables() {
		switch root := t.RootName(); root {
		case "var":
		case "local":
			if len(t) < 2 {
				return cty.NilVal
			}
			attr, ok := t[1].(hcl.TraverseAttr)
			if !ok {
				return cty.NilVal
			}
			locals[attr.Name] = s.localValue(attr.Name, depth+1)
		default:
			// resources, modules, data sources: unknown until apply
			ctx.Variables[root] = cty.DynamicVal
		}
	}
	ctx.Variables["local"] = cty.ObjectVal(locals)
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal
	}
	return v
}

func (s *Scope) localValue(name string, depth int) cty.Value {
	if v, ok := s.values[name]; ok {
		return v
	}
	expr, ok := s.mod.Locals[name]
	if !ok || depth > maxDepth || s.busy["="+name] {
		return cty.DynamicVal
	}
	s.busy["="+name] = true
	v := s.value(expr, depth)
	delete(s.busy, "="+name)
	if v == cty.NilVal {
		v = cty.DynamicVal
	}
	s.values[name] = v
	return v
}

// functions are the Terraform functions a reference expression may use
// that go-cty implements; an expression calling another one is evaluated
// as unknown.
var functions = map[string]function.Function{
	"abs":          stdlib.AbsoluteFunc,
	"can":          tryfunc.CanFunc,
	"ceil":         stdlib.CeilFunc,
	"chunklist":    stdlib.ChunklistFunc,
	"coalesce":     stdlib.CoalesceFunc,
	"coalescelist": stdlib.CoalesceListFunc,
	"compact":      stdlib.CompactFunc,
	"concat":       stdlib.ConcatFunc,
	"contains":     stdlib.ContainsFunc,
	"distinct":     stdlib.DistinctFunc,
	"element":      stdlib.ElementFunc,
	"flatten":      stdlib.FlattenFunc,
	"floor":        stdlib.FloorFunc,
	"format":       stdlib.FormatFunc,
	"formatlist":   stdlib.FormatListFunc,
	"join":         stdlib.JoinFunc,
	"keys":         stdlib.KeysFunc,
	"length":       stdlib.LengthFunc,
	"lookup":       stdlib.LookupFunc,
	"lower":        stdlib.LowerFunc,
	"max":          stdlib.MaxFunc,
	"merge":        stdlib.MergeFunc,
	"min":          stdlib.MinFunc,
	"range":        stdlib.RangeFunc,
	"reverse":      stdlib.ReverseListFunc,
	"setunion":     stdlib.SetUnionFunc,
	"slice":        stdlib.SliceFunc,
	"sort":         stdlib.SortFunc,
	"split":        stdlib.SplitFunc,
	"substr":       stdlib.SubstrFunc,
	"tobool":       stdlib.MakeToFunc(cty.Bool),
	"tolist":       stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap":        stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"tonumber":     stdlib.MakeToFunc(cty.Number),
	"toset":        stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tostring":     stdlib.MakeToFunc(cty.String),
	"trimspace":    stdlib.TrimSpaceFunc,
	"try":          tryfunc.TryFunc,
	"upper":        stdlib.UpperFunc,
	"values":       stdlib.ValuesFunc,
	"zipmap":       stdlib.ZipmapFunc,
}
