package plan

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Address is a Terraform resource instance address, e.g.
// module.vpc.aws_network_acl.public[0].
type Address string

// Protocol is an IP protocol number; ProtocolAll (-1) matches every protocol.
type Protocol int16

// The protocols NACL rules name by keyword.
const (
	ProtocolAll    Protocol = -1
	ProtocolICMP   Protocol = 1
	ProtocolTCP    Protocol = 6
	ProtocolUDP    Protocol = 17
	ProtocolICMPv6 Protocol = 58
)

// ParseProtocol reads a NACL protocol as the AWS API and provider accept it:
// a keyword (tcp, udp, icmp, icmpv6, all) or a number, -1 meaning all.
func ParseProtocol(s string) (Protocol, error) {
	switch s {
	case "tcp":
		return ProtocolTCP, nil
	case "udp":
		return ProtocolUDP, nil
	case "icmp":
		return ProtocolICMP, nil
	case "icmpv6", "ipv6-icmp":
		return ProtocolICMPv6, nil
	case "all", "-1":
		return ProtocolAll, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 {
		return 0, fmt.Errorf("unknown protocol %q", s)
	}
	return Protocol(n), nil
}

func (p Protocol) String() string {
	switch p {
	case ProtocolAll:
		return "all"
	case ProtocolTCP:
		return "tcp"
	case ProtocolUDP:
		return "udp"
	case ProtocolICMP:
		return "icmp"
	case ProtocolICMPv6:
		return "icmpv6"
	}
	return strconv.Itoa(int(p))
}

// HCL is the protocol as written in a Terraform NACL rule.
func (p Protocol) HCL() string {
	if p == ProtocolAll {
		return "-1"
	}
	return p.String()
}

// HasPorts reports whether rules of this protocol filter on ports.
func (p Protocol) HasPorts() bool { return p == ProtocolTCP || p == ProtocolUDP }

// PortRange is an inclusive range of ports, Lo <= Hi.
type PortRange struct{ Lo, Hi uint16 }

// Well-known port ranges.
var (
	AllPorts = PortRange{0, 65535}
	// LinuxEphemeral is net.ipv4.ip_local_port_range's default.
	LinuxEphemeral = PortRange{32768, 60999}
	// WindowsEphemeral is the IANA/RFC 6335 dynamic range, Windows Server 2008+.
	WindowsEphemeral = PortRange{49152, 65535}
	// BroadEphemeral is what NAT gateways, load balancers and Lambda use.
	BroadEphemeral = PortRange{1024, 65535}
	// HostEphemeral covers both Linux and Windows hosts.
	HostEphemeral = PortRange{32768, 65535}
)

// Contains reports whether r covers all of o.
func (r PortRange) Contains(o PortRange) bool { return r.Lo <= o.Lo && o.Hi <= r.Hi }

// Overlaps reports whether r and o share a port.
func (r PortRange) Overlaps(o PortRange) bool { return r.Lo <= o.Hi && o.Lo <= r.Hi }

// Len is the number of ports in r.
func (r PortRange) Len() int { return int(r.Hi) - int(r.Lo) + 1 }

func (r PortRange) String() string {
	if r.Lo == r.Hi {
		return strconv.Itoa(int(r.Lo))
	}
	return strconv.Itoa(int(r.Lo)) + "-" + strconv.Itoa(int(r.Hi))
}

// Direction is the side of a NACL a rule sits on; the zero value is invalid.
type Direction uint8

// NACL directions.
const (
	Ingress Direction = iota + 1
	Egress
)

func (d Direction) String() string {
	switch d {
	case Ingress:
		return "ingress"
	case Egress:
		return "egress"
	}
	return "invalid-direction"
}

// Opposite is the direction replies take.
func (d Direction) Opposite() Direction {
	if d == Ingress {
		return Egress
	}
	return Ingress
}

// ICMPMatch is the ICMP type and code a rule matches; -1 means any.
type ICMPMatch struct{ Type, Code int16 }

// AnyICMP matches every ICMP message.
var AnyICMP = ICMPMatch{-1, -1}

// Entry is one NACL rule, wherever it was written: an inline ingress/egress
// block or a standalone aws_network_acl_rule.
type Entry struct {
	Number    int
	Direction Direction
	Allow     bool
	Protocol  Protocol
	Prefix    netip.Prefix // IPv4 or IPv6; a rule names one family
	Ports     PortRange    // AllPorts for protocols without ports
	ICMP      ICMPMatch    // AnyICMP unless Protocol is ICMP or ICMPv6
	Source    Address      // the NACL (inline) or the aws_network_acl_rule
	Inline    bool
	// Unmanaged marks an entry AWS holds that no configuration writes: a
	// NACL whose configuration has no inline rules (an imported one) keeps
	// the entries it has, and they apply like any other.
	Unmanaged bool
}

// Action is "allow" or "deny".
func (e Entry) Action() string {
	if e.Allow {
		return "allow"
	}
	return "deny"
}

// NACL is a network ACL after merging inline and standalone rules.
type NACL struct {
	Address Address
	ID      string // "" when unknown until apply
	Default bool   // aws_default_network_acl
	VPC     *VPC   // nil when it cannot be linked
	// Ingress and Egress hold the rules sorted by rule number (stable for
	// duplicates, which RP006 reports).
	Ingress []Entry
	Egress  []Entry
	Subnets []*Subnet
	// InlineWritten says that the configuration writes inline rules:
	// ingress/egress blocks, dynamic blocks, or a list (even ingress = []).
	InlineWritten bool
	// OutsideSubnets are the ids of subnets the NACL is associated with
	// that this plan does not define.
	OutsideSubnets []string
}

// Entries returns the rules of one direction.
func (n *NACL) Entries(d Direction) []Entry {
	if d == Ingress {
		return n.Ingress
	}
	return n.Egress
}

// Subnet is an aws_subnet.
type Subnet struct {
	Address Address
	ID      string
	VPC     *VPC
	IPv4    netip.Prefix // invalid when absent
	IPv6    netip.Prefix // invalid when absent
	NACL    *NACL        // nil when the VPC's unmanaged default NACL applies
	// Workloads placed in the subnet.
	Workloads []*Workload
	// Routes of the subnet's route table, nil when the plan does not say
	// which route table the subnet uses.
	Routes []Route
}

// Prefix returns the subnet's CIDR of one family (invalid when absent).
func (s *Subnet) Prefix(f Family) netip.Prefix {
	if f == IPv6 {
		return s.IPv6
	}
	return s.IPv4
}

// VPC is an aws_vpc with its CIDRs.
type VPC struct {
	Address Address
	ID      string
	IPv4    []netip.Prefix
	IPv6    []netip.Prefix
}

// Family is an address family; NACLs evaluate IPv4 and IPv6 rules apart.
type Family uint8

// Address families.
const (
	IPv4 Family = iota + 1
	IPv6
)

func (f Family) String() string {
	if f == IPv6 {
		return "ipv6"
	}
	return "ipv4"
}

// FamilyOf is the family of a prefix.
func FamilyOf(p netip.Prefix) Family {
	if p.Addr().Is4() {
		return IPv4
	}
	return IPv6
}

// Unresolved is a resource the model could not link or evaluate (RP008).
type Unresolved struct {
	Address Address
	Reason  string
	// Informational marks what the plan cannot hold although the
	// configuration is fine (the CIDRs of a managed prefix list, a group
	// another configuration manages): worth knowing, not a warning.
	Informational bool
}

// Network is the network as one moment sees it: after apply, or today.
type Network struct {
	VPCs           []*VPC
	Subnets        []*Subnet
	NACLs          []*NACL
	SecurityGroups []*SecurityGroup
	Workloads      []*Workload
	Unresolved     []Unresolved
	// Unlinked are the standalone NACL rules that no NACL could be linked
	// to (each also an Unresolved): they may belong to any NACL of the
	// plan, so the verdicts they could change are uncertain.
	Unlinked []Entry
	// UncheckedSubnets are the ids of subnets that resources of the
	// network sit in but that neither the plan nor a context defines,
	// in the order found: their NACLs were not checked. A subnet a
	// NACL of the plan is associated with is that NACL's OutsideSubnets
	// instead, not one of these.
	UncheckedSubnets []string
}

// Info describes the plan itself, for report headers.
type Info struct {
	FormatVersion    string
	TerraformVersion string
	Resources        int // resource instances in the plan
}

// Model is what the checks read: the network after apply, and the network as
// it stands today (nil for a plan that creates everything).
type Model struct {
	Info    Info
	Planned *Network
	Prior   *Network
	// Contexts are the context files whose resources joined both
	// networks (see Context).
	Contexts []ContextInfo
}

// WorkloadKind is what runs in a subnet; it decides the client ports the
// subnet's own connections use.
type WorkloadKind uint8

// Workload kinds; the zero value is invalid.
const (
	NATGateway WorkloadKind = iota + 1
	LoadBalancer
	LambdaFunction
	Instance // an aws_instance, or the instances of an autoscaling group
	NetworkInterface
	ECSTask
	Database
	Cache
	// VPCEndpoint is an interface VPC endpoint's network interfaces.
	VPCEndpoint
	// FileSystem is an EFS mount target.
	FileSystem
)

func (k WorkloadKind) String() string {
	switch k {
	case NATGateway:
		return "NAT gateway"
	case LoadBalancer:
		return "load balancer"
	case LambdaFunction:
		return "Lambda function"
	case Instance:
		return "instance"
	case NetworkInterface:
		return "network interface"
	case ECSTask:
		return "ECS task"
	case Database:
		return "database"
	case Cache:
		return "cache cluster"
	case VPCEndpoint:
		return "VPC endpoint"
	case FileSystem:
		return "EFS mount target"
	}
	return "invalid-workload"
}

// BroadClients reports whether the workload opens connections from any
// port in 1024-65535 rather than a host's ephemeral range.
func (k WorkloadKind) BroadClients() bool {
	return k == NATGateway || k == LoadBalancer || k == LambdaFunction
}

// HostClients reports whether the workload is a Linux or Windows host (an
// instance, an ECS task, a database or cache node), whose connections
// leave from its operating system's ephemeral range. A network interface
// may belong to anything, so it is neither kind.
func (k WorkloadKind) HostClients() bool {
	return k == Instance || k == ECSTask || k == Database || k == Cache
}

// Passive reports whether the workload only answers connections and never
// opens one (an interface endpoint, an EFS mount target): it says nothing
// about the client ports of its subnet.
func (k WorkloadKind) Passive() bool { return k == VPCEndpoint || k == FileSystem }

// Workload is a resource placed in subnets of the plan.
type Workload struct {
	Address        Address
	Kind           WorkloadKind
	Subnets        []*Subnet
	SecurityGroups []*SecurityGroup
}

// HostsBroadClients reports whether a NAT gateway, load balancer or Lambda
// function runs in the subnet.
func (s *Subnet) HostsBroadClients() bool {
	for _, w := range s.Workloads {
		if w.Kind.BroadClients() {
			return true
		}
	}
	return false
}

// SecurityGroup is an aws_security_group or aws_default_security_group with
// its rules, inline and standalone, and the workloads it is attached to.
type SecurityGroup struct {
	Address Address
	ID      string // "" when unknown until apply
	Default bool   // aws_default_security_group
	VPC     *VPC   // nil when it cannot be linked
	Ingress []SGRule
	Egress  []SGRule
	Members []*Workload
}

// Rules returns the rules of one direction.
func (g *SecurityGroup) Rules(d Direction) []SGRule {
	if d == Ingress {
		return g.Ingress
	}
	return g.Egress
}

// Subnets are the subnets where the group's members live, in address
// order, each once.
func (g *SecurityGroup) Subnets() []*Subnet {
	var out []*Subnet
	seen := map[*Subnet]bool{}
	for _, w := range g.Members {
		if w == nil {
			continue
		}
		for _, s := range w.Subnets {
			if s != nil && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	slices.SortFunc(out, func(a, b *Subnet) int { return strings.Compare(string(a.Address), string(b.Address)) })
	return out
}

// PeerKind is what a security-group rule allows traffic with; the zero
// value is invalid.
type PeerKind uint8

// Peer kinds.
const (
	PeerCIDR       PeerKind = iota + 1 // an IPv4 or IPv6 CIDR block
	PeerGroup                          // the members of a security group (self: the rule's own)
	PeerPrefixList                     // a managed prefix list, whose CIDRs the plan does not hold
)

// SGRule is one allow rule of a security group with one peer, wherever it
// was written: an inline ingress/egress block, an aws_security_group_rule
// or an aws_vpc_security_group_ingress/egress_rule. A rule that names
// several peers becomes one SGRule per peer.
type SGRule struct {
	Direction  Direction
	Protocol   Protocol
	Ports      PortRange // AllPorts for protocols without ports
	ICMP       ICMPMatch // AnyICMP unless Protocol is ICMP or ICMPv6
	Peer       PeerKind
	Prefix     netip.Prefix   // PeerCIDR
	Group      *SecurityGroup // PeerGroup
	PrefixList string         // PeerPrefixList
	Source     Address        // the group (inline) or the rule resource
	Inline     bool
}

// Route sends the traffic of a destination from a subnet to a target; the
// model keeps which targets are NAT gateways of the plan (IPv4 NAT, or
// NAT64 for 64:ff9b::/96) and which are egress-only internet gateways.
type Route struct {
	Destination netip.Prefix
	NATGateway  *Workload // nil for any other target
	// EgressOnly: an egress-only internet gateway, which lets no
	// connection in from the addresses it routes.
	EgressOnly bool
	Source     Address // the route table (inline route) or the aws_route
}
