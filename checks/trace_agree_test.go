package checks_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// TestTraceAgreesWithFindings traces the witness packet of every RP001-RP004
// finding on every fixture, and wants it dropped at the hop the finding
// names: the finding's NACL, in the direction the dropped packet crosses
// it, by the finding's blocking rule (or the implicit deny), and by no
// earlier hop of that leg.
func TestTraceAgreesWithFindings(t *testing.T) {
	plans, err := filepath.Glob("../fixtures/*/plan.json")
	if err != nil || len(plans) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	traced := 0
	for _, file := range plans {
		m, err := plan.Load(file, nil)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, f := range checks.Run(m, checks.DefaultConfig()) {
			switch f.Rule {
			case "RP001", "RP002", "RP003", "RP004":
			default:
				continue
			}
			name := fmt.Sprintf("%s %s %s %s", filepath.Base(filepath.Dir(file)), f.Rule, f.Resource, witnessText(f.Flow.Witness))
			q, ok := checks.WitnessQuery(m.Planned, f)
			if !ok {
				t.Logf("%s: no complete witness (a NACL without a subnet of the family)", name)
				continue
			}
			traced++
			tr := checks.TraceFlow(m.Planned, q, checks.DefaultConfig())
			leg, dir := &tr.Request, f.Flow.Direction
			if f.Flow.Leg == checks.ReplyLeg {
				leg, dir = &tr.Reply, dir.Opposite()
			}
			at := -1
			for i, h := range leg.Hops {
				if h.Kind == checks.NACLHop && h.Resource == f.Resource && h.Direction == dir {
					at = i
					break
				}
			}
			if at < 0 {
				t.Errorf("%s: the %s leg does not cross %s %s:\n%s", name, leg.Leg, f.Resource, dir, hopsText(leg))
				continue
			}
			h := leg.Hops[at]
			want := "implicit deny"
			if f.Flow.BlockingRule != nil {
				want = f.Flow.BlockingRule.String()
			}
			got := "implicit deny"
			if h.Rule != nil {
				got = h.Rule.String()
			}
			if h.Allowed || got != want {
				t.Errorf("%s: at %s %s the trace says allowed=%v by %s, the finding says dropped by %s:\n%s", name, f.Resource, dir, h.Allowed, got, want, hopsText(leg))
				continue
			}
			if leg.DroppedAt != at {
				t.Errorf("%s: an earlier hop drops the packet first:\n%s", name, hopsText(leg))
			}
		}
	}
	if traced == 0 {
		t.Fatal("no finding traced")
	}
	t.Logf("%d findings traced", traced)
}

func witnessText(p checks.Packet) string { return p.Src.String() + "→" + p.Dst.String() }

func hopsText(l *checks.TraceLeg) string {
	var b strings.Builder
	for _, h := range l.Hops {
		rule := "implicit"
		if h.Rule != nil {
			rule = h.Rule.String()
		}
		fmt.Fprintf(&b, "  %s %s %s allowed=%v %s %s\n", h.Kind, h.Resource, h.Direction, h.Allowed, rule, witnessText(h.Packet))
	}
	return b.String()
}

// TestWitnessThroughNATGateway: a finding on a NAT gateway subnet's NACL
// about another subnet's intent is traced from that subnet, through the
// gateway, with the witness's port as the gateway's.
func TestWitnessThroughNATGateway(t *testing.T) {
	m, err := plan.Load("../fixtures/nat-gateway-return/plan.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, f := range checks.Run(m, checks.DefaultConfig()) {
		if f.Rule != "RP004" {
			continue
		}
		found = true
		q, ok := checks.WitnessQuery(m.Planned, f)
		if !ok || q.From.Subnet == nil || q.From.Subnet.Address != "aws_subnet.private" || q.NATPort != f.Flow.Witness.Dst.Port() {
			t.Fatalf("query %+v", q)
		}
		tr := checks.TraceFlow(m.Planned, q, checks.DefaultConfig())
		var kinds []string
		for _, h := range tr.Request.Hops {
			kinds = append(kinds, h.Kind.String())
		}
		if strings.Join(kinds, " ") != "nacl route nacl nat_gateway nacl" {
			t.Errorf("request hops %v", kinds)
		}
		if h := tr.Reply.Hops[tr.Reply.DroppedAt]; h.Resource != f.Resource || h.Packet.Dst != f.Flow.Witness.Dst {
			t.Errorf("dropped at %s with %v, the witness is %v", h.Resource, h.Packet, f.Flow.Witness)
		}
	}
	if !found {
		t.Fatal("no RP004 finding")
	}
}
