package report

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/source"
)

// formatTraceMarkdown writes a trace as markdown: the verdict, then for
// each path a Mermaid diagram, the hops of each leg as a list, and what
// was not evaluated in a collapsed block.
func formatTraceMarkdown(w io.Writer, r *TraceReport) error {
	var b strings.Builder
	icon := "✅"
	if r.Verdict() != verdictDelivered {
		icon = "❌"
	}
	state := ""
	if r.Before {
		state = " (prior state)"
	}
	fmt.Fprintf(&b, "%s **returnpath trace** %s → %s %s%s: **%s**\n", icon, code(r.From), code(r.To), code(r.Service), state, r.Verdict())
	if line := changeLine(r); line != "" {
		b.WriteString("\n" + escapeText(line) + "\n")
	}
	for i, p := range r.Paths {
		b.WriteString("\n")
		if len(r.Paths) > 1 {
			fmt.Fprintf(&b, "**Path %d of %d** — %s\n\n", i+1, len(r.Paths), pathVerdict(p.Trace))
		}
		fmt.Fprintf(&b, "From %s to %s\n\n", escapeText(endpointText(p.From)), escapeText(endpointText(p.To)))
		b.WriteString(codeBlock("mermaid", Mermaid(p.Trace)) + "\n\n")
		markdownLeg(&b, p.Trace, &p.Request, p.RequestLocations)
		markdownLeg(&b, p.Trace, &p.Reply, p.ReplyLocations)
		if len(p.NotEvaluated) > 0 {
			b.WriteString("<details><summary>Not evaluated</summary>\n\n")
			for _, n := range p.NotEvaluated {
				b.WriteString("- " + escapeText(n) + "\n")
			}
			b.WriteString("\n</details>\n")
		}
	}
	fmt.Fprintf(&b, "\n<sub>returnpath %s · plan <code>%s</code></sub>\n", html.EscapeString(r.Version), html.EscapeString(r.Plan.File))
	_, err := io.WriteString(w, b.String())
	return err
}

func markdownLeg(b *strings.Builder, t *checks.Trace, l *checks.TraceLeg, locs []source.Location) {
	name := l.Leg.String()
	if l.Leg == checks.ReplyLeg && t.Request.DroppedAt >= 0 {
		name += " (if the request got through)"
	}
	fmt.Fprintf(b, "**%s**: %s\n\n", strings.ToUpper(name[:1])+name[1:], escapeText(legVerdict(l)))
	if l.NoReply != "" {
		return
	}
	reply := l.Leg == checks.ReplyLeg
	for i, h := range l.Hops {
		mark := "✅"
		switch {
		case !h.Reached:
			mark = "⚪"
		case !h.Allowed:
			mark = "❌"
		}
		line := fmt.Sprintf("%s %s: %s — %s", mark, escapeText(hopTitle(h)), escapeText(hopDecision(h)), code(packetText(t, h.Packet, reply)))
		if locs[i].IsValid() {
			line += " " + code(locs[i].String())
		}
		if !h.Reached {
			line += " (not reached)"
		}
		b.WriteString("- " + line + "\n")
	}
	for _, c := range l.Clients {
		failing := "all delivered"
		if len(c.Failing) > 0 {
			failing = fmt.Sprintf("%s fail (%s)", percent(c.Share), portsText(c.Failing))
		}
		b.WriteString("- " + escapeText(fmt.Sprintf("%s, ports %s: %s", c.Client, c.Ports, failing)) + "\n")
	}
	b.WriteString("\n")
}
