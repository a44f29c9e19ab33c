package report

import (
	"cmp"
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
)

// maxDiagrams is how many broken paths a pull-request comment draws: the
// worst ones; the others are counted, and `returnpath trace` draws each.
const maxDiagrams = 3

const pathsHead = "\n**Broken paths**\n"

// brokenPaths draws the worst broken paths of the shown findings (errors
// first, new before existing, then by failing share), each once, and
// counts the distinct broken paths.
func (m Markdown) brokenPaths(r *Report, shown []Finding) (drawn []string, broken int) {
	type candidate struct {
		f     Finding
		order int
	}
	var cands []candidate
	for i, f := range shown {
		if f.Flow != nil && isFlowRule(f.Rule) {
			cands = append(cands, candidate{f, i})
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		return cmp.Or(
			cmp.Compare(b.f.Severity, a.f.Severity),
			cmp.Compare(a.f.Status, b.f.Status),
			cmp.Compare(b.f.Flow.FailingShare, a.f.Flow.FailingShare),
			cmp.Compare(a.order, b.order),
		)
	})
	seen := map[string]bool{}
	for _, c := range cands {
		t := r.WitnessTrace(c.f)
		if t == nil || t.Delivered() {
			continue
		}
		diagram := Mermaid(t)
		if seen[diagram] {
			continue
		}
		seen[diagram] = true
		broken++
		if len(drawn) < maxDiagrams {
			drawn = append(drawn, pathBlock(c.f, t, diagram))
		}
	}
	return drawn, broken
}

func isFlowRule(rule string) bool {
	switch rule {
	case "RP001", "RP002", "RP003", "RP004":
		return true
	}
	return false
}

// pathBlock is one drawn path: what it is, the diagram, and the command
// that traces it.
func pathBlock(f Finding, t *checks.Trace, diagram string) string {
	leg := &t.Request
	if f.Flow.Leg == checks.ReplyLeg {
		leg = &t.Reply
	}
	title := fmt.Sprintf("%s on %s: %s → %s %s, %s %s", f.Rule, code(string(f.Resource)),
		escapeText(endpointName(t.From)), escapeText(endpointName(t.To)), t.Service(), leg.Leg, escapeText(legVerdict(leg)))
	return "\n" + title + "\n\n" + codeBlock("mermaid", diagram) + "\n\n" +
		"<sub>" + html.EscapeString(traceCommand(t)) + "</sub>\n"
}

// endpointName is a workload's address, else the IP address.
func endpointName(e checks.TraceEndpoint) string {
	if e.Workload != nil {
		return string(e.Workload.Address)
	}
	return e.Addr.String()
}

// traceCommand is the command that traces the path again.
func traceCommand(t *checks.Trace) string {
	return fmt.Sprintf("returnpath trace --from %s --to %s --port %s", shellWord(endpointName(t.From)), shellWord(endpointName(t.To)), t.Service())
}

// shellWord quotes an address for a POSIX shell when it needs it.
func shellWord(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r == '.' || r == '_' || r == '-' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// pathsSection is the drawn paths and a count of those not drawn; "" when
// no path is broken.
func pathsSection(drawn []string, broken int) string {
	if broken == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(pathsHead)
	for _, d := range drawn {
		b.WriteString(d)
	}
	if rest := broken - len(drawn); rest > 0 {
		fmt.Fprintf(&b, "\n%s not drawn; `returnpath trace` draws any of them.\n", plural(rest, "more broken path"))
	}
	return b.String()
}
