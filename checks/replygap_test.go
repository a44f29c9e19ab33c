package checks

import (
	"net/netip"
	"testing"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// The client range of a peer follows what the plan places there: hosts
// 32768-65535, NAT/LB/Lambda 1024-65535, anything else (or nothing)
// 1024-65535.
func TestRemoteClientRanges(t *testing.T) {
	tp := newTopo()
	hosts := tp.Subnet("hosts", "10.0.1.0/24", nil, nil)
	lb := tp.Subnet("lb", "10.0.2.0/24", nil, nil)
	tp.Subnet("empty", "10.0.3.0/24", nil, nil)
	tp.Place("aws_instance.a", plan.Instance, []*plan.Subnet{hosts})
	tp.Place("aws_lb.b", plan.LoadBalancer, []*plan.Subnet{lb})
	f := newFacts(tp.Net, DefaultConfig())
	peer, _ := nacleval.PrefixRange(netip.MustParsePrefix("10.0.0.0/22"))
	// No rule: every reply needed is dropped, so the dropped parts are the
	// narrowed need.
	gap := f.replies().remoteReplyGap(tp.VPC, plan.IPv4, tcp, []nacleval.AddrRange{peer}, subnetWorkloads, nil, nacleval.Rules{})
	var need nacleval.Space
	for _, part := range gap.parts {
		need = append(need, part.Space...)
	}
	who := gap.who
	at := func(addr string, port uint16) bool {
		return need.Contains(nacleval.Point{Proto: 6, Addr: netip.MustParseAddr(addr), Port: port})
	}
	checks := []struct {
		addr string
		port uint16
		want bool
	}{
		{"10.0.1.9", 40000, true}, {"10.0.1.9", 2000, false}, // hosts
		{"10.0.2.9", 2000, true}, // load balancer
		{"10.0.3.9", 2000, true}, // no workload: unknown clients
		{"10.0.0.9", 2000, true}, // no subnet of the plan
	}
	for _, c := range checks {
		if got := at(c.addr, c.port); got != c.want {
			t.Errorf("reply to %s:%d needed = %v, want %v", c.addr, c.port, got, c.want)
		}
	}
	if who.broad == nil || who.broad.Address != "aws_lb.b" || who.ports != plan.BroadEphemeral {
		t.Errorf("clients = %+v", who)
	}
}
