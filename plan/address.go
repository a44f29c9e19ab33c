package plan

import (
	"fmt"
	"strconv"
	"strings"
)

// moduleStep is one step of a module instance path: module.NAME[KEY].
type moduleStep struct {
	Name string
	Key  string // as in addresses: 0 or "a"; "" without count/for_each
}

// parseModulePath splits a module instance address such as
// module.a[0].module.b["x"] into its steps; "" is the root module.
func parseModulePath(addr string) ([]moduleStep, error) {
	var steps []moduleStep
	rest := addr
	for rest != "" {
		if !strings.HasPrefix(rest, "module.") {
			return nil, fmt.Errorf("module address %q: expected module.NAME", addr)
		}
		rest = rest[len("module."):]
		name, after := splitIdentifier(rest)
		if name == "" {
			return nil, fmt.Errorf("module address %q: missing module name", addr)
		}
		key, after, err := splitKey(after)
		if err != nil {
			return nil, fmt.Errorf("module address %q: %v", addr, err)
		}
		steps = append(steps, moduleStep{Name: name, Key: key})
		rest = strings.TrimPrefix(after, ".")
		if after != "" && !strings.HasPrefix(after, ".") {
			return nil, fmt.Errorf("module address %q: unexpected %q", addr, after)
		}
	}
	return steps, nil
}

func formatModulePath(steps []moduleStep) string {
	var b strings.Builder
	for i, s := range steps {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString("module.")
		b.WriteString(s.Name)
		if s.Key != "" {
			b.WriteString("[" + s.Key + "]")
		}
	}
	return b.String()
}

// splitIdentifier takes a Terraform identifier off the front of s.
func splitIdentifier(s string) (ident, rest string) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			i++
			continue
		}
		break
	}
	return s[:i], s[i:]
}

// splitKey takes an instance key [0] or ["a"] off the front of s and
// normalises it; no bracket gives "".
func splitKey(s string) (key, rest string, err error) {
	if !strings.HasPrefix(s, "[") {
		return "", s, nil
	}
	if strings.HasPrefix(s, `["`) {
		// A quoted key may hold any character, brackets and dots too.
		for i := 2; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				if i+1 >= len(s) || s[i+1] != ']' {
					return "", "", fmt.Errorf("bad instance key in %q", s)
				}
				unquoted, err := strconv.Unquote(s[1 : i+1])
				if err != nil {
					return "", "", fmt.Errorf("bad instance key in %q", s)
				}
				return strconv.Quote(unquoted), s[i+2:], nil
			}
		}
		return "", "", fmt.Errorf("unterminated instance key in %q", s)
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", "", fmt.Errorf("unterminated instance key in %q", s)
	}
	n, err := strconv.ParseInt(s[1:end], 10, 64)
	if err != nil {
		// An expression index such as [count.index] in a reference.
		return "", "", fmt.Errorf("instance key %q is not a literal", s[1:end])
	}
	return strconv.FormatInt(n, 10), s[end+1:], nil
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
	head, rest := splitIdentifier(raw)
	rest = strings.TrimPrefix(rest, ".")
	switch head {
	case "count":
		if rest == "index" {
			ref.Kind = refCountIndex
		}
		return ref
	case "each":
		switch rest {
		case "key":
			ref.Kind = refEachKey
		case "value":
			ref.Kind = refEachValue
		}
		return ref
	case "var", "local":
		name, _ := splitIdentifier(rest)
		ref.Name = name
		ref.Kind = refVariable
		if head == "local" {
			ref.Kind = refLocal
		}
		return ref
	case "module":
		name, after := splitIdentifier(rest)
		key, after, err := splitKey(after)
		if name == "" || err != nil {
			return ref
		}
		ref.Kind, ref.Name, ref.Key, ref.HasKey = refModuleOutput, name, key, strings.HasPrefix(rest[len(name):], "[")
		ref.Attr, _ = splitIdentifier(strings.TrimPrefix(after, "."))
		return ref
	case "data":
		ref.Kind = refData
		return ref
	case "path", "terraform", "self", "":
		return ref
	}
	name, after := splitIdentifier(rest)
	if name == "" {
		return ref
	}
	key, after, err := splitKey(after)
	if err != nil {
		return ref
	}
	ref.Kind, ref.Type, ref.Name = refResource, head, name
	ref.Key, ref.HasKey = key, strings.HasPrefix(rest[len(name):], "[")
	ref.Attr, _ = splitIdentifier(strings.TrimPrefix(after, "."))
	return ref
}

// resourceAddress renders TYPE.NAME[KEY] inside a module instance.
func resourceAddress(module, typ, name, key string) Address {
	var b strings.Builder
	if module != "" {
		b.WriteString(module)
		b.WriteByte('.')
	}
	b.WriteString(typ)
	b.WriteByte('.')
	b.WriteString(name)
	if key != "" {
		b.WriteString("[" + key + "]")
	}
	return Address(b.String())
}
