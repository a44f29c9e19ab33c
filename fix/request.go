package fix

import (
	"net/netip"
	"strings"

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
	// HCL is what to add by hand when Rule is nil ("": nothing to suggest).
	HCL string
}

// Requests lists the error findings of a report that a fix could address:
// every unsuppressed error finding, with the rule of its checks.Fix (Rule
// nil and a Reason when it has none, or no free rule number).
func Requests(findings []checks.Finding) []Request {
	var out []Request
	for i, f := range findings {
		if f.Severity != checks.Error || f.Suppression != nil {
			continue
		}
		fx := f.Fix
		switch {
		case fx == nil || fx.NACL == nil:
			out = append(out, Request{Finding: f, Index: i, Reason: "the finding has no fix"})
			continue
		case fx.NACL.Address.Context() != "":
			// Its configuration is another stack's: this one cannot hold
			// the rule, and that one is not read.
			out = append(out, Request{Finding: f, Index: i, HCL: fx.HCL(),
				Reason: "the NACL is in context " + fx.NACL.Address.Context() + ", another stack: add the rule to that stack's configuration"})
			continue
		case fx.Number < 1 || fx.Number > maxRuleNumber:
			out = append(out, Request{Finding: f, Index: i, Reason: "no fix can be written: " + commentText(fx.HCL())})
			continue
		}
		name := fx.Name
		if name == "" {
			name = fx.Direction.String() + "_fix" // an inline fix: the key of a map entry
		}
		out = append(out, Request{Finding: f, Index: i, Rule: &Rule{
			NACL: fx.NACL, Direction: fx.Direction, Family: fx.Family, Inline: fx.Inline,
			Protocol: fx.Protocol, Prefix: fx.Prefix, Ports: fx.Ports, Number: fx.Number,
			Name: name, HCL: fx.HCL(),
		}})
	}
	return out
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
