package checks

import (
	"github.com/returnpath-dev/returnpath/plan"
)

// RP002: an egress intent whose replies the NACL's ingress rules drop, the
// mirror of RP001 (see intent_replies.go).

var outboundReplies = Check{
	ID:       "RP002",
	Severity: Error,
	Title:    "outbound traffic is allowed but its replies are dropped by the NACL's ingress rules",
	Doc: "Network ACLs are stateless: the answer to a request the subnet sends enters through " +
		"the NACL's ingress rules, addressed to the local client's ephemeral port. An egress " +
		"allow rule for a TCP or UDP service needs an ingress allow rule from the same peers on " +
		"the local ephemeral range (1024-65535 unless the subnet's hosts are known). Add an " +
		"ingress allow rule for that range, numbered below any deny that would shadow it.",
	Explain: explainRP002,
	run:     func(p *pass) { checkReplies(p, plan.Egress) },
}

const explainRP002 = `Why: network ACLs are stateless (see returnpath explain RP001). The reply to
a connection that the subnet opens comes back through the NACL's ingress
rules, from the peer's service port to the local client's ephemeral port:

` + ephemeralTable + `

When the plan places only instances, ECS tasks, databases or cache
clusters in the subnet, its clients are Linux or Windows hosts and replies
must reach 32768-65535 (client_ranges.default in .returnpath.hcl); otherwise
1024-65535 (client_ranges.internet). A gap that reaches 32768-65535 breaks
Linux and Windows hosts: an error. A gap only inside 1024-32767 is a
warning, or an error when the subnet holds a NAT gateway, load balancer or
Lambda function, which open connections from all of 1024-65535.

A private subnet behind a NAT gateway needs this too: the NAT gateway
changes the source address on the way out, but the private subnet's NACL
still sees the internet address as the reply's source.

Example: instances may call HTTPS APIs, and ingress has no rule for the
answers.

  resource "aws_network_acl_rule" "private_https_out" {
    network_acl_id = aws_network_acl.private.id
    rule_number    = 100
    egress         = true
    protocol       = "tcp"
    rule_action    = "allow"
    cidr_block     = "0.0.0.0/0"
    from_port      = 443
    to_port        = 443
  }

Fix: allow the replies in, numbered below any ingress deny that would match
them first.

  resource "aws_network_acl_rule" "private_ingress_ephemeral" {
    network_acl_id = aws_network_acl.private.id
    rule_number    = 100
    egress         = false
    protocol       = "tcp"
    rule_action    = "allow"
    cidr_block     = "0.0.0.0/0"
    from_port      = 1024
    to_port        = 65535
  }
`
