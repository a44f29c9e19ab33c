package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// ResourceAddress is a resource instance address taken apart:
// module.net["a"].data.aws_vpc.this[0] is the module path
// module.net["a"], mode data, type aws_vpc, name this and key 0.
type ResourceAddress struct {
	Module ModulePath // nil in the root module
	Mode   ResourceMode
	Type   string
	Name   string
	Key    string // instance key as written in addresses: 0 or "a"; "" without count/for_each
}

// ResourceMode says whether a resource is managed or read (data).
type ResourceMode uint8

// Resource modes; the zero value is invalid.
const (
	ManagedResource ResourceMode = iota + 1
	DataResource
)

// ModuleStep is one step of a module instance path: module.NAME[KEY].
type ModuleStep struct {
	Name string
	Key  string // as in addresses: 0 or "a"; "" without count/for_each
}

// ModulePath is a module instance path; empty is the root module.
type ModulePath []ModuleStep

// ParseResourceAddress reads a resource instance address such as
// module.a[0].aws_network_acl.this["x"] with HCL's traversal syntax, as
// Terraform does.
func ParseResourceAddress(s string) (ResourceAddress, error) {
	steps, err := traversalSteps(s)
	if err != nil {
		return ResourceAddress{}, fmt.Errorf("resource address %q: %v", s, err)
	}
	var r ResourceAddress
	r.Module, steps = modulePrefix(steps)
	r.Mode = ManagedResource
	if len(steps) > 0 && steps[0].name == "data" && !steps[0].hasKey {
		r.Mode, steps = DataResource, steps[1:]
	}
	if len(steps) != 2 || steps[0].hasKey {
		return ResourceAddress{}, fmt.Errorf("resource address %q: expected [module.NAME.]TYPE.NAME[KEY]", s)
	}
	r.Type, r.Name, r.Key = steps[0].name, steps[1].name, steps[1].key
	return r, nil
}

// Parse takes the address apart (ParseResourceAddress).
// A context address is parsed without its context (see Split).
func (a Address) Parse() (ResourceAddress, error) {
	local, _ := a.Split()
	return ParseResourceAddress(string(local))
}

// String is the address in Terraform's canonical form.
func (r ResourceAddress) String() string {
	if len(r.Module) == 0 {
		return r.Local()
	}
	return r.Module.String() + "." + r.Local()
}

// Local is the address as written inside its own module, without the
// module path: aws_network_acl.this[0], data.aws_vpc.main.
func (r ResourceAddress) Local() string {
	var b strings.Builder
	if r.Mode == DataResource {
		b.WriteString("data.")
	}
	b.WriteString(r.Type)
	b.WriteByte('.')
	b.WriteString(r.Name)
	writeKey(&b, r.Key)
	return b.String()
}

// Config is the address of the configuration block the instance comes
// from, instance keys dropped: module.net.aws_network_acl.this for
// module.net[0].aws_network_acl.this["a"].
func (r ResourceAddress) Config() string {
	local := r
	local.Key = ""
	if len(r.Module) == 0 {
		return local.Local()
	}
	return r.Module.Config() + "." + local.Local()
}

// ParseModulePath reads a module instance address such as
// module.a[0].module.b["x"]; "" is the root module.
func ParseModulePath(s string) (ModulePath, error) {
	if s == "" {
		return nil, nil
	}
	steps, err := traversalSteps(s)
	if err != nil {
		return nil, fmt.Errorf("module address %q: %v", s, err)
	}
	path, rest := modulePrefix(steps)
	if len(rest) > 0 {
		return nil, fmt.Errorf("module address %q: expected module.NAME", s)
	}
	return path, nil
}

// String is the path in Terraform's canonical form, "" for the root.
func (p ModulePath) String() string {
	if len(p) == 0 {
		return ""
	}
	size := 0
	for _, s := range p {
		size += len(".module.") + len(s.Name) + len("[]") + len(s.Key)
	}
	var b strings.Builder
	b.Grow(size) // one allocation: the linker renders a path per reference
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString("module.")
		b.WriteString(s.Name)
		writeKey(&b, s.Key)
	}
	return b.String()
}

// Config is the path of module calls, instance keys dropped:
// module.a.module.b for module.a[0].module.b["x"].
func (p ModulePath) Config() string {
	calls := make(ModulePath, len(p))
	for i, s := range p {
		calls[i] = ModuleStep{Name: s.Name}
	}
	return calls.String()
}

func writeKey(b *strings.Builder, key string) {
	if key != "" {
		b.WriteByte('[')
		b.WriteString(key)
		b.WriteByte(']')
	}
}

// step is one name of a traversal with the literal index after it.
type step struct {
	name   string
	key    string // rendered as in addresses
	hasKey bool
}

// traversalSteps is the one parser of addresses and references: HCL's
// traversal syntax, each name with the literal index that follows it.
func traversalSteps(s string) ([]step, error) {
	if steps, ok := plainTraversal(s); ok {
		return steps, nil
	}
	return hclTraversalSteps(s)
}

// plainTraversal reads the shape nearly every address and reference has,
// ASCII names with integer or plain string keys (module.tier["t001"],
// aws_network_acl.this[0].id), as HCL does, without HCL's scanner (a few
// kilobytes of tokens per address); ok is false for anything else, which
// hclTraversalSteps reads. FuzzTraversalSteps keeps the two in step.
func plainTraversal(s string) (steps []step, ok bool) {
	steps = make([]step, 0, strings.Count(s, ".")+1)
	for i := 0; ; {
		// a name: a letter or _, then letters, digits, _ and -
		start := i
		for i < len(s) && (isASCIILetter(s[i]) || s[i] == '_' || i > start && (isDigit(s[i]) || s[i] == '-')) {
			i++
		}
		if i == start {
			return nil, false
		}
		steps = append(steps, step{name: s[start:i]})
		if i < len(s) && s[i] == '[' {
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, false
			}
			key, ok := plainKeyLiteral(s[i+1 : i+end])
			if !ok {
				return nil, false
			}
			steps[len(steps)-1].key, steps[len(steps)-1].hasKey = key, true
			i += end + 1
		}
		if i == len(s) {
			return steps, true
		}
		if s[i] != '.' {
			return nil, false
		}
		i++
	}
}

// plainKeyLiteral renders an index that is a small integer without leading
// zeros, or a string of printable ASCII without escapes or templates, as
// renderKey renders HCL's value of it.
func plainKeyLiteral(lit string) (string, bool) {
	switch {
	case lit == "0":
		return lit, true
	case len(lit) > 0 && len(lit) <= 18 && lit[0] >= '1' && lit[0] <= '9':
		for i := 1; i < len(lit); i++ {
			if !isDigit(lit[i]) {
				return "", false
			}
		}
		return lit, true
	case len(lit) >= 2 && lit[0] == '"' && lit[len(lit)-1] == '"':
		inner := lit[1 : len(lit)-1]
		for i := 0; i < len(inner); i++ {
			if c := inner[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || (c == '$' || c == '%') && i+1 < len(inner) && inner[i+1] == '{' {
				return "", false
			}
		}
		return lit, true // quoteKey(inner) is lit itself
	}
	return "", false
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool       { return c >= '0' && c <= '9' }

// hclTraversalSteps is traversalSteps with HCL's parser.
func hclTraversalSteps(s string) ([]step, error) {
	t, diags := hclsyntax.ParseTraversalAbs([]byte(s), "", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, errors.New(diags[0].Summary)
	}
	steps := make([]step, 0, len(t))
	for _, tr := range t {
		switch tr := tr.(type) {
		case hcl.TraverseRoot:
			steps = append(steps, step{name: tr.Name})
		case hcl.TraverseAttr:
			steps = append(steps, step{name: tr.Name})
		case hcl.TraverseIndex:
			if len(steps) == 0 || steps[len(steps)-1].hasKey {
				return nil, errors.New("an index must follow a name")
			}
			key, err := renderKey(tr.Key)
			if err != nil {
				return nil, err
			}
			steps[len(steps)-1].key, steps[len(steps)-1].hasKey = key, true
		default:
			return nil, errors.New("unexpected splat")
		}
	}
	return steps, nil
}

// modulePrefix takes the module.NAME[KEY] steps off the front.
func modulePrefix(steps []step) (ModulePath, []step) {
	var path ModulePath
	for len(steps) >= 2 && steps[0].name == "module" && !steps[0].hasKey {
		path = append(path, ModuleStep{Name: steps[1].name, Key: steps[1].key})
		steps = steps[2:]
	}
	return path, steps
}

// renderKey writes an instance key as Terraform writes it in addresses:
// an integer, or a string quoted as an HCL string literal.
func renderKey(v cty.Value) (string, error) {
	switch {
	case v.IsNull() || !v.IsKnown():
		return "", errors.New("instance key is not a literal")
	case v.Type() == cty.String:
		return quoteKey(v.AsString()), nil
	case v.Type() == cty.Number:
		n, acc := v.AsBigFloat().Int64()
		if !v.AsBigFloat().IsInt() || acc != 0 {
			return "", fmt.Errorf("instance key %s is not an integer", v.AsBigFloat().String())
		}
		return strconv.FormatInt(n, 10), nil
	}
	return "", errors.New("instance key is neither a string nor a number")
}

// quoteKey quotes a string instance key as Terraform does: an HCL string
// literal, with template sequences (${, %{) escaped by doubling and
// characters that do not print as \u escapes.
func quoteKey(s string) string {
	if plainKey(s) {
		return `"` + s + `"` // the common case, in one allocation
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// plainKey reports whether a key is printable ASCII that needs no escape.
func plainKey(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f || c == '"' || c == '\\':
			return false
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			return false
		}
	}
	return true
}

// instanceKey renders a resource's "index" (count number or for_each key)
// as it appears in an address: 0 or "a"; "" when the resource has neither.
func instanceKey(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		// The plan's decoder has validated the JSON: a string without
		// escapes is its bytes (the for_each keys of thousands of
		// instances), as encoding/json would decode it.
		if len(raw) >= 2 && raw[len(raw)-1] == '"' {
			if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
				return quoteKey(string(inner)), nil
			}
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errors.New("index is not a valid string")
		}
		return quoteKey(s), nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return "", fmt.Errorf("index %s is neither an integer nor a string", raw)
	}
	return strconv.FormatInt(n, 10), nil
}

// refKind classifies a reference of a configuration expression.
type refKind uint8

const (
	refResource refKind = iota + 1
	refData
	refVariable
	refModuleOutput
	refLocal
	refCountIndex
	refEachKey
	refEachValue
	refOther
)

// reference is one parsed entry of an expression's "references".
type reference struct {
	Kind refKind
	// Resource: Type and Name; variable or local: Name; module output:
	// Name is the module call, Attr the output.
	Type, Name string
	Key        string // explicit instance key, "" when absent
	HasKey     bool
	Attr       string // attribute or output name after the instance
	Raw        string
}

// parseReference reads references such as aws_network_acl.this[0].id,
// var.acl, module.m[1].out, data.aws_vpc.x.id, local.y, count.index.
func parseReference(raw string) reference {
	ref := reference{Raw: raw, Kind: refOther}
	steps, err := traversalSteps(raw)
	if err != nil {
		return ref
	}
	head, rest := steps[0], steps[1:]
	// attr is the name after step i, "" when there is none.
	attr := func(i int) string {
		if i < len(rest) {
			return rest[i].name
		}
		return ""
	}
	switch head.name {
	case "count":
		if len(rest) == 1 && attr(0) == "index" {
			ref.Kind = refCountIndex
		}
		return ref
	case "each":
		switch {
		case len(rest) != 1:
		case attr(0) == "key":
			ref.Kind = refEachKey
		case attr(0) == "value":
			ref.Kind = refEachValue
		}
		return ref
	case "var", "local":
		ref.Name = attr(0)
		ref.Kind = refVariable
		if head.name == "local" {
			ref.Kind = refLocal
		}
		return ref
	case "module":
		if len(rest) == 0 {
			return ref
		}
		ref.Kind, ref.Name, ref.Key, ref.HasKey = refModuleOutput, rest[0].name, rest[0].key, rest[0].hasKey
		ref.Attr = attr(1)
		return ref
	case "data":
		ref.Kind = refData
		return ref
	case "path", "terraform", "self":
		return ref
	}
	if len(rest) == 0 || head.hasKey {
		return ref
	}
	ref.Kind, ref.Type, ref.Name = refResource, head.name, rest[0].name
	ref.Key, ref.HasKey = rest[0].key, rest[0].hasKey
	ref.Attr = attr(1)
	return ref
}
