package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// clientRanges reads the client_ranges block: default is the hosts'
// range (HostClients), internet the range of internet and unknown clients
// (UnknownClients). An attribute left out keeps its default.
func clientRanges(block *clientRangesSchema, cfg *checks.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, attr := range []struct {
		name string
		expr hcl.Expression
		into *plan.PortRange
	}{
		{"default", block.Default, &cfg.HostClients},
		{"internet", block.Internet, &cfg.UnknownClients},
	} {
		if attr.expr == nil || isAbsent(attr.expr) {
			continue
		}
		r, ds := portRangeList("client_ranges."+attr.name, attr.expr)
		diags = diags.Extend(ds)
		if !ds.HasErrors() {
			*attr.into = r
		}
	}
	return diags
}

// isAbsent reports whether gohcl stood in a null for a missing attribute.
func isAbsent(expr hcl.Expression) bool {
	v, diags := expr.Value(nil)
	return !diags.HasErrors() && v.IsNull()
}

// portRangeList reads a list of port ranges ("32768-60999", "443") that
// must join into one range: a return rule allows one range per flow.
func portRangeList(name string, expr hcl.Expression) (plan.PortRange, hcl.Diagnostics) {
	elems, diags := hcl.ExprList(expr)
	if diags.HasErrors() {
		return plan.PortRange{}, diags
	}
	if len(elems) == 0 {
		return plan.PortRange{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Empty port range list",
			Detail:   fmt.Sprintf("%s needs at least one range such as \"1024-65535\".", name),
			Subject:  expr.Range().Ptr(),
		}}
	}
	var ranges []plan.PortRange
	for _, e := range elems {
		r, d := portRange(e)
		if d != nil {
			diags = diags.Append(d)
			continue
		}
		ranges = append(ranges, r)
	}
	if diags.HasErrors() {
		return plan.PortRange{}, diags
	}
	merged, gap, ok := joinRanges(ranges)
	if !ok {
		return plan.PortRange{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Port ranges leave a gap",
			Detail: fmt.Sprintf("%s must join into one range, but %s is in none of them: "+
				"returnpath suggests one return rule per flow (add the gap, or list one wider range).", name, gap),
			Subject: expr.Range().Ptr(),
		}}
	}
	return merged, nil
}

// portRange reads "LO-HI" or "PORT", 0-65535, LO <= HI.
func portRange(expr hcl.Expression) (plan.PortRange, *hcl.Diagnostic) {
	invalid := func(detail string) *hcl.Diagnostic {
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid port range", Detail: detail, Subject: expr.Range().Ptr()}
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return plan.PortRange{}, diags[0]
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() || !s.IsKnown() {
		return plan.PortRange{}, invalid(`A port range is a string such as "1024-65535" or "443".`)
	}
	text := s.AsString()
	loText, hiText, isRange := strings.Cut(text, "-")
	if !isRange {
		hiText = loText
	}
	lo, errLo := strconv.ParseUint(strings.TrimSpace(loText), 10, 16)
	hi, errHi := strconv.ParseUint(strings.TrimSpace(hiText), 10, 16)
	switch {
	case errLo != nil || errHi != nil:
		return plan.PortRange{}, invalid(fmt.Sprintf("%q is not a port range: want \"LO-HI\" or \"PORT\", ports 0-65535.", text))
	case lo > hi:
		return plan.PortRange{}, invalid(fmt.Sprintf("%q starts above its end.", text))
	}
	return plan.PortRange{Lo: uint16(lo), Hi: uint16(hi)}, nil
}

// joinRanges merges overlapping and adjacent ranges; ok is false when they
// do not make one range, and gap is then the first hole.
func joinRanges(ranges []plan.PortRange) (merged, gap plan.PortRange, ok bool) {
	sorted := slices.SortedFunc(slices.Values(ranges), func(a, b plan.PortRange) int { return cmp.Compare(a.Lo, b.Lo) })
	merged = sorted[0]
	for _, r := range sorted[1:] {
		if int(r.Lo) > int(merged.Hi)+1 {
			return plan.PortRange{}, plan.PortRange{Lo: merged.Hi + 1, Hi: r.Lo - 1}, false
		}
		merged.Hi = max(merged.Hi, r.Hi)
	}
	return merged, plan.PortRange{}, true
}
