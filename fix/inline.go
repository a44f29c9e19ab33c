package fix

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var hclPos = hcl.InitialPos

// inline plans the fix of a NACL that writes its rules inline: an entry
// in the collection of its dynamic block of that direction when the block
// can write the rule, else an ingress/egress block after the NACL's other
// blocks of that direction.
func (e *engine) inline(r *Rule, addr address) (*edit, *unfixable) {
	m, u := e.module(r, addr)
	if u != nil {
		return nil, u
	}
	f, b := m.resource(addr.Type, addr.Name)
	if b == nil {
		return nil, notFixable(r.HCL, "no resource block %s in %s", addr.local(), e.rel(m.dir))
	}
	dir := r.Direction.String()
	var static, dynamic, any []*hclsyntax.Block
	for _, nb := range b.Body.Blocks {
		switch {
		case nb.Type == "ingress" || nb.Type == "egress":
			any = append(any, nb)
			if nb.Type == dir {
				static = append(static, nb)
			}
		case nb.Type == "dynamic" && len(nb.Labels) == 1 && (nb.Labels[0] == "ingress" || nb.Labels[0] == "egress"):
			any = append(any, nb)
			if nb.Labels[0] == dir {
				dynamic = append(dynamic, nb)
			}
		}
	}
	depth := len(addr.Module)
	if len(static) == 0 {
		for _, d := range dynamic {
			if ed, u, ok := e.dynamicEntry(r, m, f, d, depth); ok {
				return ed, u
			}
		}
	}
	var anchor *hclsyntax.Block
	switch {
	case len(static) > 0:
		anchor = static[len(static)-1]
	case len(dynamic) > 0:
		anchor = dynamic[len(dynamic)-1]
	case len(any) > 0:
		anchor = any[len(any)-1]
	}
	var model *hclsyntax.Body
	if len(static) > 0 {
		model = static[len(static)-1].Body
	}
	vals := r.values(true)
	have := map[string]bool{}
	for k := range vals {
		have[k] = true
	}
	text, err := renderBlock(dir, nil, orderLike(model, inlineAttrs, have), vals, nil)
	if err != nil {
		return nil, notFixable(r.HCL, "%v", err)
	}
	what := fmt.Sprintf("%s rule %d in %s (inline block)", dir, r.Number, r.NACL.Address)
	return &edit{
		place: "inline|" + f.path + "|" + addr.modulePath() + "|" + addr.Type + "." + addr.Name,
		depth: depth, anyKey: true,
		apply: func() (string, string, *unfixable) {
			if u := e.writable(f, r); u != nil {
				return "", "", u
			}
			if anchor == nil {
				// No rule block at all: the first goes before the closing brace.
				end := b.Body.Range().End.Byte - 1
				ind := indentOf(f.src, b.Range().Start.Byte)
				if u := e.insert(f, end, "\n"+indent(text, ind+"  ")+"\n"+ind); u != nil {
					return "", "", u
				}
				return what, e.location(f, end+1), nil
			}
			at, u := e.blockAfter(f, anchor, text, false)
			return what, at, u
		},
	}, nil
}

// dynamicEntry plans an entry in the collection a dynamic block iterates
// over, when its content can write the rule; ok is false when it cannot.
func (e *engine) dynamicEntry(r *Rule, m *module, f *file, d *hclsyntax.Block, depth int) (*edit, *unfixable, bool) {
	forEach := d.Body.Attributes["for_each"]
	if forEach == nil {
		return nil, nil, false
	}
	iterator := d.Labels[0]
	if it := d.Body.Attributes["iterator"]; it != nil {
		if t, ok := it.Expr.(*hclsyntax.ScopeTraversalExpr); ok && len(t.Traversal) == 1 {
			iterator = t.Traversal.RootName()
		}
	}
	var content *hclsyntax.Block
	for _, nb := range d.Body.Blocks {
		if nb.Type == "content" {
			content = nb
		}
	}
	if content == nil {
		return nil, nil, false
	}
	root := iterator + ".value"
	if !drivenBy(f, content.Body, "rule_no", root) {
		return nil, nil, false
	}
	ent, ok := elementFields(f, content.Body, root, inlineAttrs, r.values(true))
	if !ok {
		return nil, nil, false
	}
	ed, u := e.collectionEdit(r, m, f, forEach.Expr, ent, depth, true, fmt.Sprintf("dynamic %q of %s", d.Labels[0], r.NACL.Address))
	return ed, u, true
}

// drivenBy reports whether a rule body takes its rule number from the
// element root: the mark of rules generated from a collection.
func drivenBy(f *file, body *hclsyntax.Body, numberAttr, root string) bool {
	a := body.Attributes[numberAttr]
	if a == nil {
		return false
	}
	if root == "each.value" && isTraversal(a.Expr, "each.key") {
		return true
	}
	acc, ok := elementAccess(f, a.Expr)
	return ok && acc.root == root
}

// writable refuses files outside the repository, in .terraform/ or of a
// downloaded module.
func (e *engine) writable(f *file, r *Rule) *unfixable {
	if err := e.editable(f); err != nil {
		return notFixable(r.HCL, "%v", err)
	}
	return nil
}
