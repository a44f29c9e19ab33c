package fix

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/returnpath-dev/returnpath/plan"
)

// sibling is a standalone rule of the NACL: one instance, its block.
type sibling struct {
	addr  address
	dir   plan.Direction
	m     *module
	f     *file
	block *hclsyntax.Block
}

// siblings are the NACL's standalone rules, one instance per resource
// block, those of the fix's direction first.
func (e *engine) siblings(r *Rule) []sibling {
	var out []sibling
	seen := map[string]bool{}
	for _, dir := range []plan.Direction{r.Direction, r.Direction.Opposite()} {
		for _, entry := range r.NACL.Entries(dir) {
			if entry.Inline {
				continue
			}
			a, err := e.parse(entry.Source)
			if err != nil || a.Type != "aws_network_acl_rule" {
				continue
			}
			block := a.modulePath() + "|" + a.Name
			if seen[block] {
				continue
			}
			seen[block] = true
			m := e.cfg.modules[a.modulePath()]
			if m == nil {
				continue
			}
			f, b := m.resource(a.Type, a.Name)
			if b == nil {
				continue
			}
			out = append(out, sibling{addr: a, dir: dir, m: m, f: f, block: b})
		}
	}
	return out
}

// standalone plans the fix of a NACL whose rules are aws_network_acl_rule
// resources: an entry in the collection its rules of that direction are
// made from, else a new resource after its other standalone rules.
func (e *engine) standalone(r *Rule, addr address) (*edit, *unfixable) {
	sibs := e.siblings(r)
	want := r.values(false)
	for _, s := range sibs {
		root, coll, ok := collectionOf(s)
		if !ok {
			continue
		}
		ent, fits := elementFields(s.f, s.block.Body, root, standaloneAttrs, want)
		if !fits {
			continue
		}
		if refersTo(s.block.Body.Attributes["network_acl_id"].Expr, "each", "count") {
			return nil, notFixable(r.HCL, "%s makes the rules of several NACLs from one collection: add the rule by hand", s.addr.Type+"."+s.addr.Name)
		}
		return e.collectionEdit(r, s.m, s.f, coll, ent, len(s.addr.Module), false,
			fmt.Sprintf("%s.%s", s.addr.Type, s.addr.Name))
	}

	// A plain resource: after the last rule of the same direction in the
	// file of the first sibling, else after the NACL itself.
	var anchor *sibling
	for i := range sibs {
		s := &sibs[i]
		if anchor == nil {
			anchor = s
			continue
		}
		if s.f == anchor.f && s.dir == anchor.dir && s.block.Range().Start.Byte > anchor.block.Range().Start.Byte {
			anchor = s
		}
	}
	var (
		m       *module
		f       *file
		after   *hclsyntax.Block
		model   *hclsyntax.Body
		aclID   string
		scope   address // where the new resource lives
		keySafe = sanitize(addr.Key)
	)
	var meta, metaText string // count or for_each copied from the sibling
	if anchor != nil {
		m, f, after, model, scope = anchor.m, anchor.f, anchor.block, anchor.block.Body, anchor.addr
		if meta, metaText = e.sameIteration(r, anchor); meta != "" {
			// Every NACL the sibling iterates over needs this rule: one
			// resource written the sibling's way serves them all.
			aclID = exprText(anchor.f, anchor.block.Body.Attributes["network_acl_id"])
			keySafe = ""
		} else {
			aclID = e.siblingReference(anchor)
		}
	}
	if aclID == "" {
		// No sibling, or one whose reference cannot be written for this
		// instance: reference the NACL from its own module.
		nm, u := e.module(r, addr)
		if u != nil {
			return nil, u
		}
		if anchor != nil && anchor.addr.keyedModule() != addr.keyedModule() {
			return nil, notFixable(r.HCL, "%s's network_acl_id cannot be written for %s alone: add the rule by hand", anchor.addr.Type+"."+anchor.addr.Name, r.NACL.Address)
		}
		if anchor == nil {
			nf, nb := nm.resource(addr.Type, addr.Name)
			if nb == nil {
				return nil, notFixable(r.HCL, "no resource block %s in %s", addr.local(), e.rel(nm.dir))
			}
			m, f, after, scope = nm, nf, nb, addr
		}
		aclID = addr.local() + ".id"
	}

	name := r.Name
	if keySafe != "" && !strings.HasSuffix(name, "_"+keySafe) {
		name += "_" + keySafe
	}
	name = uniqueName(m.resourceNames("aws_network_acl_rule"), name)
	have := map[string]bool{"network_acl_id": true}
	for k := range want {
		have[k] = true
	}
	order := orderLike(model, standaloneAttrs, have)
	raw := map[string]string{"network_acl_id": aclID}
	place := "standalone|" + m.path + "|" + aclID
	if meta != "" {
		order = append([]string{meta}, order...)
		raw[meta] = metaText
		place = "iteration|" + m.path + "|" + anchor.addr.Name
	}
	text, err := renderBlock("resource", []string{"aws_network_acl_rule", name}, order, want, raw)
	if err != nil {
		return nil, notFixable(r.HCL, "%v", err)
	}
	what := fmt.Sprintf("aws_network_acl_rule.%s (%s rule %d of %s)", name, r.Direction, r.Number, r.NACL.Address)
	if m.path != "" {
		what = fmt.Sprintf("aws_network_acl_rule.%s in %s (%s rule %d of %s)", name, m.path, r.Direction, r.Number, r.NACL.Address)
	}
	return &edit{
		place: place,
		depth: len(scope.Module),
		apply: func() (string, string, *unfixable) {
			if u := e.writable(f, r); u != nil {
				return "", "", u
			}
			at, u := e.blockAfter(f, after, text, true)
			return what, at, u
		},
	}, nil
}

// sameIteration is the sibling's count or for_each (name and text) when
// the sibling makes one rule per NACL (its network_acl_id reads count.index
// or each.key) and every NACL it iterates over needs exactly this rule;
// "" otherwise.
func (e *engine) sameIteration(r *Rule, s *sibling) (meta, text string) {
	for _, name := range []string{"count", "for_each"} {
		if a := s.block.Body.Attributes[name]; a != nil {
			meta, text = name, s.f.text(a.Expr.Range())
		}
	}
	id := s.block.Body.Attributes["network_acl_id"]
	if meta == "" || id == nil || !refersTo(id.Expr, "each", "count") || refersTo(id.Expr, "each") && !onlyEachKey(id.Expr) {
		return "", ""
	}
	served := map[plan.Address]bool{}
	for _, n := range e.nacls {
		for _, dir := range []plan.Direction{plan.Ingress, plan.Egress} {
			for _, entry := range n.Entries(dir) {
				a, err := e.parse(entry.Source)
				if err == nil && !entry.Inline && a.Type == s.addr.Type && a.Name == s.addr.Name && a.keyedModule() == s.addr.keyedModule() {
					served[n.Address] = true
				}
			}
		}
	}
	if len(served) < 2 {
		return "", ""
	}
	for n := range served {
		if !e.needs(n, r, true) {
			return "", ""
		}
	}
	return meta, text
}

// onlyEachKey reports whether the only each.* an expression reads is
// each.key.
func onlyEachKey(expr hclsyntax.Expression) bool {
	for _, t := range expr.Variables() {
		if t.RootName() == "each" {
			if len(t) != 2 {
				return false
			}
			if attr, ok := t[1].(hcl.TraverseAttr); !ok || attr.Name != "key" {
				return false
			}
		}
	}
	return true
}

// exprText is the source of an attribute's expression.
func exprText(f *file, a *hclsyntax.Attribute) string { return f.text(a.Expr.Range()) }

// siblingReference is the sibling's network_acl_id written for its own
// instance: each.key and count.index replaced by the instance's key, so
// that the new rule is for this NACL only. "" when it reads anything else
// per instance (each.value).
func (e *engine) siblingReference(s *sibling) string {
	a := s.block.Body.Attributes["network_acl_id"]
	if a == nil {
		return ""
	}
	text := s.f.text(a.Expr.Range())
	base := a.Expr.Range().Start.Byte
	type cut struct{ start, end int }
	var cuts []cut
	ok := true
	hclsyntax.VisitAll(a.Expr, func(n hclsyntax.Node) hcl.Diagnostics {
		t, isTraversal := n.(*hclsyntax.ScopeTraversalExpr)
		if !isTraversal {
			return nil
		}
		switch root := t.Traversal.RootName(); {
		case root == "each" && isEachKey(t), root == "count":
			if s.addr.Key == "" {
				ok = false
			}
			cuts = append(cuts, cut{t.Range().Start.Byte - base, t.Range().End.Byte - base})
		case root == "each":
			ok = false
		}
		return nil
	})
	if !ok {
		return ""
	}
	slices.SortFunc(cuts, func(a, b cut) int { return b.start - a.start })
	for _, c := range cuts {
		text = text[:c.start] + s.addr.Key + text[c.end:]
	}
	return text
}

func isEachKey(t *hclsyntax.ScopeTraversalExpr) bool {
	if len(t.Traversal) != 2 {
		return false
	}
	attr, ok := t.Traversal[1].(hcl.TraverseAttr)
	return ok && attr.Name == "key"
}

// collectionOf finds what a rule resource is made from: the element root
// its attributes read and the collection expression, for a rule written
// with for_each (each.value) or count (COLLECTION[count.index]).
func collectionOf(s sibling) (root string, coll hclsyntax.Expression, ok bool) {
	body := s.block.Body
	if fe := body.Attributes["for_each"]; fe != nil {
		if !drivenBy(s.f, body, "rule_number", "each.value") {
			return "", nil, false
		}
		return "each.value", fe.Expr, true
	}
	count := body.Attributes["count"]
	number := body.Attributes["rule_number"]
	if count == nil || number == nil {
		return "", nil, false
	}
	acc, found := elementAccess(s.f, number.Expr)
	if !found || !strings.HasSuffix(acc.root, "[count.index]") {
		return "", nil, false
	}
	collText := strings.TrimSuffix(acc.root, "[count.index]")
	// count must be the collection's length, or every element is not a rule.
	if !strings.Contains(compact(s.f.text(count.Expr.Range())), "length("+collText+")") {
		return "", nil, false
	}
	expr, diags := hclsyntax.ParseExpression([]byte(collText), s.f.path, hclPos)
	if diags.HasErrors() {
		return "", nil, false
	}
	if _, isTraversal := expr.(*hclsyntax.ScopeTraversalExpr); !isTraversal {
		return "", nil, false
	}
	return acc.root, expr, true
}

// uniqueName is base, or base_2, base_3... when taken.
func uniqueName(taken map[string]bool, base string) string {
	name := base
	for i := 2; taken[name]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	return name
}

// sanitize makes an instance key part of a resource name: "a-b" → a_b.
func sanitize(key string) string {
	key = strings.Trim(key, `"`)
	var b strings.Builder
	for _, c := range key {
		if c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return strings.ReplaceAll(b.String(), "-", "_")
}
