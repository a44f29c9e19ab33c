package fix

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// renderBlock builds a block with hclwrite: attributes in order, values
// from vals, or raw expressions (a reference copied from a sibling).
func renderBlock(typ string, labels []string, order []string, vals map[string]cty.Value, raw map[string]string) (string, error) {
	f := hclwrite.NewEmptyFile()
	b := f.Body().AppendNewBlock(typ, labels)
	for _, k := range order {
		if text, ok := raw[k]; ok {
			tokens, err := exprTokens(text)
			if err != nil {
				return "", err
			}
			b.Body().SetAttributeRaw(k, tokens)
			continue
		}
		b.Body().SetAttributeValue(k, vals[k])
	}
	return strings.TrimRight(string(hclwrite.Format(f.Bytes())), "\n"), nil
}

// exprTokens lexes an expression into hclwrite tokens.
func exprTokens(text string) (hclwrite.Tokens, error) {
	f, diags := hclwrite.ParseConfig([]byte("x = "+text+"\n"), "expr", hclPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("expression %q: %s", text, diags.Error())
	}
	return f.Body().GetAttribute("x").Expr().BuildTokens(nil), nil
}

// valueText is a value as HCL writes it: "tcp", 110, true, null.
func valueText(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	return strings.TrimSpace(string(hclwrite.TokensForValue(v).Bytes()))
}

// objectText renders an element {k = v, ...}: on one line, or on several
// with the "=" aligned as terraform fmt aligns them.
func objectText(keys []string, vals map[string]cty.Value, multiline bool) string {
	if !multiline {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + " = " + valueText(vals[k])
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	width := 0
	for _, k := range keys {
		width = max(width, len(k))
	}
	var b strings.Builder
	b.WriteString("{\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-*s = %s\n", width, k, valueText(vals[k]))
	}
	b.WriteString("}")
	return b.String()
}

// keyText is an object key as the existing keys are written: bare when
// they are (and it can be), else quoted.
func keyText(key string, quoted bool) string {
	if !quoted && hclsyntax.ValidIdentifier(key) {
		return key
	}
	return valueText(cty.StringVal(key))
}
