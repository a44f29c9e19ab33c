package checks

import (
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

func TestPathMTU(t *testing.T) {
	https := rule(100, true, tcp, "0.0.0.0/0", 443, 443)
	ret := rule(100, true, tcp, "0.0.0.0/0", 1024, 65535)
	tests := []struct {
		name            string
		ingress, egress []plan.Entry
		want            []string
	}{
		{"no ICMP", []plan.Entry{https}, []plan.Entry{ret}, []string{"RP007 notice aws_network_acl.web"}},
		{"type 3 code 4 allowed", []plan.Entry{https, icmpRule(110, true, "0.0.0.0/0", 3, 4)}, []plan.Entry{ret}, nil},
		{"all of type 3 allowed", []plan.Entry{https, icmpRule(110, true, "0.0.0.0/0", 3, -1)}, []plan.Entry{ret}, nil},
		{"another ICMP type only", []plan.Entry{https, icmpRule(110, true, "0.0.0.0/0", 8, -1)}, []plan.Entry{ret},
			[]string{"RP007 notice aws_network_acl.web"}},
		{"all traffic in", []plan.Entry{allFrom(100, "0.0.0.0/0")}, []plan.Entry{ret}, nil},
		{"allowed from part of the peers: deliberate", []plan.Entry{https, icmpRule(110, true, "203.0.113.0/24", 3, 4)}, []plan.Entry{ret}, nil},
		{"TCP within private ranges only", []plan.Entry{rule(100, true, tcp, "10.0.0.0/8", 443, 443)},
			[]plan.Entry{rule(100, true, tcp, "10.0.0.0/8", 1024, 65535)}, nil},
		{"outbound to the internet", []plan.Entry{rule(100, true, tcp, "10.0.0.0/8", 1024, 65535)}, []plan.Entry{https},
			[]string{"RP007 notice aws_network_acl.web"}},
		{"IPv6 without packet-too-big", []plan.Entry{rule(100, true, tcp, "::/0", 443, 443)}, nil,
			[]string{"RP007 notice aws_network_acl.web"}},
		{"IPv6 with packet-too-big", []plan.Entry{rule(100, true, tcp, "::/0", 443, 443), icmp6Rule(110, "::/0", 2, -1)}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := newTopo()
			tp.Subnet("web", "10.0.1.0/24", tt.ingress, tt.egress)
			wantLines(t, run(tp, "RP007"), tt.want...)
		})
	}
}
