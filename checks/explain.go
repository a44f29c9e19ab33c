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

The subnet's own hosts are not known from the plan, so replies must be
allowed on 1024-65535 (client_ranges.internet in .returnpath.hcl). A gap
that reaches 32768-65535 (client_ranges.default) breaks Linux and Windows
hosts: an error. A gap only inside 1024-32767 is a warning, or an error when
the subnet holds a NAT gateway, load balancer or Lambda function, which open
connections from all of 1024-65535.

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
