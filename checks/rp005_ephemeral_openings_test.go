package checks

import (
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

func TestEphemeralOpenings(t *testing.T) {
	tests := []struct {
		proto   plan.Protocol
		lo, hi  uint16
		peer    string
		dir     plan.Direction
		finding bool
	}{
		{tcp, 1024, 65535, "0.0.0.0/0", plan.Ingress, true},
		{plan.ProtocolUDP, 32768, 60999, "::/0", plan.Ingress, true},
		{tcp, 32768, 65535, "0.0.0.0/0", plan.Ingress, true},
		{tcp, 49152, 65535, "0.0.0.0/0", plan.Ingress, false}, // less than half of 32768-60999
		{tcp, 0, 65535, "0.0.0.0/0", plan.Ingress, false},     // everything, not the return mistake
		{tcp, 8000, 8100, "0.0.0.0/0", plan.Ingress, false},
		{tcp, 1024, 65535, "10.0.0.0/8", plan.Ingress, false},
		{tcp, 1024, 65535, "0.0.0.0/0", plan.Egress, false},
		{plan.ProtocolAll, 0, 65535, "0.0.0.0/0", plan.Ingress, false},
	}
	for _, tt := range tests {
		tp := newTopo()
		g := tp.Group("web")
		allow(g, tt.dir, tt.proto, tt.lo, tt.hi, tt.peer)
		got := findingsOf(tp, "RP005")
		if (len(got) == 1) != tt.finding || len(got) > 1 {
			t.Errorf("%s %s %d-%d %s: %v", tt.dir, tt.proto, tt.lo, tt.hi, tt.peer, summaries(got))
			continue
		}
		if tt.finding && (got[0].Severity != Warning || got[0].Resource != "aws_security_group.web" || !strings.HasSuffix(got[0].Message, "remove it")) {
			t.Errorf("finding %+v", got[0])
		}
	}
}
