package checks

import (
	"fmt"
	"net/netip"

	"github.com/returnpath-dev/returnpath/checks/internal/nacleval"
	"github.com/returnpath-dev/returnpath/plan"
)

// RP007: a NACL that lets TCP through with internet peers must also let in
// the ICMP message routers send when a packet is too big for the path
// (IPv4 type 3 code 4 "fragmentation needed", ICMPv6 type 2 "packet too
// big"). Without it path-MTU discovery fails: small exchanges work, large
// responses hang.

var pathMTU = Check{
	ID:       "RP007",
	Severity: Notice,
	Title:    "ICMP \"fragmentation needed\" not allowed in, breaking path-MTU discovery",
	Doc: "TCP endpoints learn the largest packet a path carries from ICMP messages routers send " +
		"back: IPv4 type 3 code 4 (fragmentation needed), ICMPv6 type 2 (packet too big). A " +
		"NACL that allows TCP with internet peers but drops those messages inbound makes " +
		"path-MTU discovery fail: connections open, small requests work, and large responses " +
		"hang. Allow them inbound from 0.0.0.0/0 and ::/0.",
	Explain: explainRP007,
	run:     checkPathMTU,
}

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

// nonInternetV4 are the IPv4 ranges that are not internet peers: private,
// shared (CGNAT), loopback, link-local, multicast and reserved addresses.
var nonInternetV4 = []string{
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
}

// internetAddrs are the addresses of internet peers of a family: IPv4
// without the ranges above, IPv6 global unicast (2000::/3).
func internetAddrs(f plan.Family) nacleval.Space {
	if f == plan.IPv6 {
		r, _ := nacleval.PrefixRange(netip.MustParsePrefix("2000::/3"))
		return nacleval.AddrSpace(r)
	}
	all := nacleval.AddrSpace(nacleval.FamilyRange(plan.IPv4))
	for _, cidr := range nonInternetV4 {
		r, _ := nacleval.PrefixRange(netip.MustParsePrefix(cidr))
		all = all.Subtract(nacleval.AddrSpace(r))
	}
	return all
}

// tooBig is the ICMP message of path-MTU discovery from peers, in the
// space's encoding (type*256+code in the port dimension).
func tooBig(f plan.Family, peers []nacleval.AddrRange) (nacleval.Space, string) {
	proto, ports, name := plan.ProtocolICMP, plan.PortRange{Lo: 3*256 + 4, Hi: 3*256 + 4}, "icmp type 3 code 4 (fragmentation needed)"
	if f == plan.IPv6 {
		proto, ports, name = plan.ProtocolICMPv6, plan.PortRange{Lo: 2 * 256, Hi: 2*256 + 255}, "icmpv6 type 2 (packet too big)"
	}
	return nacleval.FlowSpace(proto, peers, ports), name
}

func checkPathMTU(p *pass) {
	tcpNumber, _, _ := nacleval.ProtocolInterval(plan.ProtocolTCP)
	internetRanges := map[plan.Family][]nacleval.AddrRange{}
	for _, fam := range families() {
		internetRanges[fam] = internetAddrs(fam).AddrRanges()
	}
	var tcpAddrs []nacleval.AddrRange // a buffer for each NACL's in turn
	for _, n := range p.network.NACLs {
		if p.facts.canceled() {
			return
		}
		if n == nil {
			continue
		}
		for _, fam := range families() {
			internet := internetRanges[fam]
			// The TCP peers are the internet addresses of the TCP traffic
			// the allow rules decide: the addresses of that traffic, as
			// they come, merged and cut to the internet's once.
			tcpAddrs = tcpAddrs[:0]
			var first *plan.Entry
			var firstDir plan.Direction
			for _, dir := range []plan.Direction{plan.Ingress, plan.Egress} {
				for _, d := range p.facts.rules().decisionsOf(n, dir, fam) {
					if !d.entry.Allow {
						continue
					}
					for _, a := range d.decided {
						if lo, hi := a.Protocols(); lo > tcpNumber || hi < tcpNumber {
							continue
						}
						r := a.Addrs()
						if last := len(tcpAddrs) - 1; last < 0 || tcpAddrs[last] != r { // boxes of other ports repeat it
							tcpAddrs = append(tcpAddrs, r)
						}
						if first == nil && nacleval.MeetsAny(r, internet) {
							first, firstDir = d.entry, dir
						}
					}
				}
			}
			if first == nil {
				continue
			}
			need, name := tooBig(fam, nacleval.IntersectRanges(nacleval.MergeRanges(tcpAddrs), internet))
			parts, allowsAny := p.facts.rules().of(n, plan.Ingress, fam).Judge(need)
			if allowsAny {
				continue // allowed from some of those peers: a deliberate choice
			}
			fix := "icmp type 3 code 4 from 0.0.0.0/0"
			if fam == plan.IPv6 {
				fix = "icmpv6 (protocol 58) type 2 from ::/0"
			}
			// No rule number in the message: it identifies the finding
			// across prior state and plan, where rules may be renumbered.
			msg := fmt.Sprintf("tcp with internet peers is allowed (%s %s), but %s is dropped inbound (%s): "+
				"path-MTU discovery fails and connections that send large packets hang; allow %s inbound",
				firstDir, first.Prefix.Masked(), name, dropText(parts), fix)
			if len(n.Subnets) == 0 {
				msg += "; the NACL is not associated with any subnet yet"
			}
			p.report(Finding{Resource: n.Address, Message: msg, Subnets: subnetRefs(n, fam)})
		}
	}
}
