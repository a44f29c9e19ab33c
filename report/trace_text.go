package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/source"
)

// formatTraceText writes a trace for people: the verdict and how it
// compares with the prior state, then for each path its ends, the hops of
// each leg (✓ allows, ✗ drops, · not reached), the client ranges of the
// reply, and what was not evaluated.
func formatTraceText(w io.Writer, r *TraceReport) error {
	bw := bufio.NewWriter(w)
	state := ""
	if r.Before {
		state = " (prior state)"
	}
	fmt.Fprintf(bw, "%s → %s %s%s: %s\n", r.From, r.To, r.Service, state, r.Verdict())
	if line := changeLine(r); line != "" {
		fmt.Fprintln(bw, line)
	}
	for i, p := range r.Paths {
		fmt.Fprintln(bw)
		if len(r.Paths) > 1 {
			fmt.Fprintf(bw, "path %d of %d: %s\n", i+1, len(r.Paths), pathVerdict(p.Trace))
		}
		fmt.Fprintf(bw, "from %s\nto   %s\n", endpointText(p.From), endpointText(p.To))
		textLeg(bw, p.Trace, &p.Request, p.RequestLocations)
		textLeg(bw, p.Trace, &p.Reply, p.ReplyLocations)
		if len(p.NotEvaluated) > 0 {
			fmt.Fprintln(bw, "not evaluated:")
			for _, n := range p.NotEvaluated {
				fmt.Fprintf(bw, "  - %s\n", n)
			}
		}
	}
	return bw.Flush()
}

// changeLine says whether this plan changes the verdict.
func changeLine(r *TraceReport) string {
	switch r.Change() {
	case "breaks":
		return "this plan breaks it: the prior state delivers it"
	case "fixes":
		return "this plan fixes it: the prior state drops it"
	case "unchanged":
		return "the same in the prior state"
	}
	if r.Compared != nil && r.Compared.Why != "" {
		return "not compared with the prior state: " + r.Compared.Why
	}
	return ""
}

func textLeg(w io.Writer, t *checks.Trace, l *checks.TraceLeg, locs []source.Location) {
	name := l.Leg.String()
	if l.Leg == checks.ReplyLeg && t.Request.DroppedAt >= 0 {
		name += " (if the request got through)"
	}
	fmt.Fprintf(w, "%s: %s\n", name, legVerdict(l))
	if l.NoReply != "" {
		return
	}
	reply := l.Leg == checks.ReplyLeg
	for i, h := range l.Hops {
		mark := "✓"
		switch {
		case !h.Reached:
			mark = "·"
		case !h.Allowed:
			mark = "✗"
		}
		line := fmt.Sprintf("  %s %s: %s", mark, hopTitle(h), hopDecision(h))
		if !h.Reached {
			line += " (not reached)"
		}
		fmt.Fprintln(w, line)
		detail := []string{packetText(t, h.Packet, reply)}
		if locs[i].IsValid() {
			detail = append(detail, locs[i].String())
		}
		fmt.Fprintf(w, "      %s\n", strings.Join(detail, " · "))
		if len(h.DroppedPorts) > 0 {
			whose := "the client's ports"
			if h.PortsOf != "client" {
				whose = h.PortsOf + "'s ports"
			}
			fmt.Fprintf(w, "      drops replies to %s %s\n", whose, portsText(h.DroppedPorts))
		}
		if h.Unsure != "" {
			fmt.Fprintf(w, "      unsure: %s\n", h.Unsure)
		}
	}
	for _, c := range l.Clients {
		failing := "all delivered"
		if len(c.Failing) > 0 {
			failing = fmt.Sprintf("%s fail (%s)", percent(c.Share), portsText(c.Failing))
		}
		fmt.Fprintf(w, "  %s, ports %s: %s\n", c.Client, c.Ports, failing)
	}
}
