package fix

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// literal is the list or map literal that a collection of rules comes
// from, where it is written.
type literal struct {
	m    *module
	f    *file
	expr hclsyntax.Expression // *TupleConsExpr or *ObjectConsExpr
	// via names the path to it, for messages: "var.rules ← module.vpc".
	via string
}

// collectionEdit plans adding the entry to the literal that coll (read in
// module m, file f) comes from. depth and anyKey are the instances the
// edit reaches (see edit); what names the rules' block for messages.
func (e *engine) collectionEdit(r *Rule, m *module, f *file, coll hclsyntax.Expression, ent *entry, depth int, anyKey bool, what string) (*edit, *unfixable) {
	byHand := func(container string) string {
		return fmt.Sprintf("# add to %s (the rules of %s come from it)\n%s", container, what, objectText(ent.keys, ent.values, true))
	}
	lit, err := e.resolve(m, f, coll, 0)
	if err != nil {
		return nil, notFixable(byHand(compact(f.text(coll.Range()))), "%s: %v", what, err)
	}
	if err := e.editable(lit.f); err != nil {
		return nil, notFixable(byHand(lit.via), "%s comes from %s: %v", what, lit.via, err)
	}
	return &edit{
		place: fmt.Sprintf("collection|%s|%d", lit.f.path, lit.expr.Range().Start.Byte),
		depth: depth, anyKey: anyKey,
		apply: func() (string, string, *unfixable) {
			at, key, u := e.addElement(lit, ent, r)
			if u != nil {
				u.hcl = byHand(lit.via)
				return "", "", u
			}
			desc := fmt.Sprintf("%s rule %d of %s: a new element of %s", r.Direction, r.Number, r.NACL.Address, lit.via)
			if key != "" {
				desc = fmt.Sprintf("%s rule %d of %s: %s in %s", r.Direction, r.Number, r.NACL.Address, key, lit.via)
			}
			return desc, at, nil
		},
	}, nil
}

// resolve follows a collection expression to the literal it is written
// as: itself, a local value, a variable set by the module call (or its
// default, or the root's default when no .tfvars file sets it).
func (e *engine) resolve(m *module, f *file, expr hclsyntax.Expression, hops int) (literal, error) {
	if hops > maxModuleDepth {
		return literal{}, fmt.Errorf("too many references")
	}
	switch x := expr.(type) {
	case *hclsyntax.TupleConsExpr, *hclsyntax.ObjectConsExpr:
		return literal{m: m, f: f, expr: x, via: e.rel(f.path) + ":" + fmt.Sprint(x.Range().Start.Line)}, nil
	case *hclsyntax.ScopeTraversalExpr:
		if len(x.Traversal) != 2 {
			break
		}
		attr, ok := x.Traversal[1].(hcl.TraverseAttr)
		if !ok {
			break
		}
		switch x.Traversal.RootName() {
		case "local":
			lf, la := m.local(attr.Name)
			if la == nil {
				return literal{}, fmt.Errorf("local.%s is not defined in %s", attr.Name, e.rel(m.dir))
			}
			lit, err := e.resolve(m, lf, la.Expr, hops+1)
			if err == nil && lit.via == "" {
				lit.via = "local." + attr.Name
			}
			return named(lit, err, "local."+attr.Name)
		case "var":
			return e.resolveVariable(m, attr.Name, hops)
		}
	}
	return literal{}, fmt.Errorf("the rules come from %s, which is not a literal list or map", compact(f.text(expr.Range())))
}

// named labels a literal by the reference that led to it.
func named(lit literal, err error, name string) (literal, error) {
	if err != nil {
		return lit, err
	}
	lit.via = name + " (" + lit.via + ")"
	return lit, nil
}

func (e *engine) resolveVariable(m *module, name string, hops int) (literal, error) {
	if m.path != "" {
		parent, callName := parentPath(m.path)
		pm := e.cfg.modules[parent]
		if pm != nil {
			if cf, cb := pm.call(callName); cb != nil {
				if a := cb.Body.Attributes[name]; a != nil {
					if refersTo(a.Expr, "each", "count") {
						return literal{}, fmt.Errorf("module %q passes %s a value per instance", callName, name)
					}
					lit, err := e.resolve(pm, cf, a.Expr, hops+1)
					return named(lit, err, fmt.Sprintf("%s of module %q", name, callName))
				}
			}
		}
	} else if file := e.tfvarsSetting(name); file != "" {
		return literal{}, fmt.Errorf("var.%s is set in %s: add the entry there", name, file)
	}
	vf, vb := m.variable(name)
	if vb == nil {
		return literal{}, fmt.Errorf("var.%s is not declared in %s", name, e.rel(m.dir))
	}
	d := vb.Body.Attributes["default"]
	if d == nil {
		return literal{}, fmt.Errorf("var.%s has no default and no literal value where it is set", name)
	}
	switch d.Expr.(type) {
	case *hclsyntax.TupleConsExpr, *hclsyntax.ObjectConsExpr:
	default:
		return literal{}, fmt.Errorf("var.%s's default is not a literal list or map", name)
	}
	lit, err := e.resolve(m, vf, d.Expr, hops+1)
	return named(lit, err, "the default of var."+name)
}

// tfvarsSetting is the .tfvars file of the root module that sets a
// variable ("" when none does): terraform.tfvars and *.auto.tfvars are
// read without being asked for, and override the default.
func (e *engine) tfvarsSetting(name string) string {
	files, _ := filepath.Glob(filepath.Join(e.cfg.rootDir, "*.auto.tfvars"))
	files = append(files, filepath.Join(e.cfg.rootDir, "terraform.tfvars"))
	json, _ := filepath.Glob(filepath.Join(e.cfg.rootDir, "*.tfvars.json"))
	files = append(files, json...)
	for _, path := range files {
		f := &file{path: path}
		src, err := readFile(path)
		if err != nil {
			continue
		}
		if strings.HasSuffix(path, ".json") {
			if strings.Contains(string(src), `"`+name+`"`) {
				return e.rel(path)
			}
			continue
		}
		f.src = src
		if f.parse() == nil && f.body.Attributes[name] != nil {
			return e.rel(path)
		}
	}
	return ""
}

// addElement adds the entry to a literal list (a new element) or map (a
// new key); the key is returned for a map.
func (e *engine) addElement(lit literal, ent *entry, r *Rule) (at, key string, u *unfixable) {
	f := lit.f
	switch x := lit.expr.(type) {
	case *hclsyntax.TupleConsExpr:
		if ent.mapKey != nil {
			return "", "", notFixable("", "the rules read each.key, but %s is a list", lit.via)
		}
		var items []itemSpan
		for _, el := range x.Exprs {
			items = append(items, itemSpan{start: el.Range().Start.Byte, end: el.Range().End.Byte, value: el})
		}
		multiline := len(items) > 0 && isMultiline(items[len(items)-1].value)
		text := objectText(e.keyOrder(items, ent), ent.values, multiline)
		at, u := e.appendItem(f, x.Range(), items, text)
		return at, "", u
	case *hclsyntax.ObjectConsExpr:
		var items []itemSpan
		taken := map[string]bool{}
		quoted := false
		for _, it := range x.Items {
			k, isQuoted, ok := objectKey(it.KeyExpr)
			if !ok {
				return "", "", notFixable("", "%s has a key that is not a literal", lit.via)
			}
			taken[k] = true
			quoted = quoted || isQuoted
			items = append(items, itemSpan{start: it.KeyExpr.Range().Start.Byte, end: it.ValueExpr.Range().End.Byte, value: it.ValueExpr})
		}
		key := uniqueName(taken, r.Name)
		if ent.mapKey != nil {
			key = mapKeyText(*ent.mapKey)
			if taken[key] {
				return "", "", notFixable("", "%s already has the key %q", lit.via, key)
			}
		}
		multiline := len(items) > 0 && isMultiline(items[len(items)-1].value)
		text := keyText(key, quoted) + " = " + objectText(e.keyOrder(items, ent), ent.values, multiline)
		at, u := e.appendItem(f, x.Range(), items, text)
		return at, key, u
	}
	return "", "", notFixable("", "%s is not a list or map", lit.via)
}

// itemSpan is one element of a list or map literal: from its first byte
// (a map key) to its last (the value).
type itemSpan struct {
	start, end int
	value      hclsyntax.Expression
}

func isMultiline(e hclsyntax.Expression) bool { return e.Range().Start.Line != e.Range().End.Line }

// keyOrder writes the entry's keys in the order the last existing element
// writes them, the others after.
func (e *engine) keyOrder(items []itemSpan, ent *entry) []string {
	var order []string
	if len(items) > 0 {
		if obj, ok := items[len(items)-1].value.(*hclsyntax.ObjectConsExpr); ok {
			for _, it := range obj.Items {
				if k, _, ok := objectKey(it.KeyExpr); ok {
					if _, wanted := ent.values[k]; wanted {
						order = append(order, k)
					}
				}
			}
		}
	}
	for _, k := range ent.keys {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	return order
}

// appendItem writes text as the last element of the literal spanning rng:
// on a line of its own, indented like the last element, when the elements
// are on lines of their own; else after ", " on the same line. Commas
// follow the literal's own habit (a trailing comma when it has one).
func (e *engine) appendItem(f *file, rng hcl.Range, items []itemSpan, text string) (string, *unfixable) {
	src := f.src
	if len(items) == 0 {
		open, close := rng.Start.Byte, rng.End.Byte
		inner := strings.TrimSpace(string(src[open+1 : close-1]))
		if inner != "" {
			return "", notFixable("", "%s:%d: a literal with comments only", e.rel(f.path), rng.Start.Line)
		}
		pad := ""
		if src[open] == '{' {
			pad = " "
		}
		if u := e.replace(f, open+1, close-1, pad+text+pad); u != nil {
			return "", u
		}
		return e.location(f, open), nil
	}
	last := items[len(items)-1]
	comma := last.end
	for comma < len(src) && (src[comma] == ' ' || src[comma] == '\t') {
		comma++
	}
	trailing := comma < len(src) && src[comma] == ','
	onOwnLine := lineAt(src, last.start) != rng.Start.Line
	_, isList := map[byte]bool{'[': true}[src[rng.Start.Byte]]
	if !onOwnLine {
		if trailing {
			if u := e.insert(f, comma+1, " "+text+","); u != nil {
				return "", u
			}
			return e.location(f, comma+1), nil
		}
		if u := e.insert(f, last.end, ", "+text); u != nil {
			return "", u
		}
		return e.location(f, last.end), nil
	}
	ind := indentOf(src, last.start)
	line := ind + indent(text, ind)[len(ind):]
	if trailing {
		line += ","
	}
	at, _ := afterLine(src, last.end)
	if at > rng.End.Byte {
		// The closing bracket is on the last element's line.
		at = last.end
		if trailing {
			at = comma + 1
		}
		line = "\n" + line
	} else {
		line += "\n"
	}
	if !trailing && isList {
		// A list needs a comma between elements (a map does not): one
		// edit, so that each step parses.
		if u := e.replace(f, last.end, at, ","+string(src[last.end:at])+line); u != nil {
			return "", u
		}
		return e.location(f, at+1), nil
	}
	if u := e.insert(f, at, line); u != nil {
		return "", u
	}
	return e.location(f, at), nil
}

// objectKey reads a map key written as a bare name or a string.
func objectKey(expr hclsyntax.Expression) (key string, quoted, ok bool) {
	if k, isKey := expr.(*hclsyntax.ObjectConsKeyExpr); isKey {
		if name := hcl.ExprAsKeyword(k.Wrapped); name != "" && !k.ForceNonLiteral {
			return name, false, true
		}
		expr = k.Wrapped
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() || v.IsNull() || v.Type() != cty.String {
		return "", false, false
	}
	return v.AsString(), true, true
}

func mapKeyText(v cty.Value) string {
	if v.Type() == cty.String {
		return v.AsString()
	}
	return valueText(v)
}
