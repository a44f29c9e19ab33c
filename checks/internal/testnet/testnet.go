// Package testnet builds small networks for the tests of checks and its
// evaluator: NACL entries, subnets with their NACLs, workloads and
// security groups, in one VPC (aws_vpc.main, 10.0.0.0/16). Tests only.
package testnet

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/returnpath-dev/returnpath/plan"
)

// NACL is the address of the NACL that Rule's entries belong to.
const NACL plan.Address = "aws_network_acl.public"

// Rule is an inline entry of NACL (direction unset: the builders set it).
func Rule(number int, allow bool, proto plan.Protocol, cidr string, lo, hi uint16) plan.Entry {
	e := plan.Entry{
		Number: number, Allow: allow, Protocol: proto, Ports: plan.PortRange{Lo: lo, Hi: hi},
		ICMP: plan.AnyICMP, Source: NACL, Inline: true,
	}
	if cidr != "" {
		e.Prefix = netip.MustParsePrefix(cidr)
	}
	if !proto.HasPorts() {
		e.Ports = plan.AllPorts
	}
	return e
}

// ICMPRule is an ICMP entry matching a type and code (-1: any).
func ICMPRule(number int, allow bool, cidr string, typ, code int16) plan.Entry {
	e := Rule(number, allow, plan.ProtocolICMP, cidr, 0, 0)
	e.ICMP = plan.ICMPMatch{Type: typ, Code: code}
	return e
}

// ICMP6Rule is an ICMPv6 allow entry matching a type and code.
func ICMP6Rule(number int, cidr string, typ, code int16) plan.Entry {
	e := ICMPRule(number, true, cidr, typ, code)
	e.Protocol = plan.ProtocolICMPv6
	return e
}

// Standalone makes e an aws_network_acl_rule resource at addr.
func Standalone(e plan.Entry, addr plan.Address) plan.Entry {
	e.Source, e.Inline = addr, false
	return e
}

// Directed is a copy of entries in direction d.
func Directed(entries []plan.Entry, d plan.Direction) []plan.Entry {
	out := slices.Clone(entries)
	for i := range out {
		out[i].Direction = d
	}
	return out
}

// Sourced makes entries inline rules of the NACL at addr, in place.
func Sourced(entries []plan.Entry, addr string) []plan.Entry {
	for i := range entries {
		entries[i].Source, entries[i].Inline = plan.Address(addr), true
	}
	return entries
}

// Builder builds one network in one VPC.
type Builder struct {
	Net *plan.Network
	VPC *plan.VPC
}

// New starts a network with aws_vpc.main (10.0.0.0/16).
func New() *Builder {
	vpc := &plan.VPC{Address: "aws_vpc.main", IPv4: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16")}}
	return &Builder{Net: &plan.Network{VPCs: []*plan.VPC{vpc}}, VPC: vpc}
}

// Network is one VPC with NACL holding the given entries (as Rule builds
// them), associated with subnets of the given CIDRs: aws_subnet.public["a"],
// ["b"], ...
func Network(subnetCIDRs []string, ingress, egress []plan.Entry) *plan.Network {
	b := New()
	nacl := &plan.NACL{Address: NACL, VPC: b.VPC, Ingress: Directed(ingress, plan.Ingress), Egress: Directed(egress, plan.Egress)}
	b.Net.NACLs = append(b.Net.NACLs, nacl)
	for i, cidr := range subnetCIDRs {
		s := &plan.Subnet{Address: plan.Address(fmt.Sprintf(`aws_subnet.public["%c"]`, 'a'+i)), VPC: b.VPC, NACL: nacl}
		p := netip.MustParsePrefix(cidr)
		if p.Addr().Is4() {
			s.IPv4 = p
		} else {
			s.IPv6 = p
		}
		nacl.Subnets = append(nacl.Subnets, s)
		b.Net.Subnets = append(b.Net.Subnets, s)
	}
	return b.Net
}

// Subnet adds aws_subnet.NAME with its own aws_network_acl.NAME holding
// the entries (nil entries: the subnet keeps the unmanaged default NACL).
func (b *Builder) Subnet(name, cidr string, ingress, egress []plan.Entry) *plan.Subnet {
	s := &plan.Subnet{Address: plan.Address("aws_subnet." + name), VPC: b.VPC, IPv4: netip.MustParsePrefix(cidr)}
	b.Net.Subnets = append(b.Net.Subnets, s)
	if ingress != nil || egress != nil {
		n := &plan.NACL{
			Address: plan.Address("aws_network_acl." + name), VPC: b.VPC,
			Ingress: Sourced(Directed(ingress, plan.Ingress), "aws_network_acl."+name),
			Egress:  Sourced(Directed(egress, plan.Egress), "aws_network_acl."+name),
			Subnets: []*plan.Subnet{s},
		}
		s.NACL = n
		b.Net.NACLs = append(b.Net.NACLs, n)
	}
	return s
}

// Place puts a workload of a kind in subnets, member of groups.
func (b *Builder) Place(addr string, kind plan.WorkloadKind, subnets []*plan.Subnet, groups ...*plan.SecurityGroup) *plan.Workload {
	w := &plan.Workload{Address: plan.Address(addr), Kind: kind, Subnets: subnets, SecurityGroups: groups}
	for _, s := range subnets {
		s.Workloads = append(s.Workloads, w)
	}
	for _, g := range groups {
		g.Members = append(g.Members, w)
	}
	b.Net.Workloads = append(b.Net.Workloads, w)
	return w
}

// Group adds aws_security_group.NAME.
func (b *Builder) Group(name string) *plan.SecurityGroup {
	g := &plan.SecurityGroup{Address: plan.Address("aws_security_group." + name), VPC: b.VPC}
	b.Net.SecurityGroups = append(b.Net.SecurityGroups, g)
	return g
}

// Allow adds a standalone rule to a group: peer is a CIDR or a group.
func Allow(g *plan.SecurityGroup, dir plan.Direction, proto plan.Protocol, lo, hi uint16, peer any) {
	r := plan.SGRule{Direction: dir, Protocol: proto, Ports: plan.PortRange{Lo: lo, Hi: hi}, ICMP: plan.AnyICMP,
		Source: plan.Address("aws_vpc_security_group_" + dir.String() + "_rule." + strings.TrimPrefix(string(g.Address), "aws_security_group."))}
	switch p := peer.(type) {
	case string:
		r.Peer, r.Prefix = plan.PeerCIDR, netip.MustParsePrefix(p)
	case *plan.SecurityGroup:
		r.Peer, r.Group = plan.PeerGroup, p
	}
	if dir == plan.Ingress {
		g.Ingress = append(g.Ingress, r)
	} else {
		g.Egress = append(g.Egress, r)
	}
}
