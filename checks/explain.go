package checks

// The long forms that `returnpath explain RPxxx` prints (Check.Explain).

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

const explainRP006 = `Why: the AWS provider manages a NACL's rules either inline (ingress and
egress blocks of aws_network_acl) or as aws_network_acl_rule resources, not
both. The NACL resource treats its inline blocks as the complete list: each
apply removes the standalone rules, and the next apply of those rules adds
them back. The plan never settles, and between two applies traffic is
dropped.

Two rules with one rule number in one direction cannot both exist: the
apply fails with NetworkAclEntryAlreadyExists and only the first is in
force. A rule you wrote is missing, and a return path that looks complete
in the configuration is not.

Example: inline rules, plus a standalone rule for the same NACL.

  resource "aws_network_acl" "public" {
    vpc_id = aws_vpc.main.id
    ingress { rule_no = 100 ... }
  }
  resource "aws_network_acl_rule" "extra" {
    network_acl_id = aws_network_acl.public.id
    rule_number    = 200
    ...
  }

Fix: move the standalone rule into an inline block of the NACL (or every
inline block into aws_network_acl_rule resources), and give each rule of a
direction its own number.
`

const explainRP008 = `Why: returnpath evaluates the NACLs as the plan says they will be. Some
values are unknown until apply (ids of resources created by the plan); they
are linked through the references in the plan's configuration:
aws_network_acl.x.id, [count.index] and [each.key] pairing, module inputs
and outputs. A rule or association whose NACL or subnet comes from a data
source, a local value or an id that is not in the plan cannot be linked.
Its effect is left out of every other check, so a broken return path may
go unreported, or a working one be reported.

Example: the NACL id comes from a local value, which the plan JSON does not
record.

  locals { acl_id = aws_network_acl.public.id }
  resource "aws_network_acl_rule" "ssh_in" {
    network_acl_id = local.acl_id
    ...
  }

Fix: reference the resource directly (network_acl_id =
aws_network_acl.public.id). When the rule belongs to a NACL that another
configuration manages, ignore the finding with a reason:

  ignore {
    rule     = "RP008"
    resource = "aws_network_acl_rule.ssh_in"
    reason   = "the shared NACL is managed by the network team's stack"
  }
`

const explainRP009 = `Why: an ignore with an expiry date is a promise to look again. An ignore
block of .returnpath.hcl, or a returnpath:ignore comment above a resource
block, holds through its expires date (UTC) and lapses the day after. From
then on it silences nothing: the findings it covered are reported again with
their own severity, and this warning names the ignore, even when no finding
matches it any more, until the ignore is removed or renewed.

Example:

  ignore {
    rule     = "RP001"
    resource = "module.legacy.aws_network_acl.this[*]"
    reason   = "legacy VPC, replaced in Q3"
    expires  = "2027-03-31"
  }

  # returnpath:ignore RP001 expires=2027-03-31 legacy VPC, replaced in Q3

Fix: when the findings are fixed, remove the ignore. When the exception
still stands, set a later date and say why in the reason. To stop these
warnings altogether (not recommended), write rule "RP009" { enabled = false }.
`

const explainRP003 = `Why: a security group is stateful, a network ACL is not. When a group
allows a service (ingress 5432 from the app subnets, egress 443 to the
internet), its members' traffic still crosses the NACL of their subnet
twice: the requests one way, the replies the other, on the client's
ephemeral port. The group letting the traffic through says nothing about
the NACL: "the security group allows it, the NACL silently drops it" is
the most common breakage, and neither side's checks see it alone.

returnpath places the group's members in subnets (instances, network
interfaces, load balancers, Lambda vpc_config, ECS services, RDS and
ElastiCache through their subnet groups, autoscaling groups with their
launch templates) and evaluates the NACL of each such subnet for the
allowed requests and for their replies. A request leg the NACL drops is
reported when the NACL drops all of it; a dropped reply always is.

Example: the db group allows 5432 from the VPC, the db subnet's NACL lets
5432 in but sends no replies back to the app subnets.

  resource "aws_security_group_rule" "db_from_app" {
    type              = "ingress"
    security_group_id = aws_security_group.db.id
    protocol          = "tcp"
    from_port         = 5432
    to_port           = 5432
    cidr_blocks       = ["10.0.0.0/16"]
  }

Fix: allow what the message says is missing on the NACL it names: the
service port for a request leg, the clients' ephemeral range (32768-65535
for hosts, 1024-65535 for load balancers, NAT gateways and Lambda) for a
reply leg, numbered below any deny that matches first.

  resource "aws_network_acl_rule" "db_egress_ephemeral" {
    network_acl_id = aws_network_acl.db.id
    rule_number    = 110
    egress         = true
    protocol       = "tcp"
    rule_action    = "allow"
    cidr_block     = "10.0.0.0/16"
    from_port      = 32768
    to_port        = 65535
  }
`

const explainRP004 = `Why: traffic between two subnets with different NACLs crosses four rule
lists: the source NACL's egress (request), the destination NACL's ingress
(request), the destination NACL's egress (reply) and the source NACL's
ingress (reply). Writing the rules of one side is not enough: when one NACL
allows a flow to or from another subnet of the plan, the other subnet's
NACL must allow it too, in both directions.

returnpath follows a NACL rule whose peer lies within the subnets of one
other NACL, and the paths of private subnets that route 0.0.0.0/0 to a NAT
gateway: their internet traffic crosses the NAT gateway subnet's NACL
twice, and its replies come back to the NAT gateway on 1024-65535.

Example: the app NACL sends 8080 to the service subnet, whose NACL lets the
requests in but has no egress back to the app subnet.

  resource "aws_network_acl_rule" "app_to_svc" {
    network_acl_id = aws_network_acl.app.id
    rule_number    = 100
    egress         = true
    protocol       = "tcp"
    rule_action    = "allow"
    cidr_block     = "10.0.2.0/24"
    from_port      = 8080
    to_port        = 8080
  }

Fix: the finding names the NACL to change and the leg: add the request
port on a request leg, the client's ephemeral range on a reply leg.

  resource "aws_network_acl_rule" "svc_egress_ephemeral" {
    network_acl_id = aws_network_acl.svc.id
    rule_number    = 110
    egress         = true
    protocol       = "tcp"
    rule_action    = "allow"
    cidr_block     = "10.0.1.0/24"
    from_port      = 1024
    to_port        = 65535
  }
`

const explainRP005 = `Why: security groups are stateful. Once a group allows a connection,
its replies pass whatever the rules say: a group never needs to open the
ephemeral ports for return traffic. An ingress rule that opens most of
32768-60999 (Linux) or 49152-65535 (Windows) to 0.0.0.0/0 or ::/0 is
usually a NACL habit copied into a security group, and it lets anyone on
the internet reach every service its members listen on in that range.

Example: a "return traffic" rule written as if the group were a NACL.

  resource "aws_security_group_rule" "web_ephemeral" {
    type              = "ingress"
    security_group_id = aws_security_group.web.id
    protocol          = "tcp"
    from_port         = 1024
    to_port           = 65535
    cidr_blocks       = ["0.0.0.0/0"]
  }

Fix: remove the rule. Keep the ephemeral-range rules on the NACLs, where
stateless filtering needs them; open only service ports in groups.
`

const explainRP007 = `Why: TCP learns the largest packet a path carries (path-MTU discovery)
from ICMP messages: "fragmentation needed" (IPv4 type 3 code 4) and "packet
too big" (ICMPv6 type 2). A NACL that drops them inbound leaves the
connection sending packets no router on the path forwards: the handshake
and small requests work, large responses hang. This bites across VPN,
Direct Connect and internet paths whose MTU is below the 9001 or 1500
bytes the instances assume.

returnpath reports a NACL that allows TCP with internet peers but lets no
such ICMP message in from any of them. It is a notice: a path whose MTU is
never below the instances' own needs no such message.

Example: a public subnet's NACL with HTTPS rules and nothing for ICMP.

Fix: allow the ICMP message in (and ICMPv6 type 2 when the NACL has IPv6
rules).

  resource "aws_network_acl_rule" "public_icmp_frag_needed" {
    network_acl_id = aws_network_acl.public.id
    rule_number    = 150
    egress         = false
    protocol       = "icmp"
    rule_action    = "allow"
    cidr_block     = "0.0.0.0/0"
    icmp_type      = 3
    icmp_code      = 4
  }
`
