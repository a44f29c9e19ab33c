package checks

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

func TestOutboundWitnessEntersTheSubnet(t *testing.T) {
	n := network([]string{"10.0.1.0/24"}, nil, []plan.Entry{rule(100, true, plan.ProtocolUDP, "8.8.8.8/32", 53, 53)})
	findings := runPlanned(n)
	if len(findings) != 1 {
		t.Fatalf("got %v, want one RP002", summaries(findings))
	}
	w := findings[0].Flow.Witness
	want := Packet{
		Protocol: plan.ProtocolUDP,
		Src:      netip.MustParseAddrPort("8.8.8.8:53"),
		Dst:      netip.MustParseAddrPort("10.0.1.10:49152"),
	}
	if w != want {
		t.Errorf("witness = %+v, want %+v (the reply from the resolver to the local client)", w, want)
	}
	// The NACL has inline egress but no ingress rules: a standalone fix.
	if !strings.Contains(findings[0].Flow.Suggestion, `resource "aws_network_acl_rule" "public_ingress_ephemeral"`) ||
		!strings.Contains(findings[0].Flow.Suggestion, "egress         = false") {
		t.Errorf("suggestion is not a standalone ingress rule:\n%s", findings[0].Flow.Suggestion)
	}
}
