package report

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

// TraceReport is what `returnpath trace` found: the flow asked about,
// traced between every pair of places of its endpoints, and how the
// other state (the prior state; the plan with --before) compares.
type TraceReport struct {
	Version string
	Plan    Plan
	// From, To and Service are the flow as asked: names and "tcp/443".
	From, To, Service string
	// Before is set when the prior state was traced instead of the plan.
	Before bool
	Paths  []TracePath
	// Compared is the verdict of the prior state when the plan was traced
	// and the prior state could be; nil with --before.
	Compared *Comparison
}

// Comparison is the verdict of the prior state.
type Comparison struct {
	// Verdict is "delivered" or "dropped"; "" when the prior state cannot
	// be traced (Why says why).
	Verdict string
	Why     string
}

// TracePath is one traced flow with where its rules are configured.
type TracePath struct {
	*checks.Trace
	// RequestLocations and ReplyLocations are the locations of the hops'
	// rules (the NACL, group or route block when no rule matched), by hop
	// index; the zero Location where the configuration does not say.
	RequestLocations []source.Location
	ReplyLocations   []source.Location
}

// Verdict is "delivered" when every path delivers the flow both ways,
// else "dropped".
func (r *TraceReport) Verdict() string {
	for _, p := range r.Paths {
		if !p.Delivered() {
			return verdictDropped
		}
	}
	return verdictDelivered
}

const (
	verdictDelivered = "delivered"
	verdictDropped   = "dropped"
)

// Change is "breaks" or "fixes" when this plan changes the verdict of the
// prior state, "unchanged" when it does not, "" when there is nothing to
// compare (Compared is nil or says why not).
func (r *TraceReport) Change() string {
	c := r.Compared
	if c == nil || c.Verdict == "" {
		return ""
	}
	switch now := r.Verdict(); {
	case now == c.Verdict:
		return "unchanged"
	case now == verdictDropped:
		return "breaks"
	}
	return "fixes"
}

// NewTracePath wraps a trace; Locate fills in its locations.
func NewTracePath(t *checks.Trace) TracePath {
	return TracePath{Trace: t, RequestLocations: make([]source.Location, len(t.Request.Hops)), ReplyLocations: make([]source.Location, len(t.Reply.Hops))}
}

// Locate points every hop at where its rule is configured.
func (r *TraceReport) Locate(ix *source.Index) {
	for i := range r.Paths {
		p := &r.Paths[i]
		for j, h := range p.Request.Hops {
			p.RequestLocations[j] = hopLocation(h, ix)
		}
		for j, h := range p.Reply.Hops {
			p.ReplyLocations[j] = hopLocation(h, ix)
		}
	}
}

func hopLocation(h checks.TraceHop, ix *source.Index) source.Location {
	addr := h.Resource
	if h.Rule != nil {
		addr = h.Rule.Address
	}
	b, ok := ix.Lookup(addr)
	if !ok {
		l, _ := ix.ModuleCall(addr)
		return l
	}
	if h.Kind == checks.NACLHop && h.Rule != nil && h.Rule.Address == h.Resource {
		if l, ok := b.InlineRule(h.Direction.String(), h.Rule.Number); ok {
			return l
		}
	}
	return b.Location
}

// TraceFormat is one output format of a trace.
type TraceFormat struct {
	Name        string
	Description string
	Format      func(w io.Writer, r *TraceReport) error
}

// TraceFormats lists the formats of `returnpath trace`.
func TraceFormats() []TraceFormat {
	return []TraceFormat{
		{"text", "the hops of each leg, for people", formatTraceText},
		{"json", "the verdict and the legs with their hops, for programs", formatTraceJSON},
		{"markdown", "a Mermaid diagram of each path and its hops, for a pull request or a wiki", formatTraceMarkdown},
	}
}

// LookupTraceFormat finds a trace format by name.
func LookupTraceFormat(name string) (TraceFormat, bool) {
	for _, f := range TraceFormats() {
		if f.Name == name {
			return f, true
		}
	}
	return TraceFormat{}, false
}

// The words every trace format shares.

// endpointText is "aws_instance.app 10.0.1.10 in aws_subnet.app" or
// "203.0.113.7 (outside the plan's subnets)".
func endpointText(e checks.TraceEndpoint) string {
	var b strings.Builder
	if e.Workload != nil {
		b.WriteString(string(e.Workload.Address) + " ")
	}
	b.WriteString(e.Addr.String())
	if e.Assumed {
		b.WriteString(" (stand-in)")
	}
	if e.Subnet != nil {
		b.WriteString(" in " + string(e.Subnet.Address))
		if p := e.Subnet.Prefix(familyOf(e.Addr)); p.IsValid() {
			b.WriteString(" " + p.String())
		}
	} else {
		b.WriteString(" (outside the plan's subnets)")
	}
	return b.String()
}

// hopTitle is what a hop is: "aws_network_acl.app egress (leaving
// aws_subnet.app)".
func hopTitle(h checks.TraceHop) string {
	switch h.Kind {
	case checks.NACLHop:
		way := "entering"
		if h.Direction == plan.Egress {
			way = "leaving"
		}
		return fmt.Sprintf("NACL %s %s (%s %s)", h.Resource, h.Direction, way, h.Subnet.Address)
	case checks.SecurityGroupHop:
		groups := "security group " + string(h.Groups[0])
		if len(h.Groups) > 1 {
			var names []string
			for _, g := range h.Groups {
				names = append(names, string(g))
			}
			groups = "security groups " + strings.Join(names, ", ")
		}
		return fmt.Sprintf("%s %s (%s)", groups, h.Direction, h.Workload)
	case checks.RouteHop:
		return fmt.Sprintf("route %s", h.Resource)
	case checks.NATGatewayHop:
		return fmt.Sprintf("NAT gateway %s (%s)", h.Resource, h.Subnet.Address)
	}
	return string(h.Resource)
}

// hopDecision is why the hop decides as it does: "rule 100 allows",
// "implicit deny", "allowed by aws_vpc_security_group_ingress_rule.x".
func hopDecision(h checks.TraceHop) string {
	switch h.Kind {
	case checks.NACLHop:
		if h.Rule == nil {
			return "implicit deny (no rule matches)"
		}
		action := "denies"
		if h.Allowed {
			action = "allows"
		}
		if h.Rule.Address == h.Resource {
			return fmt.Sprintf("rule %d %s", h.Rule.Number, action)
		}
		return fmt.Sprintf("rule %d (%s) %s", h.Rule.Number, h.Rule.Address, action)
	case checks.SecurityGroupHop:
		switch {
		case h.Stateful:
			return "a reply to an allowed request (security groups are stateful)"
		case h.Allowed && h.Rule.Address == h.Resource:
			return fmt.Sprintf("an inline %s rule of %s allows", h.Direction, h.Resource)
		case h.Allowed:
			return string(h.Rule.Address) + " allows"
		}
		return "no rule allows it (security groups deny what they do not allow)"
	}
	return h.Note
}

// packetText is "tcp 10.0.1.10:49152 → 203.0.113.7:443", or "icmp 3:4
// 10.0.1.10 → 203.0.113.7".
func packetText(t *checks.Trace, p checks.Packet, reply bool) string {
	if t.Protocol.HasPorts() {
		return fmt.Sprintf("%s %s → %s", t.Protocol, p.Src, p.Dst)
	}
	return fmt.Sprintf("%s %s %s → %s", t.Protocol, icmpText(t, reply), p.Src.Addr(), p.Dst.Addr())
}

// icmpText is the type and code of the request, or of its echo reply.
func icmpText(t *checks.Trace, reply bool) string {
	m := t.ICMP
	if reply {
		m = plan.ICMPMatch{Type: 0}
		if t.Protocol == plan.ProtocolICMPv6 {
			m = plan.ICMPMatch{Type: 129}
		}
	}
	return fmt.Sprintf("%d:%d", m.Type, m.Code)
}

// legVerdict is "delivered", "dropped at NACL ... egress", or "dropped
// for 49% of ..." when only some client ports fail.
func legVerdict(l *checks.TraceLeg) string {
	if l.NoReply != "" {
		return "none: " + l.NoReply
	}
	if l.DroppedAt >= 0 {
		h := l.Hops[l.DroppedAt]
		return fmt.Sprintf("dropped at %s: %s", hopTitle(h), hopDecision(h))
	}
	if l.Delivered() {
		return verdictDelivered
	}
	var parts []string
	for _, c := range l.Clients {
		if len(c.Failing) > 0 {
			parts = append(parts, fmt.Sprintf("%s of %s", percent(c.Share), c.Client))
		}
	}
	return "dropped for " + strings.Join(parts, ", ")
}

// portsText is "1024-32767, 61000-65535".
func portsText(ranges []plan.PortRange) string {
	parts := make([]string, len(ranges))
	for i, r := range ranges {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

// pathVerdict is "delivered" or "dropped".
func pathVerdict(t *checks.Trace) string {
	if t.Delivered() {
		return verdictDelivered
	}
	return verdictDropped
}

func familyOf(a netip.Addr) plan.Family {
	if a.Is4() {
		return plan.IPv4
	}
	return plan.IPv6
}
