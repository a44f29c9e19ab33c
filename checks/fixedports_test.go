package checks

import (
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

// IKE and NAT-T run between the same ports on both sides: a NACL that
// allows udp 500/4500 both ways to the peer is right, one whose return
// rule covers only the ephemeral ports drops every reply (an error, though
// the missing port is below 32768), and NTP, whose clients use random
// ports (RFC 9109), is not such a service.
func TestFixedPortServices(t *testing.T) {
	const peer = "198.51.100.10/32"
	for _, c := range []struct {
		name            string
		ingress, egress []plan.Entry
		want            []string
	}{
		{name: "IKE and NAT-T both ways",
			ingress: []plan.Entry{rule(100, true, plan.ProtocolUDP, peer, 500, 500), rule(110, true, plan.ProtocolUDP, peer, 4500, 4500)},
			egress:  []plan.Entry{rule(100, true, plan.ProtocolUDP, peer, 500, 500), rule(110, true, plan.ProtocolUDP, peer, 4500, 4500)}},
		{name: "ephemeral return only",
			ingress: []plan.Entry{rule(100, true, plan.ProtocolUDP, peer, 500, 500)},
			egress:  []plan.Entry{rule(100, true, plan.ProtocolUDP, peer, 1024, 65535)},
			want:    []string{"RP001 error ingress ipv4 udp/500 from 198.51.100.10/32 missing 500"}},
		{name: "NTP is not fixed-port",
			ingress: []plan.Entry{rule(100, true, plan.ProtocolUDP, peer, 123, 123)},
			egress:  []plan.Entry{rule(100, true, plan.ProtocolUDP, peer, 123, 123)},
			want: []string{"RP001 error ingress ipv4 udp/123 from 198.51.100.10/32 missing 1024-65535",
				"RP002 error egress ipv4 udp/123 to 198.51.100.10/32 missing 1024-65535"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := summaries(runPlanned(network([]string{"10.0.1.0/24"}, c.ingress, c.egress)))
			if len(got) != len(c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("got %q, want %q", got[i], c.want[i])
				}
			}
		})
	}
}
