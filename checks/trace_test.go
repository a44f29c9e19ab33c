package checks

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks/internal/testnet"
	"github.com/returnpath-dev/returnpath/plan"
)

func traceOne(t *testing.T, n *plan.Network, from, to string, proto plan.Protocol, port uint16) *Trace {
	t.Helper()
	traces, err := TraceNames(n, TraceAsk{From: from, To: to, Protocol: proto, Port: port}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(traces) != 1 {
		t.Fatalf("%d traces, want 1", len(traces))
	}
	return traces[0]
}

func hasNote(tr *Trace, part string) bool {
	return slices.ContainsFunc(tr.NotEvaluated, func(n string) bool { return strings.Contains(n, part) })
}

// A web subnet whose egress returns only Linux's range: Windows clients'
// ports 61000-65535 fail, Linux clients' none.
func TestTraceReplySharePerClient(t *testing.T) {
	b := testnet.New()
	b.Subnet("web", "10.0.1.0/24",
		[]plan.Entry{testnet.Rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
		[]plan.Entry{testnet.Rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 32768, 60999)})
	tr := traceOne(t, b.Net, "203.0.113.7", "10.0.1.10", plan.ProtocolTCP, 443)
	if !tr.Request.Delivered() || tr.Reply.Delivered() || tr.Delivered() {
		t.Fatalf("request %v reply %v", tr.Request.Delivered(), tr.Reply.Delivered())
	}
	shares := map[string]float64{}
	for _, c := range tr.Reply.Clients {
		shares[c.Client] = c.Share
	}
	if shares["Linux hosts"] != 0 || shares["Windows hosts"] != 0.2769 || shares["NAT gateways, load balancers, Lambda"] != 0.5624 {
		t.Errorf("shares %v", shares)
	}
	// The traced packet takes a failing port, one Windows clients use.
	if tr.ClientPort != 61000 || tr.Reply.DroppedAt != 0 || tr.Reply.Hops[0].Allowed || tr.Reply.Hops[0].Rule != nil {
		t.Errorf("client port %d, reply dropped at %d: %+v", tr.ClientPort, tr.Reply.DroppedAt, tr.Reply.Hops)
	}
	// An asked-for port is traced as asked: a Linux port gets through.
	q := TraceQuery{From: tr.From, To: tr.To, Protocol: plan.ProtocolTCP, Port: 443, ClientPort: 40000}
	tr = TraceFlow(b.Net, q, DefaultConfig())
	if tr.ClientPort != 40000 || tr.Reply.DroppedAt != -1 || tr.Reply.Delivered() {
		t.Errorf("port %d dropped at %d delivered %v", tr.ClientPort, tr.Reply.DroppedAt, tr.Reply.Delivered())
	}
}

// A deny numbered before the allow decides the packets it matches.
func TestTraceFirstMatch(t *testing.T) {
	b := testnet.New()
	b.Subnet("web", "10.0.1.0/24",
		[]plan.Entry{testnet.Rule(90, false, plan.ProtocolTCP, "203.0.113.0/24", 0, 65535), testnet.Rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)},
		[]plan.Entry{testnet.Rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535)})
	tr := traceOne(t, b.Net, "203.0.113.7", "10.0.1.10", plan.ProtocolTCP, 443)
	h := tr.Request.Hops[0]
	if h.Allowed || h.Rule == nil || h.Rule.Number != 90 || tr.Request.DroppedAt != 0 {
		t.Errorf("hop %+v", h)
	}
	tr = traceOne(t, b.Net, "198.51.100.7", "10.0.1.10", plan.ProtocolTCP, 443)
	if !tr.Delivered() || tr.Request.Hops[0].Rule.Number != 100 {
		t.Errorf("from elsewhere: %+v", tr.Request.Hops)
	}
}

// Security groups: the source's egress and the destination's ingress
// decide the request; the reply passes them (stateful). A rule naming a
// group matches that group's members only; for an address with no known
// workload the verdict is unsure.
func TestTraceSecurityGroups(t *testing.T) {
	b := testnet.New()
	all := []plan.Entry{testnet.Rule(100, true, plan.ProtocolAll, "0.0.0.0/0", 0, 65535)}
	app := b.Subnet("app", "10.0.1.0/24", all, all)
	db := b.Subnet("db", "10.0.2.0/24", all, all)
	appSG, dbSG := b.Group("app"), b.Group("db")
	testnet.Allow(appSG, plan.Egress, plan.ProtocolTCP, 5432, 5432, dbSG)
	testnet.Allow(dbSG, plan.Ingress, plan.ProtocolTCP, 5432, 5432, appSG)
	b.Place("aws_instance.app", plan.Instance, []*plan.Subnet{app}, appSG)
	b.Place("aws_db_instance.db", plan.Database, []*plan.Subnet{db}, dbSG)

	tr := traceOne(t, b.Net, "aws_instance.app", "aws_db_instance.db", plan.ProtocolTCP, 5432)
	if !tr.Delivered() || len(tr.Request.Hops) != 4 || tr.Request.Hops[0].Kind != SecurityGroupHop || tr.Request.Hops[3].Kind != SecurityGroupHop {
		t.Fatalf("%+v", tr.Request.Hops)
	}
	if r := tr.Reply.Hops[0]; !r.Stateful || !r.Allowed {
		t.Errorf("reply at the db group: %+v", r)
	}
	tr = traceOne(t, b.Net, "aws_instance.app", "aws_db_instance.db", plan.ProtocolTCP, 3306)
	if tr.Request.DroppedAt != 0 || tr.Request.Hops[0].Resource != "aws_security_group.app" || tr.Request.Hops[3].Allowed {
		t.Errorf("3306: %+v", tr.Request.Hops)
	}
	tr = traceOne(t, b.Net, "10.0.1.20", "aws_db_instance.db", plan.ProtocolTCP, 5432)
	h := tr.Request.Hops[len(tr.Request.Hops)-1]
	if h.Allowed || !strings.Contains(h.Unsure, "allows members of aws_security_group.app, and the plan does not say whether 10.0.1.20 is one") {
		t.Errorf("an address of the app subnet: %+v", h)
	}
	if !hasNote(tr, "no workload of the plan is known at 10.0.1.20 (in aws_subnet.app)") {
		t.Errorf("notes %q", tr.NotEvaluated)
	}
}

// A NAT gateway's subnet is crossed twice each way; its own ports are
// what the internet's replies come back to.
func TestTraceNATGateway(t *testing.T) {
	b := testnet.New()
	private := b.Subnet("private", "10.0.10.0/24",
		[]plan.Entry{testnet.Rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 32768, 65535)},
		[]plan.Entry{testnet.Rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 443, 443)})
	public := b.Subnet("public", "10.0.0.0/24",
		[]plan.Entry{testnet.Rule(100, true, plan.ProtocolAll, "10.0.0.0/16", 0, 65535), testnet.Rule(110, true, plan.ProtocolTCP, "0.0.0.0/0", 32768, 65535)},
		[]plan.Entry{testnet.Rule(100, true, plan.ProtocolAll, "0.0.0.0/0", 0, 65535)})
	nat := b.Place("aws_nat_gateway.main", plan.NATGateway, []*plan.Subnet{public})
	private.Routes = []plan.Route{{Destination: netip.MustParsePrefix("0.0.0.0/0"), NATGateway: nat, Source: "aws_route.private_nat"}}
	b.Place("aws_instance.worker", plan.Instance, []*plan.Subnet{private})

	tr := traceOne(t, b.Net, "aws_instance.worker", "203.0.113.7", plan.ProtocolTCP, 443)
	var kinds []string
	for _, h := range tr.Request.Hops {
		kinds = append(kinds, h.Kind.String()+" "+h.Direction.String())
	}
	want := "nacl egress,route invalid-direction,nacl ingress,nat_gateway invalid-direction,nacl egress"
	if strings.Join(kinds, ",") != want {
		t.Errorf("request hops %s, want %s", strings.Join(kinds, ","), want)
	}
	if !tr.Request.Delivered() || tr.Request.Hops[4].Packet.Src.Addr() != netip.MustParseAddr("10.0.0.10") {
		t.Errorf("request %+v", tr.Request.Hops)
	}
	var natShare ClientShare
	for _, c := range tr.Reply.Clients {
		if strings.HasPrefix(c.Client, "aws_nat_gateway.main") {
			natShare = c
		} else if len(c.Failing) > 0 {
			t.Errorf("%s fails: %v", c.Client, c.Failing)
		}
	}
	if natShare.Share != 0.4921 || len(natShare.Failing) != 1 || natShare.Failing[0] != (plan.PortRange{Lo: 1024, Hi: 32767}) {
		t.Errorf("NAT gateway ports: %+v", natShare)
	}
	if h := tr.Reply.Hops[0]; tr.Reply.DroppedAt != 0 || h.Resource != "aws_network_acl.public" || h.Direction != plan.Ingress || h.Packet.Dst.Port() != 1024 {
		t.Errorf("reply: %+v", tr.Reply.Hops)
	}
	if !hasNote(tr, "aws_nat_gateway.main's address is known only at apply") {
		t.Errorf("notes %q", tr.NotEvaluated)
	}

	// Inside the VPC the local route wins: no NAT gateway.
	tr = traceOne(t, b.Net, "aws_instance.worker", "10.0.0.20", plan.ProtocolTCP, 443)
	if slices.ContainsFunc(tr.Request.Hops, func(h TraceHop) bool { return h.Kind == NATGatewayHop }) {
		t.Errorf("a NAT gateway inside the VPC: %+v", tr.Request.Hops)
	}
}

// What NACLs do not filter: the VPC's DNS resolver, and traffic within
// a subnet. A subnet on the unmanaged default NACL is not evaluated, and
// the trace says so.
func TestTraceUnfiltered(t *testing.T) {
	b := testnet.New()
	none := []plan.Entry{testnet.Rule(100, false, plan.ProtocolAll, "0.0.0.0/0", 0, 65535)}
	app := b.Subnet("app", "10.0.1.0/24", none, none)
	b.Subnet("legacy", "10.0.9.0/24", nil, nil)
	b.Place("aws_instance.app", plan.Instance, []*plan.Subnet{app})

	tr := traceOne(t, b.Net, "aws_instance.app", "10.0.0.2", plan.ProtocolUDP, 53)
	if !tr.Delivered() || len(tr.Request.Hops) != 0 || !hasNote(tr, "NACLs do not filter traffic to 10.0.0.2 (the VPC's Amazon DNS resolver)") {
		t.Errorf("resolver: %+v %q", tr.Request.Hops, tr.NotEvaluated)
	}
	tr = traceOne(t, b.Net, "aws_instance.app", "10.0.1.99", plan.ProtocolTCP, 22)
	if !tr.Delivered() || !hasNote(tr, "in the same subnet (aws_subnet.app)") {
		t.Errorf("same subnet: %+v %q", tr.Request.Hops, tr.NotEvaluated)
	}
	tr = traceOne(t, b.Net, "10.0.9.9", "aws_instance.app", plan.ProtocolTCP, 22)
	if tr.Delivered() || !hasNote(tr, "aws_subnet.legacy uses its VPC's default NACL, which this plan does not manage") ||
		tr.Request.Hops[0].Resource != "aws_network_acl.app" {
		t.Errorf("legacy: %+v %q", tr.Request.Hops, tr.NotEvaluated)
	}
}

// ICMP: an echo request gets an echo reply; other messages get none.
func TestTraceICMP(t *testing.T) {
	b := testnet.New()
	b.Subnet("web", "10.0.1.0/24",
		[]plan.Entry{testnet.ICMPRule(100, true, "0.0.0.0/0", 8, -1), testnet.ICMPRule(110, true, "0.0.0.0/0", 3, 4)},
		[]plan.Entry{testnet.ICMPRule(100, true, "0.0.0.0/0", 0, 0)})
	ask := TraceAsk{From: "203.0.113.7", To: "10.0.1.10", Protocol: plan.ProtocolICMP, ICMP: plan.ICMPMatch{Type: 8}}
	traces, err := TraceNames(b.Net, ask, DefaultConfig())
	if err != nil || !traces[0].Delivered() || len(traces[0].Reply.Hops) != 1 || traces[0].Reply.Hops[0].Rule.Number != 100 {
		t.Fatalf("%v %+v", err, traces)
	}
	ask.ICMP = plan.ICMPMatch{Type: 3, Code: 4}
	traces, _ = TraceNames(b.Net, ask, DefaultConfig())
	if tr := traces[0]; !tr.Delivered() || tr.Reply.NoReply == "" || len(tr.Reply.Hops) != 0 || tr.Request.Hops[0].Rule.Number != 110 {
		t.Errorf("3:4: %+v", tr)
	}
	ask.ICMP = plan.ICMPMatch{Type: 3, Code: 1}
	traces, _ = TraceNames(b.Net, ask, DefaultConfig())
	if tr := traces[0]; tr.Delivered() || tr.Request.Hops[0].Rule != nil {
		t.Errorf("3:1: %+v", tr)
	}
}

func TestResolveEndpoint(t *testing.T) {
	b := testnet.New()
	all := []plan.Entry{testnet.Rule(100, true, plan.ProtocolAll, "0.0.0.0/0", 0, 65535)}
	a := b.Subnet("a", "10.0.1.0/24", all, all)
	c := b.Subnet("c", "10.0.3.0/24", all, all)
	b.Place("aws_instance.app[0]", plan.Instance, []*plan.Subnet{a})
	b.Place("aws_instance.app[1]", plan.Instance, []*plan.Subnet{c})
	b.Place("module.svc.aws_lb.web", plan.LoadBalancer, []*plan.Subnet{a, c})

	for _, tc := range []struct {
		name string
		want []string
	}{
		{"aws_instance.app", []string{"aws_instance.app[0] 10.0.1.10", "aws_instance.app[1] 10.0.3.10"}},
		{"module.svc.aws_lb.web", []string{"module.svc.aws_lb.web 10.0.1.10", "module.svc.aws_lb.web 10.0.3.10"}},
		{"10.0.3.77", []string{" 10.0.3.77 aws_subnet.c"}},
		{"::ffff:10.0.3.77", []string{" 10.0.3.77 aws_subnet.c"}},
		{"192.0.2.1", []string{" 192.0.2.1"}},
	} {
		ends, err := ResolveEndpoint(b.Net, tc.name, 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, e := range ends {
			s := e.Addr.String()
			if e.Workload != nil {
				s = string(e.Workload.Address) + " " + s
			} else {
				s = " " + s
				if e.Subnet != nil {
					s += " " + string(e.Subnet.Address)
				}
			}
			got = append(got, s)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	_, err := ResolveEndpoint(b.Net, "aws_instance.ap", 0)
	var unknown *UnknownEndpointError
	if !errors.As(err, &unknown) || !slices.Equal(unknown.Suggestions, []plan.Address{"aws_instance.app[0]", "aws_instance.app[1]"}) {
		t.Errorf("%v", err)
	}
	if _, err := ResolveEndpoint(b.Net, "aws_lb.web", 0); !errors.As(err, &unknown) || !slices.Equal(unknown.Suggestions, []plan.Address{"module.svc.aws_lb.web"}) {
		t.Errorf("%v", err)
	}
	if _, err := ResolveEndpoint(b.Net, "aws_s3_bucket.logs", 0); !errors.As(err, &unknown) || len(unknown.Suggestions) != 0 {
		t.Errorf("%v", err)
	}
	// A workload in two subnets is traced to each.
	traces, err := TraceNames(b.Net, TraceAsk{From: "203.0.113.7", To: "module.svc.aws_lb.web", Protocol: plan.ProtocolTCP, Port: 443}, DefaultConfig())
	if err != nil || len(traces) != 2 || traces[0].To.Subnet != a || traces[1].To.Subnet != c {
		t.Errorf("%v %d", err, len(traces))
	}
}

// IPv6 rules decide IPv6 packets; IPv4 rules do not.
func TestTraceIPv6(t *testing.T) {
	n := testnet.Network([]string{"2600:1f18:abcd:1::/64"},
		[]plan.Entry{testnet.Rule(100, true, plan.ProtocolTCP, "::/0", 443, 443)},
		[]plan.Entry{testnet.Rule(100, true, plan.ProtocolTCP, "0.0.0.0/0", 1024, 65535), testnet.Rule(110, true, plan.ProtocolTCP, "::/0", 32768, 65535)})
	tr := traceOne(t, n, "2001:db8::7", "2600:1f18:abcd:1::10", plan.ProtocolTCP, 443)
	if tr.Family != plan.IPv6 || !tr.Request.Delivered() || tr.Reply.Delivered() {
		t.Fatalf("%+v", tr)
	}
	if h := tr.Reply.Hops[0]; h.Allowed || h.Rule != nil || h.Packet.Dst.Port() != 1024 {
		t.Errorf("reply hop %+v (the IPv4 rule 100 must not match)", h)
	}
	if _, err := TraceNames(n, TraceAsk{From: "2001:db8::7", To: "2600:1f18:abcd:1::10", Protocol: plan.ProtocolICMP, ICMP: plan.ICMPMatch{Type: 8}}, DefaultConfig()); err == nil {
		t.Error("icmp between IPv6 addresses is accepted")
	}
}
