package checks

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/largeplan"
	"github.com/returnpath-dev/returnpath/plan"
)

// largeNetwork builds vpcs VPCs of a three-tier application, each with
// subnetsPerTier subnets per tier (public, app, db), one NACL per tier,
// an ALB, a NAT gateway, instancesPerSubnet instances per app subnet, an
// RDS instance, their security groups (referencing each other) and the
// app subnets' routes through the NAT gateway. The db NACL misses part of
// its return path, so every VPC has findings to build.
func largeNetwork(vpcs, subnetsPerTier, instancesPerSubnet int) *plan.Network {
	n := &plan.Network{}
	for v := range vpcs {
		vpc := &plan.VPC{Address: plan.Address(fmt.Sprintf("aws_vpc.v%d", v)),
			IPv4: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(v / 4), byte(v%4) * 64, 0}), 18)}}
		n.VPCs = append(n.VPCs, vpc)
		base := vpc.IPv4[0].Addr().As4()
		subnet := func(tier, i int) *plan.Subnet {
			b := base
			b[2] += byte(tier*16 + i)
			s := &plan.Subnet{Address: plan.Address(fmt.Sprintf("aws_subnet.v%d_t%d[%d]", v, tier, i)), VPC: vpc,
				IPv4: netip.PrefixFrom(netip.AddrFrom4(b), 24)}
			n.Subnets = append(n.Subnets, s)
			return s
		}
		tierCIDR := func(tier int) string {
			b := base
			b[2] += byte(tier * 16)
			return netip.PrefixFrom(netip.AddrFrom4(b), 20).String()
		}
		vpcCIDR := vpc.IPv4[0].String()
		nacl := func(name string, subnets []*plan.Subnet, ingress, egress []plan.Entry) {
			addr := fmt.Sprintf("aws_network_acl.v%d_%s", v, name)
			acl := &plan.NACL{Address: plan.Address(addr), VPC: vpc, Subnets: subnets,
				Ingress: sourced(directed(ingress, plan.Ingress), addr), Egress: sourced(directed(egress, plan.Egress), addr)}
			for _, s := range subnets {
				s.NACL = acl
			}
			n.NACLs = append(n.NACLs, acl)
		}
		var tiers [3][]*plan.Subnet
		for tier := range tiers {
			for i := range subnetsPerTier {
				tiers[tier] = append(tiers[tier], subnet(tier, i))
			}
		}
		nacl("public", tiers[0],
			[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 443, 443), rule(110, true, tcp, "0.0.0.0/0", 1024, 65535), icmpRule(120, true, "0.0.0.0/0", 3, 4)},
			[]plan.Entry{rule(100, true, tcp, "0.0.0.0/0", 1024, 65535), rule(110, true, tcp, "0.0.0.0/0", 443, 443), rule(120, true, tcp, tierCIDR(1), 8080, 8080)})
		nacl("app", tiers[1],
			[]plan.Entry{rule(100, true, tcp, tierCIDR(0), 8080, 8080), rule(110, true, tcp, "0.0.0.0/0", 1024, 65535), icmpRule(120, true, "0.0.0.0/0", 3, 4)},
			[]plan.Entry{rule(100, true, tcp, tierCIDR(0), 1024, 65535), rule(110, true, tcp, tierCIDR(2), 5432, 5432), rule(120, true, tcp, "0.0.0.0/0", 443, 443)})
		nacl("db", tiers[2],
			[]plan.Entry{rule(100, true, plan.ProtocolAll, vpcCIDR, 0, 0)},
			[]plan.Entry{rule(100, true, tcp, tierCIDR(0), 1024, 65535)})
		group := func(name string) *plan.SecurityGroup {
			g := &plan.SecurityGroup{Address: plan.Address(fmt.Sprintf("aws_security_group.v%d_%s", v, name)), VPC: vpc}
			n.SecurityGroups = append(n.SecurityGroups, g)
			return g
		}
		alb, app, db := group("alb"), group("app"), group("db")
		allow(alb, plan.Ingress, tcp, 443, 443, "0.0.0.0/0")
		allow(app, plan.Ingress, tcp, 8080, 8080, alb)
		allow(app, plan.Egress, tcp, 443, 443, "0.0.0.0/0")
		allow(db, plan.Ingress, tcp, 5432, 5432, app)
		place := func(addr string, kind plan.WorkloadKind, subnets []*plan.Subnet, groups ...*plan.SecurityGroup) *plan.Workload {
			w := &plan.Workload{Address: plan.Address(addr), Kind: kind, Subnets: subnets, SecurityGroups: groups}
			for _, s := range subnets {
				s.Workloads = append(s.Workloads, w)
			}
			for _, g := range groups {
				g.Members = append(g.Members, w)
			}
			n.Workloads = append(n.Workloads, w)
			return w
		}
		place(fmt.Sprintf("aws_lb.v%d", v), plan.LoadBalancer, tiers[0], alb)
		nat := place(fmt.Sprintf("aws_nat_gateway.v%d", v), plan.NATGateway, tiers[0][:1])
		for i, s := range tiers[1] {
			s.Routes = []plan.Route{{Destination: netip.MustParsePrefix("0.0.0.0/0"), NATGateway: nat}}
			for j := range instancesPerSubnet {
				place(fmt.Sprintf("aws_instance.v%d_app[%d]", v, i*instancesPerSubnet+j), plan.Instance, []*plan.Subnet{s}, app)
			}
		}
		place(fmt.Sprintf("aws_db_instance.v%d", v), plan.Database, tiers[2], db)
	}
	return n
}

// BenchmarkRunLargeNetwork measures the checks alone on networks of
// growing size; the time per VPC should stay about the same:
//
//	go test ./checks -run '^$' -bench RunLargeNetwork -benchmem
func BenchmarkRunLargeNetwork(b *testing.B) {
	for _, vpcs := range []int{25, 100, 400} {
		n := largeNetwork(vpcs, 4, 5)
		objects := len(n.Subnets) + len(n.NACLs) + len(n.SecurityGroups) + len(n.Workloads)
		b.Run(fmt.Sprintf("%d-vpcs-%d-objects", vpcs, objects), func(b *testing.B) {
			for b.Loop() {
				if len(Run(&plan.Model{Planned: n}, DefaultConfig())) == 0 {
					b.Fatal("no findings: the network is meant to have some")
				}
			}
		})
	}
}

// BenchmarkRunOneWideVPC puts many subnets in one VPC, so that intents to
// 0.0.0.0/0 meet every subnet.
func BenchmarkRunOneWideVPC(b *testing.B) {
	for _, subnets := range []int{50, 200, 800} {
		n := largeNetwork(1, 1, 1)
		vpc := n.VPCs[0]
		vpc.IPv4 = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		web := n.NACLs[0]
		for i := range subnets {
			s := &plan.Subnet{Address: plan.Address(fmt.Sprintf("aws_subnet.extra[%d]", i)), VPC: vpc, NACL: web,
				IPv4: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 100 + byte(i/256), byte(i % 256), 0}), 24)}
			w := &plan.Workload{Address: plan.Address(fmt.Sprintf("aws_instance.extra[%d]", i)), Kind: plan.Instance, Subnets: []*plan.Subnet{s}}
			s.Workloads = []*plan.Workload{w}
			web.Subnets = append(web.Subnets, s)
			n.Subnets = append(n.Subnets, s)
			n.Workloads = append(n.Workloads, w)
		}
		// Replies only for host clients: every subnet narrows the ports.
		web.Egress[0].Ports = plan.HostEphemeral
		b.Run(fmt.Sprintf("%d-subnets", subnets), func(b *testing.B) {
			for b.Loop() {
				Run(&plan.Model{Planned: n}, DefaultConfig())
			}
		})
	}
}

// BenchmarkRunLarge is the analysis' share of cli.BenchmarkCheckLarge:
// every check on the model of the large plan (800 NACLs).
//
//	go test ./checks -run '^$' -bench RunLarge -benchmem
func BenchmarkRunLarge(b *testing.B) {
	m, err := plan.Parse("plan.json", largeplan.Bytes(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(Run(m, DefaultConfig())) == 0 {
			b.Fatal("no findings")
		}
	}
}

// BenchmarkRunLargeContext is the analysis' share of `returnpath check
// --context plan.json plan.json` on the large plan: the plan checked with
// itself as context, so that the planned network holds every resource
// twice (twin VPCs with the same CIDRs) and the prior network once.
//
//	go test ./checks -run '^$' -bench RunLargeContext -benchmem
func BenchmarkRunLargeContext(b *testing.B) {
	data := largeplan.Bytes(b)
	ctx, err := plan.ParseContext("context.json", data, "")
	if err != nil {
		b.Fatal(err)
	}
	m, err := plan.ParseWithContext("plan.json", data, "", []*plan.Context{ctx})
	if err != nil {
		b.Fatal(err)
	}
	if m.Prior == nil {
		b.Fatal("no prior network: the context should be one")
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(Run(m, DefaultConfig())) == 0 {
			b.Fatal("no findings")
		}
	}
}
