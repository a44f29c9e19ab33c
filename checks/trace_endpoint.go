package checks

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/agext/levenshtein"

	"github.com/returnpath-dev/returnpath/plan"
)

// UnknownEndpointError is an endpoint that is neither an IP address nor a
// workload of the network; Suggestions are the nearest workload addresses.
type UnknownEndpointError struct {
	Name        string
	Suggestions []plan.Address
}

func (e *UnknownEndpointError) Error() string {
	msg := fmt.Sprintf("%q is neither an IP address nor the address of a workload in the plan", e.Name)
	if len(e.Suggestions) > 0 {
		names := make([]string, len(e.Suggestions))
		for i, s := range e.Suggestions {
			names[i] = string(s)
		}
		msg += " (did you mean " + strings.Join(names, ", ") + "?)"
	}
	return msg
}

// unplaced is why a resource named name (or an instance of it) is not a
// workload of n: its RP008 reason, such as a subnet no stack given defines.
func unplaced(n *plan.Network, name string) (why string, ok bool) {
	for _, u := range n.Unresolved {
		if names(name, u.Address) {
			return u.Reason, true
		}
	}
	return "", false
}

// names reports whether name, as the user wrote it, names addr: the
// address itself, or without an instance key every instance of it.
func names(name string, addr plan.Address) bool {
	return string(addr) == name || strings.HasPrefix(string(addr), name+"[")
}

// maxSuggestions bounds the addresses an UnknownEndpointError suggests.
const maxSuggestions = 3

// ResolveEndpoint finds what name means in network n: an IP address, in the
// subnet of the plan that holds it (one endpoint per such subnet: VPCs may
// overlap), or the address of a workload, one endpoint per subnet it is in
// that has a CIDR of family f (either family when f is 0: IPv4 first). A
// resource address without an instance key names every instance of the
// resource.
func ResolveEndpoint(n *plan.Network, name string, f plan.Family) ([]TraceEndpoint, error) {
	if a, err := netip.ParseAddr(name); err == nil {
		a = a.Unmap()
		var out []TraceEndpoint
		for _, s := range subnetsHolding(n, a) {
			out = append(out, TraceEndpoint{Name: name, Addr: a, Subnet: s})
		}
		if len(out) == 0 {
			out = append(out, TraceEndpoint{Name: name, Addr: a})
		}
		return out, nil
	}
	var workloads []*plan.Workload
	for _, w := range n.Workloads {
		if w != nil && names(name, w.Address) {
			workloads = append(workloads, w)
		}
	}
	if len(workloads) == 0 {
		if why, ok := unplaced(n, name); ok {
			// In the plan, but not in a subnet the network holds: saying
			// it does not exist would send the user looking for a typo.
			return nil, fmt.Errorf("%s is in the plan but cannot be traced: it %s", name, why)
		}
		return nil, &UnknownEndpointError{Name: name, Suggestions: nearest(n, name)}
	}
	var out []TraceEndpoint
	for _, w := range workloads {
		for _, s := range w.Subnets {
			p := s.Prefix(cmp.Or(f, plan.IPv4))
			if f == 0 && !p.IsValid() {
				p = s.Prefix(plan.IPv6)
			}
			if !p.IsValid() {
				continue
			}
			out = append(out, TraceEndpoint{Name: name, Addr: standIn(p), Assumed: true, Subnet: s, Workload: w})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s is in no subnet of the plan with an %s CIDR", name, cmp.Or(f, plan.IPv4))
	}
	return out, nil
}

// subnetsHolding are the most specific subnets that hold a, one per VPC.
func subnetsHolding(n *plan.Network, a netip.Addr) []*plan.Subnet {
	best := map[*plan.VPC]*plan.Subnet{}
	var order []*plan.VPC
	for _, s := range n.Subnets {
		p := s.Prefix(familyOfAddr(a))
		if s == nil || !p.IsValid() || !p.Contains(a) {
			continue
		}
		old, ok := best[s.VPC]
		if !ok {
			order = append(order, s.VPC)
		}
		if !ok || p.Bits() > old.Prefix(familyOfAddr(a)).Bits() {
			best[s.VPC] = s
		}
	}
	out := make([]*plan.Subnet, len(order))
	for i, v := range order {
		out[i] = best[v]
	}
	return out
}

// nearest are the workload addresses closest to name by edit distance,
// among those close enough to be a typo or a partial address.
func nearest(n *plan.Network, name string) []plan.Address {
	type scored struct {
		addr plan.Address
		d    int
	}
	var all []scored
	for _, w := range n.Workloads {
		if w == nil {
			continue
		}
		a := string(w.Address)
		d := levenshtein.Distance(name, a, nil)
		contained := strings.Contains(a, name)
		if contained {
			d = min(d, len(a)-len(name))
		}
		if contained || d <= max(3, len(name)/3) {
			all = append(all, scored{w.Address, d})
		}
	}
	slices.SortFunc(all, func(a, b scored) int {
		return cmp.Or(cmp.Compare(a.d, b.d), strings.Compare(string(a.addr), string(b.addr)))
	})
	var out []plan.Address
	for _, s := range all {
		if len(out) == maxSuggestions {
			break
		}
		if !slices.Contains(out, s.addr) {
			out = append(out, s.addr)
		}
	}
	return out
}

// TraceAsk is what `returnpath trace` asks, with endpoints by name.
type TraceAsk struct {
	From, To   string
	Protocol   plan.Protocol
	Port       uint16
	ICMP       plan.ICMPMatch
	ClientPort uint16
}

// TraceNames resolves the endpoints of ask in network n and traces the
// flow between every pair of their places: a workload in several subnets
// is traced from (or to) each. When both ends have places in a common
// VPC, only pairs within one VPC are traced.
func TraceNames(n *plan.Network, ask TraceAsk, cfg Config) ([]*Trace, error) {
	fam := plan.Family(0)
	for _, name := range []string{ask.From, ask.To} {
		if a, err := netip.ParseAddr(name); err == nil {
			g := familyOfAddr(a.Unmap())
			if fam != 0 && g != fam {
				return nil, fmt.Errorf("--from %s and --to %s are of different address families", ask.From, ask.To)
			}
			fam = g
		}
	}
	if ask.Protocol == plan.ProtocolICMPv6 {
		if fam == plan.IPv4 {
			return nil, fmt.Errorf("icmpv6 between IPv4 addresses")
		}
		fam = plan.IPv6
	}
	from, err := ResolveEndpoint(n, ask.From, fam)
	if err != nil {
		return nil, err
	}
	if fam == 0 {
		fam = familyOfAddr(from[0].Addr)
	}
	to, err := ResolveEndpoint(n, ask.To, fam)
	if err != nil {
		return nil, err
	}
	if fam == plan.IPv6 && ask.Protocol == plan.ProtocolICMP {
		return nil, fmt.Errorf("icmp between IPv6 addresses: use icmpv6")
	}
	type pair struct{ from, to TraceEndpoint }
	var pairs, sameVPC []pair
	for _, f := range from {
		for _, t := range to {
			if familyOfAddr(f.Addr) != familyOfAddr(t.Addr) {
				continue
			}
			p := pair{f, t}
			pairs = append(pairs, p)
			if f.Subnet != nil && t.Subnet != nil && f.Subnet.VPC == t.Subnet.VPC {
				sameVPC = append(sameVPC, p)
			}
		}
	}
	if len(sameVPC) > 0 {
		pairs = sameVPC
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%s and %s have no addresses of one family", ask.From, ask.To)
	}
	if pairs[0].from.Subnet == nil && pairs[0].to.Subnet == nil {
		return nil, fmt.Errorf("neither %s nor %s is in a subnet of the plan: no hop of the plan is on the way", ask.From, ask.To)
	}
	out := make([]*Trace, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, TraceFlow(n, TraceQuery{From: p.from, To: p.to, Protocol: ask.Protocol, Port: ask.Port, ICMP: ask.ICMP, ClientPort: ask.ClientPort}, cfg))
	}
	return out, nil
}
