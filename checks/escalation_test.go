package checks

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

// A gap only inside 1024-32767 is a warning, unless a client that uses
// those ports is on the path. Clients the plan places that are only
// Linux/Windows hosts (instances) use 32768-65535, so the gap does not
// concern them (severity 0: no finding).
func TestBroadClientsEscalateLowPortGaps(t *testing.T) {
	tcp := plan.ProtocolTCP
	highReturn := plan.PortRange{Lo: 32768, Hi: 65535}

	outbound := func() *plan.Network {
		return network([]string{"10.0.1.0/24"}, []plan.Entry{rule(100, true, tcp, "0.0.0.0/0", highReturn.Lo, highReturn.Hi)},
			[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 443, 443)})
	}
	inbound := func() *plan.Network {
		return network([]string{"10.0.1.0/24"}, []plan.Entry{rule(100, true, tcp, "10.0.2.0/24", 8080, 8080)},
			[]plan.Entry{rule(100, true, tcp, "10.0.2.0/24", highReturn.Lo, highReturn.Hi)})
	}
	// place puts a workload in a subnet of the network, adding the subnet
	// when the network lacks it.
	place := func(n *plan.Network, cidr string, kind plan.WorkloadKind) *plan.Network {
		pfx := netip.MustParsePrefix(cidr)
		var subnet *plan.Subnet
		for _, s := range n.Subnets {
			if s.IPv4 == pfx {
				subnet = s
			}
		}
		if subnet == nil {
			subnet = &plan.Subnet{Address: "aws_subnet.peer", IPv4: pfx}
			n.Subnets = append(n.Subnets, subnet)
		}
		w := &plan.Workload{Address: "aws_thing.w", Kind: kind, Subnets: []*plan.Subnet{subnet}}
		subnet.Workloads = append(subnet.Workloads, w)
		n.Workloads = append(n.Workloads, w)
		return n
	}
	tests := []struct {
		name     string
		network  *plan.Network
		severity Severity
	}{
		{"outbound, no workload", outbound(), Warning},
		{"outbound from a NAT gateway subnet", place(outbound(), "10.0.1.0/24", plan.NATGateway), Error},
		{"outbound from a Lambda subnet", place(outbound(), "10.0.1.0/24", plan.LambdaFunction), Error},
		{"outbound from an instance subnet", place(outbound(), "10.0.1.0/24", plan.Instance), 0},
		{"outbound from a network interface subnet", place(outbound(), "10.0.1.0/24", plan.NetworkInterface), Warning},
		{"inbound, no workload", inbound(), Warning},
		{"inbound from a load balancer subnet", place(inbound(), "10.0.2.0/24", plan.LoadBalancer), Error},
		{"inbound from an instance subnet", place(inbound(), "10.0.2.0/24", plan.Instance), 0},
		{"inbound from an ECS task subnet", place(inbound(), "10.0.2.0/24", plan.ECSTask), 0},
		{"inbound, NAT gateway outside the peer", place(inbound(), "10.0.3.0/24", plan.NATGateway), Warning},
		// The local subnet's own workloads are servers for inbound intents.
		{"inbound to a NAT gateway subnet", place(inbound(), "10.0.1.0/24", plan.NATGateway), Warning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings := runPlanned(tt.network)
			if tt.severity == 0 {
				if len(findings) != 0 {
					t.Errorf("findings %q, want none: host clients use 32768-65535", summaries(findings))
				}
				return
			}
			if len(findings) != 1 {
				t.Fatalf("findings %q, want one", summaries(findings))
			}
			f := findings[0]
			if f.Severity != tt.severity {
				t.Errorf("severity %s, want %s: %s", f.Severity, tt.severity, f.Message)
			}
			if got := portsText(f.Flow.MissingPorts); got != "1024-32767" {
				t.Errorf("missing %s, want 1024-32767", got)
			}
			mentions := strings.Contains(f.Message, "aws_thing.w") && strings.Contains(f.Message, "1024-65535")
			if mentions != (tt.severity == Error) {
				t.Errorf("message names the workload: %v, want %v: %s", mentions, tt.severity == Error, f.Message)
			}
		})
	}
}
