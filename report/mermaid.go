package report

import (
	"fmt"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// Mermaid draws a traced path as a Mermaid flowchart (GitHub renders
// ```mermaid blocks): the two endpoints, each subnet as a box holding its
// NACL, the security groups and the endpoint placed there, the NAT
// gateway; the request as solid arrows, the reply as dotted arrows back,
// each labelled with the decision of the hop it enters. The hop that drops
// the packet is red, and so is the arrow into it; a leg ends there. The
// reply is drawn also when the request is dropped: as if it got through,
// so that a broken reply shows next to a broken request.
//
// The output uses a small part of the flowchart grammar, which
// TestMermaidGrammar checks line by line: node and subgraph declarations
// with quoted labels, "-->" and "-.->" edges with quoted labels, classDef,
// class and linkStyle lines.
func Mermaid(t *checks.Trace) string {
	d := &diagram{ids: map[string]string{}}
	from := d.endpoint(t.From)
	to := d.endpoint(t.To)

	d.leg(t, &t.Request, from, to, "-->")
	if t.Reply.NoReply == "" {
		d.leg(t, &t.Reply, to, from, "-.->")
	}

	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range d.outside {
		b.WriteString("  " + n + "\n")
	}
	for _, s := range d.subnets {
		fmt.Fprintf(&b, "  subgraph %s[%s]\n", s.id, mermaidLabel(s.label))
		for _, n := range s.nodes {
			b.WriteString("    " + n + "\n")
		}
		b.WriteString("  end\n")
	}
	for _, e := range d.edges {
		b.WriteString("  " + e + "\n")
	}
	if len(d.dropNodes) > 0 {
		b.WriteString("  classDef drop fill:#ffe5e5,stroke:#d00,color:#900\n")
		b.WriteString("  class " + strings.Join(d.dropNodes, ",") + " drop\n")
	}
	for _, i := range d.dropEdges {
		fmt.Fprintf(&b, "  linkStyle %d stroke:#d00,stroke-width:3px\n", i)
	}
	return b.String()
}

type diagram struct {
	ids       map[string]string // node key -> id
	outside   []string          // node declarations outside any subnet
	subnets   []*diagramSubnet
	edges     []string
	dropNodes []string
	dropEdges []int
}

type diagramSubnet struct {
	subnet *plan.Subnet
	id     string
	label  string
	nodes  []string
}

// node declares a node once, in its subnet's box (or outside any), and
// returns its id.
func (d *diagram) node(key, label string, s *plan.Subnet) string {
	if id, ok := d.ids[key]; ok {
		return id
	}
	id := fmt.Sprintf("n%d", len(d.ids))
	d.ids[key] = id
	decl := id + "[" + mermaidLabel(label) + "]"
	if s == nil {
		d.outside = append(d.outside, decl)
		return id
	}
	for _, box := range d.subnets {
		if box.subnet == s {
			box.nodes = append(box.nodes, decl)
			return id
		}
	}
	label = string(s.Address)
	if p := s.Prefix(plan.IPv4); p.IsValid() {
		label += " " + p.String()
	} else if p := s.Prefix(plan.IPv6); p.IsValid() {
		label += " " + p.String()
	}
	d.subnets = append(d.subnets, &diagramSubnet{subnet: s, id: fmt.Sprintf("s%d", len(d.subnets)), label: label, nodes: []string{decl}})
	return id
}

func (d *diagram) endpoint(e checks.TraceEndpoint) string {
	label := e.Addr.String()
	if e.Workload != nil {
		label = string(e.Workload.Address) + "<br/>" + label
	}
	if e.Subnet == nil {
		label += "<br/>outside the plan"
	}
	return d.node("endpoint "+e.Addr.String()+" "+e.Name, label, e.Subnet)
}

// leg draws the hops of a leg from start until the hop that drops the
// packet, or on to end.
func (d *diagram) leg(t *checks.Trace, l *checks.TraceLeg, start, end, arrow string) {
	at := start
	first := true
	label := func(s string) string {
		if first {
			first = false
			if l.Leg == checks.RequestLeg {
				return t.Service() + " " + s
			}
			return "reply " + s
		}
		return s
	}
	for i, h := range l.Hops {
		if h.Kind == checks.RouteHop {
			continue // the NAT gateway node says where the route goes
		}
		id := d.hopNode(h)
		dropped := l.DroppedAt == i
		d.edge(at, id, arrow, label(edgeDecision(h)), dropped)
		if dropped {
			d.dropNodes = append(d.dropNodes, id)
			return
		}
		at = id
	}
	d.edge(at, end, arrow, label("delivered"), false)
}

func (d *diagram) edge(from, to, arrow, label string, dropped bool) {
	if dropped {
		d.dropEdges = append(d.dropEdges, len(d.edges))
	}
	d.edges = append(d.edges, fmt.Sprintf("%s %s|%s| %s", from, arrow, mermaidLabel(label), to))
}

// hopNode is the node of a hop: one per NACL and subnet (both directions
// cross the same boundary), per workload's security groups, per NAT
// gateway.
func (d *diagram) hopNode(h checks.TraceHop) string {
	switch h.Kind {
	case checks.NACLHop:
		return d.node("nacl "+string(h.Resource)+" "+string(h.Subnet.Address), "NACL<br/>"+string(h.Resource), h.Subnet)
	case checks.SecurityGroupHop:
		names := make([]string, len(h.Groups))
		for i, g := range h.Groups {
			names[i] = string(g)
		}
		return d.node("sg "+string(h.Workload), "SG<br/>"+strings.Join(names, "<br/>"), h.Subnet)
	}
	return d.node("nat "+string(h.Resource), "NAT gateway<br/>"+string(h.Resource), h.Subnet)
}

// edgeDecision is the short decision of the hop an arrow enters.
func edgeDecision(h checks.TraceHop) string {
	mark := "✓"
	if !h.Allowed {
		mark = "✗"
	}
	switch h.Kind {
	case checks.NACLHop:
		if h.Rule == nil {
			return mark + " " + h.Direction.String() + ": implicit deny"
		}
		return fmt.Sprintf("%s %s rule %d", mark, h.Direction, h.Rule.Number)
	case checks.SecurityGroupHop:
		switch {
		case h.Stateful:
			return mark + " stateful"
		case h.Allowed:
			return mark + " " + h.Direction.String()
		}
		return mark + " " + h.Direction.String() + ": no rule allows"
	case checks.NATGatewayHop:
		return mark + " translated"
	}
	return mark
}

// mermaidLabel quotes a label. Quotes and markup characters become
// Mermaid's entity codes, so that no address (a for_each key may hold
// anything) can end the label or inject markup; "<br/>" is the only markup
// the diagrams write themselves.
func mermaidLabel(s string) string {
	const br = "\x00"
	s = strings.ReplaceAll(s, "<br/>", br)
	s = mermaidEscaper.Replace(s)
	return `"` + strings.ReplaceAll(s, br, "<br/>") + `"`
}

var mermaidEscaper = strings.NewReplacer(
	`"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;", "#", "#35;",
	"|", "#124;", "`", "#96;", "\n", " ", "\r", " ",
)
