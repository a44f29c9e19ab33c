package fix

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// Rule is the allow rule one fix adds to a NACL: plain data, as the checks
// decided it (direction, traffic, rule number).
type Rule struct {
	NACL      *plan.NACL
	Direction plan.Direction
	Family    plan.Family
	// Inline is set when the NACL writes its rules inline: the fix is an
	// ingress/egress block, never a standalone rule that Terraform would
	// fight over.
	Inline   bool
	Protocol plan.Protocol
	Prefix   netip.Prefix
	Ports    plan.PortRange
	Number   int
	// Name is the name a standalone aws_network_acl_rule gets (made unique
	// in its module when taken); also the key of a new map entry.
	Name string
	// HCL is the rule as the report shows it, for what is added by hand.
	HCL string
}

// Request is one finding that has a fix, or that has none (Rule nil,
// Reason says why).
type Request struct {
	Finding checks.Finding
	// Index is the finding's position in the list Requests was given.
	Index  int
	Rule   *Rule
	Reason string
}

// Requests lists the error findings of a report that a fix could address:
// every unsuppressed error finding about a flow. nacls finds a NACL of the
// planned network by address.
func Requests(findings []checks.Finding, nacls map[plan.Address]*plan.NACL) []Request {
	var out []Request
	for i, f := range findings {
		if f.Severity != checks.Error || f.Suppression != nil {
			continue
		}
		if f.Flow == nil {
			out = append(out, Request{Finding: f, Index: i, Reason: "the finding has no fix"})
			continue
		}
		n := nacls[f.Resource]
		if n == nil {
			out = append(out, Request{Finding: f, Index: i, Reason: string(f.Resource) + " is not a NACL of the plan"})
			continue
		}
		rule, err := parseSuggestion(n, f.Flow.Suggestion)
		if err != nil {
			out = append(out, Request{Finding: f, Index: i, Reason: err.Error()})
			continue
		}
		out = append(out, Request{Finding: f, Index: i, Rule: rule})
	}
	return out
}

// parseSuggestion reads the rule a finding's suggestion writes: an inline
// ingress/egress block or a resource "aws_network_acl_rule" block.
//
// The checks render the fix as HCL; reading it back keeps one source of
// truth for the rule number until they hand the fix over as data.
func parseSuggestion(n *plan.NACL, text string) (*Rule, error) {
	f, diags := hclsyntax.ParseConfig([]byte(text), "suggestion.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("the suggested fix does not parse: %s", diags.Error())
	}
	body := f.Body.(*hclsyntax.Body)
	if len(body.Blocks) != 1 {
		// A comment only: no rule number is free below the deny.
		return nil, fmt.Errorf("no fix can be written: %s", commentText(text))
	}
	b := body.Blocks[0]
	r := &Rule{NACL: n, HCL: strings.TrimRight(text, "\n")}
	attrs := map[string]cty.Value{}
	for name, a := range b.Body.Attributes {
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			if name == "network_acl_id" {
				continue
			}
			return nil, fmt.Errorf("the suggested fix's %s is not a literal", name)
		}
		attrs[name] = v
	}
	switch {
	case (b.Type == "ingress" || b.Type == "egress") && len(b.Labels) == 0:
		r.Inline = true
		r.Direction = plan.Ingress
		if b.Type == "egress" {
			r.Direction = plan.Egress
		}
		r.Number = intAttr(attrs, "rule_no")
	case b.Type == "resource" && len(b.Labels) == 2 && b.Labels[0] == "aws_network_acl_rule":
		r.Name = b.Labels[1]
		r.Direction = plan.Ingress
		if v, ok := attrs["egress"]; ok && v.Type() == cty.Bool && v.True() {
			r.Direction = plan.Egress
		}
		r.Number = intAttr(attrs, "rule_number")
	default:
		return nil, fmt.Errorf("the suggested fix is not a NACL rule")
	}
	proto, err := plan.ParseProtocol(stringAttr(attrs, "protocol"))
	if err != nil {
		return nil, fmt.Errorf("the suggested fix: %v", err)
	}
	r.Protocol = proto
	cidr := stringAttr(attrs, "cidr_block")
	if cidr == "" {
		cidr = stringAttr(attrs, "ipv6_cidr_block")
	}
	if r.Prefix, err = netip.ParsePrefix(cidr); err != nil {
		return nil, fmt.Errorf("the suggested fix's CIDR: %v", err)
	}
	r.Family = plan.FamilyOf(r.Prefix)
	r.Ports = plan.PortRange{Lo: uint16(intAttr(attrs, "from_port")), Hi: uint16(intAttr(attrs, "to_port"))}
	if r.Number < 1 || r.Number > maxRuleNumber {
		return nil, fmt.Errorf("the suggested rule number %d is outside 1-%d", r.Number, maxRuleNumber)
	}
	if r.Inline && r.Name == "" {
		r.Name = r.Direction.String() + "_fix"
	}
	return r, nil
}

// maxRuleNumber is the highest number a NACL rule may have (32767 is
// AWS's).
const maxRuleNumber = 32766

func commentText(text string) string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "#")); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " ")
}

func intAttr(attrs map[string]cty.Value, name string) int {
	v, ok := attrs[name]
	if !ok || v.IsNull() || v.Type() != cty.Number {
		return 0
	}
	n, acc := v.AsBigFloat().Int64()
	if acc != big.Exact {
		return 0
	}
	return int(n)
}

func stringAttr(attrs map[string]cty.Value, name string) string {
	v, ok := attrs[name]
	if !ok || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}
