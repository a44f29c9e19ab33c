package checks

import "github.com/returnpath-dev/returnpath/plan"

// fixedPortService is a service whose two ends send from and to the same
// well-known port: its replies go back to the service port, not to an
// ephemeral one.
type fixedPortService struct {
	proto plan.Protocol
	port  uint16
	name  string
}

// fixedPortServices are the services whose replies are modelled on the
// service port itself. Decided on the protocols' specifications:
//   - IKE, udp/500, and IPsec NAT traversal, udp/4500: an IKE endpoint sends
//     from and to 500, and from and to 4500 once NAT traversal starts, and
//     answers the port the request came from (RFC 7296 2.11 and 2.23,
//     RFC 3948).
//
// Not in the list: NTP (udp/123) clients send from a random port (RFC 9109
// requires it of client mode), so replies go to ephemeral ports; BGP
// (tcp/179) is TCP, whose connecting side uses an ephemeral port (RFC 4271);
// DHCP, RIP and other broadcast or multicast protocols do not cross a VPC's
// NACLs.
var fixedPortServices = []fixedPortService{
	{plan.ProtocolUDP, 500, "IKE"},
	{plan.ProtocolUDP, 4500, "IPsec NAT traversal"},
}

// fixedReplyPorts is the port the replies of a service go to when it is a
// fixed-port service (its rule names exactly that port).
func fixedReplyPorts(proto plan.Protocol, service plan.PortRange) (plan.PortRange, bool) {
	if service.Lo != service.Hi {
		return plan.PortRange{}, false
	}
	for _, s := range fixedPortServices {
		if s.proto == proto && s.port == service.Lo {
			return service, true
		}
	}
	return plan.PortRange{}, false
}
