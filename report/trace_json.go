package report

import (
	"encoding/json"
	"io"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

// The JSON of a trace (docs/trace.md describes it): the verdict at the
// top, then each path with its legs and their hops.

type jsonTrace struct {
	Version string `json:"version"`
	Plan    struct {
		File             string `json:"file"`
		TerraformVersion string `json:"terraform_version,omitempty"`
	} `json:"plan"`
	Query struct {
		From string `json:"from"`
		To   string `json:"to"`
		Port string `json:"port"`
	} `json:"query"`
	// State is "planned" or "prior" (--before).
	State   string `json:"state"`
	Verdict string `json:"verdict"`
	// Prior is the prior state's verdict, Change how this plan changes
	// it ("breaks", "fixes", "unchanged"); NotCompared says why there is
	// no comparison.
	Prior       string     `json:"prior_verdict,omitempty"`
	Change      string     `json:"change,omitempty"`
	NotCompared string     `json:"not_compared,omitempty"`
	Paths       []jsonPath `json:"paths"`
}

type jsonPath struct {
	From         jsonEndpoint `json:"from"`
	To           jsonEndpoint `json:"to"`
	Verdict      string       `json:"verdict"`
	Request      jsonLeg      `json:"request"`
	Reply        jsonLeg      `json:"reply"`
	NotEvaluated []string     `json:"not_evaluated"`
}

type jsonEndpoint struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	Assumed  bool   `json:"address_assumed"`
	Subnet   string `json:"subnet,omitempty"`
	Workload string `json:"workload,omitempty"`
}

type jsonLeg struct {
	Verdict string `json:"verdict"`
	// Reached is false for a reply whose request is dropped: its hops
	// say what would happen if the request got through.
	Reached bool          `json:"reached"`
	NoReply string        `json:"no_reply,omitempty"`
	Hops    []jsonHop     `json:"hops"`
	Clients []jsonClients `json:"clients,omitempty"`
}

type jsonHop struct {
	Kind      string          `json:"kind"`
	Resource  plan.Address    `json:"resource"`
	Groups    []plan.Address  `json:"groups,omitempty"`
	Subnet    plan.Address    `json:"subnet,omitempty"`
	Workload  plan.Address    `json:"workload,omitempty"`
	Direction string          `json:"direction,omitempty"`
	Packet    jsonTracePacket `json:"packet"`
	Decision  string          `json:"decision"`
	// Rule is the rule that matched; null with decision "deny" is the
	// implicit deny (ImplicitDeny says so).
	Rule         *checks.RuleRef `json:"rule"`
	ImplicitDeny bool            `json:"implicit_deny,omitempty"`
	Stateful     bool            `json:"stateful,omitempty"`
	Note         string          `json:"note,omitempty"`
	Unsure       string          `json:"unsure,omitempty"`
	Location     string          `json:"location,omitempty"`
	Reached      bool            `json:"reached"`
	DroppedPorts []string        `json:"dropped_ports,omitempty"`
	PortsOf      string          `json:"dropped_ports_of,omitempty"`
}

type jsonTracePacket struct {
	Protocol string `json:"protocol"`
	Src      string `json:"src"`
	Dst      string `json:"dst"`
	ICMP     string `json:"icmp,omitempty"`
}

type jsonClients struct {
	Client       string   `json:"client"`
	Ports        string   `json:"ports"`
	FailingPorts []string `json:"failing_ports"`
	FailingShare float64  `json:"failing_share"`
}

func formatTraceJSON(w io.Writer, r *TraceReport) error {
	var out jsonTrace
	out.Version = r.Version
	out.Plan.File = r.Plan.File
	out.Plan.TerraformVersion = r.Plan.TerraformVersion
	out.Query.From, out.Query.To, out.Query.Port = r.From, r.To, r.Service
	out.State = "planned"
	if r.Before {
		out.State = "prior"
	}
	out.Verdict = r.Verdict()
	if c := r.Compared; c != nil {
		out.Prior, out.Change, out.NotCompared = c.Verdict, r.Change(), c.Why
	}
	out.Paths = []jsonPath{}
	for _, p := range r.Paths {
		jp := jsonPath{
			From: endpointJSON(p.From), To: endpointJSON(p.To), Verdict: pathVerdict(p.Trace),
			Request:      legJSON(p.Trace, &p.Request, p.RequestLocations, true),
			Reply:        legJSON(p.Trace, &p.Reply, p.ReplyLocations, p.Request.DroppedAt < 0),
			NotEvaluated: append([]string{}, p.NotEvaluated...),
		}
		out.Paths = append(out.Paths, jp)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func endpointJSON(e checks.TraceEndpoint) jsonEndpoint {
	j := jsonEndpoint{Name: e.Name, Address: e.Addr.String(), Assumed: e.Assumed}
	if e.Subnet != nil {
		j.Subnet = string(e.Subnet.Address)
	}
	if e.Workload != nil {
		j.Workload = string(e.Workload.Address)
	}
	return j
}

func legJSON(t *checks.Trace, l *checks.TraceLeg, locs []source.Location, reached bool) jsonLeg {
	j := jsonLeg{Verdict: verdictDelivered, Reached: reached, NoReply: l.NoReply, Hops: []jsonHop{}}
	if !l.Delivered() {
		j.Verdict = verdictDropped
	}
	reply := l.Leg == checks.ReplyLeg
	for i, h := range l.Hops {
		jh := jsonHop{
			Kind: h.Kind.String(), Resource: h.Resource, Workload: h.Workload,
			Decision: "deny", Rule: h.Rule, Stateful: h.Stateful, Note: h.Note, Unsure: h.Unsure,
			Location: locs[i].String(), Reached: h.Reached && reached, PortsOf: h.PortsOf,
		}
		if len(h.Groups) > 1 {
			jh.Groups = h.Groups
		}
		if h.Subnet != nil {
			jh.Subnet = h.Subnet.Address
		}
		if h.Direction != 0 {
			jh.Direction = h.Direction.String()
		}
		if h.Allowed {
			jh.Decision = "allow"
		}
		jh.ImplicitDeny = !h.Allowed && h.Rule == nil && h.Kind == checks.NACLHop
		jh.Packet = jsonTracePacket{Protocol: t.Protocol.String(), Src: h.Packet.Src.String(), Dst: h.Packet.Dst.String()}
		if !t.Protocol.HasPorts() {
			jh.Packet.Src, jh.Packet.Dst = h.Packet.Src.Addr().String(), h.Packet.Dst.Addr().String()
			jh.Packet.ICMP = icmpText(t, reply)
		}
		for _, p := range h.DroppedPorts {
			jh.DroppedPorts = append(jh.DroppedPorts, p.String())
		}
		j.Hops = append(j.Hops, jh)
	}
	for _, c := range l.Clients {
		jc := jsonClients{Client: c.Client, Ports: c.Ports.String(), FailingPorts: []string{}, FailingShare: c.Share}
		for _, p := range c.Failing {
			jc.FailingPorts = append(jc.FailingPorts, p.String())
		}
		j.Clients = append(j.Clients, jc)
	}
	return j
}
