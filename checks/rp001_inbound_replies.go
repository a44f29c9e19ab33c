package checks

import (
	"github.com/returnpath-dev/returnpath/plan"
)

// RP001: an ingress intent (an allow rule for a TCP or UDP service) whose
// replies the NACL's egress rules drop. The evaluation it shares with RP002
// is in intent_replies.go.

var inboundReplies = Check{
	ID:       "RP001",
	Severity: Error,
	Title:    "inbound traffic is allowed but its replies are dropped by the NACL's egress rules",
	Doc: "Network ACLs are stateless: a reply leaves the subnet through the NACL's egress " +
		"rules like any other packet. An ingress allow rule for a TCP or UDP service needs an " +
		"egress allow rule towards the same peers on the clients' ephemeral ports (1024-65535 " +
		"for internet clients, NAT gateways and load balancers). Without it, connections open " +
		"and then hang. Add an egress allow rule for the ephemeral range, numbered below any " +
		"deny that would shadow it.",
	Explain: explainRP001,
	run:     func(p *pass) { checkReplies(p, plan.Ingress) },
}

// ephemeralTable is the clients' ranges, shown by RP001 and RP002.
const ephemeralTable = `  Linux (net.ipv4.ip_local_port_range)    32768-60999
  Windows Server 2008+, IANA (RFC 6335)   49152-65535
  NAT gateway, ELB/ALB/NLB, Lambda        1024-65535`

const explainRP001 = `Why: security groups are stateful, so allowing a request there also allows
its reply. Network ACLs are stateless. AWS matches every packet that crosses
a subnet's boundary against the NACL's rules for that direction, in
rule-number order; the first rule that matches decides, and a packet no rule
matches hits the implicit deny at the end. A reply is just another packet.

The reply to an inbound connection leaves the subnet from the service port
to the client's source port, which the client picked from its ephemeral
range:

` + ephemeralTable + `

So an ingress allow rule for a TCP or UDP service needs an egress allow rule
towards the same peers on the range the clients may use: 1024-65535 for
internet or unknown clients (client_ranges.internet in .returnpath.hcl).
A gap that reaches 32768-65535 (client_ranges.default) breaks Linux and
Windows clients: an error. A gap only inside 1024-32767 breaks NAT gateways,
load balancers and Lambda: a warning, or an error when the plan places one
of them in a subnet inside the peer CIDR. Terraform applies such a NACL
without complaint; the request arrives, the answer is dropped, and the
client sees a hang rather than a refusal.

Example: HTTPS is allowed in, and egress only mirrors port 443.

  resource "aws_network_acl" "public" {
    vpc_id     = aws_vpc.main.id
    subnet_ids = [aws_subnet.public.id]

    ingress {
      rule_no    = 100
      action     = "allow"
      protocol   = "tcp"
      cidr_block = "0.0.0.0/0"
      from_port  = 443
      to_port    = 443
    }
  }

Fix: allow the replies, numbered below any egress deny that would match
them first.

    egress {
      rule_no    = 110
      action     = "allow"
      protocol   = "tcp"
      cidr_block = "0.0.0.0/0"
      from_port  = 1024
      to_port    = 65535
    }

Each finding's "fix" is written for its NACL: an inline block when the NACL
has inline rules, else an aws_network_acl_rule resource.
`
