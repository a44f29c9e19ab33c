package checks

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/returnpath-dev/returnpath/plan"
)

// RP005: a security group that opens an ephemeral range to the whole
// internet. Security groups are stateful: replies pass without such a
// rule, which only exposes whatever listens on those ports.

var ephemeralOpenings = Check{
	ID:       "RP005",
	Severity: Warning,
	Title:    "a security group opens an ephemeral range to 0.0.0.0/0 or ::/0",
	Doc: "Security groups are stateful: replies to connections the group allows pass without " +
		"any rule. An ingress rule that opens most of the ephemeral range (such as 1024-65535 " +
		"or 32768-65535) to the whole internet, written the way a NACL needs it, only exposes " +
		"every service that happens to listen on those ports. Remove the rule.",
	Explain: explainRP005,
	run:     checkEphemeralOpenings,
}

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

// ephemeralShare is how much of the Linux ephemeral range a rule must
// cover to count as opening "the ephemeral range".
const ephemeralShare = 0.5

func checkEphemeralOpenings(p *pass) {
	world := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	for _, g := range p.network.SecurityGroups {
		if g == nil {
			continue
		}
		for _, r := range g.Ingress {
			if r.Peer != plan.PeerCIDR || !slices.Contains(world, r.Prefix) || !opensEphemeral(r) {
				continue
			}
			where := "its inline ingress rule"
			if !r.Inline {
				where = "ingress rule " + string(r.Source)
			}
			p.report(Finding{
				Resource: g.Address,
				Message: fmt.Sprintf("%s allows %s/%s from %s: security groups are stateful and let replies back without it, "+
					"so it only exposes whatever listens on those ports to the internet; remove it", where, r.Protocol, r.Ports, r.Prefix),
				Subnets: groupSubnetRefs(g),
			})
		}
	}
}

// opensEphemeral reports whether a TCP or UDP rule from a port at or above
// 1024 covers most of 32768-60999. A rule from port 0 opens everything,
// which is not the return-traffic mistake this rule is about.
func opensEphemeral(r plan.SGRule) bool {
	if r.Protocol != plan.ProtocolTCP && r.Protocol != plan.ProtocolUDP || r.Ports.Lo < 1024 {
		return false
	}
	lo, hi := max(r.Ports.Lo, plan.LinuxEphemeral.Lo), min(r.Ports.Hi, plan.LinuxEphemeral.Hi)
	return lo <= hi && float64(int(hi)-int(lo)+1) >= ephemeralShare*float64(plan.LinuxEphemeral.Len())
}

// groupSubnetRefs names the subnets where a group's members live.
func groupSubnetRefs(g *plan.SecurityGroup) []SubnetRef {
	var refs []SubnetRef
	for _, s := range g.Subnets() {
		ref := SubnetRef{Address: s.Address}
		if s.IPv4.IsValid() {
			ref.CIDR = s.IPv4.String()
		} else if s.IPv6.IsValid() {
			ref.CIDR = s.IPv6.String()
		}
		refs = append(refs, ref)
	}
	return refs
}
