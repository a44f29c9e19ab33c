package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/golden"
)

// traceCases are flows traced on real fixtures, each with what AWS would
// do, judged from the fixture's configuration: the verdict, the leg and
// hop that drop the packet, and how the plan changes the verdict. Their
// text, JSON and markdown outputs are golden in cli/testdata/trace/.
var traceCases = []struct {
	name, fixture, from, to, port string
	before                        bool
	context                       []string // --context files, from the repository root
	verdict                       string   // of the whole trace
	paths                         int
	// droppedLeg, droppedAt and droppedDir name the first path's first
	// dropping hop: the leg, the resource and its direction ("" when
	// delivered); droppedBy is the rule ("implicit" for the implicit deny
	// of a NACL or a group that allows nothing of it).
	droppedLeg, droppedAt, droppedDir, droppedBy string
	change                                       string
}{
	// The data NACL lets 5432 in from the app subnet, not 6379: the
	// requests meet its implicit deny, while the app's group and NACL
	// let them out.
	{name: "request-dropped-by-nacl", fixture: "trace-three-tier", from: "aws_instance.app", to: "10.0.2.10", port: "tcp/6379",
		verdict: "dropped", paths: 1, droppedLeg: "request", droppedAt: "aws_network_acl.data", droppedDir: "ingress", droppedBy: "implicit"},
	// The public NACL lets HTTP in (rule 110), the load balancer's group
	// allows only 443.
	{name: "request-dropped-by-security-group", fixture: "trace-three-tier", from: "203.0.113.7", to: "aws_lb.web", port: "tcp/80",
		verdict: "dropped", paths: 1, droppedLeg: "request", droppedAt: "aws_security_group.web", droppedDir: "ingress", droppedBy: "implicit"},
	// RDS in two db subnets: the db NACL takes the requests from the app
	// tier but has no egress back to it; traced to each subnet.
	{name: "reply-dropped", fixture: "rds-app-db", from: "aws_instance.app", to: "aws_db_instance.db", port: "tcp/5432",
		verdict: "dropped", paths: 2, droppedLeg: "reply", droppedAt: "aws_network_acl.db", droppedDir: "egress", droppedBy: "implicit"},
	{name: "delivered-lb-to-app", fixture: "trace-three-tier", from: "aws_lb.web", to: "aws_instance.app", port: "tcp/8080",
		verdict: "delivered", paths: 1},
	{name: "delivered-internet-to-lb", fixture: "trace-three-tier", from: "203.0.113.7", to: "aws_lb.web", port: "tcp/443",
		verdict: "delivered", paths: 1},
	// The app subnet routes 0.0.0.0/0 to the NAT gateway, whose subnet's
	// NACL takes the internet's replies on 1024-65535.
	{name: "nat-gateway-delivered", fixture: "trace-three-tier", from: "aws_instance.app", to: "203.0.113.7", port: "tcp/443",
		verdict: "delivered", paths: 1},
	// The same through a NAT gateway whose subnet's NACL takes replies on
	// 32768-65535 only: the gateway's ports 1024-32767 meet the implicit
	// deny.
	{name: "nat-gateway-reply-dropped", fixture: "nat-gateway-return", from: "aws_instance.worker", to: "203.0.113.7", port: "tcp/443",
		verdict: "dropped", paths: 1, droppedLeg: "reply", droppedAt: "aws_network_acl.public", droppedDir: "ingress", droppedBy: "implicit"},
	// The plan narrows the egress return rule to 443: the replies meet
	// the implicit deny, which they did not before.
	{name: "plan-breaks-it", fixture: "trace-update-breaks", from: "203.0.113.7", to: "aws_instance.web", port: "tcp/443",
		verdict: "dropped", paths: 1, droppedLeg: "reply", droppedAt: "aws_network_acl.public", droppedDir: "egress", droppedBy: "implicit", change: "breaks"},
	{name: "before-plan-breaks-it", fixture: "trace-update-breaks", from: "203.0.113.7", to: "aws_instance.web", port: "tcp/443", before: true,
		verdict: "delivered", paths: 1},
	// The prior state returns only Linux's range; the plan widens it to
	// 1024-65535.
	{name: "plan-fixes-it", fixture: "update-fixes-return", from: "203.0.113.7", to: "10.0.1.10", port: "tcp/443",
		verdict: "delivered", paths: 1, change: "fixes"},
	// An echo request from the internet: the public NACL lets only ICMP
	// 3:4 in from outside the VPC.
	// Cross-stack: the app plan's instance sits in the network stack's app
	// subnet, whose NACL (known only from the network state) has no
	// egress back to the load-balancer subnet. Without --context the
	// instance's subnet is unknown and there is nothing to trace.
	{name: "context-reply-dropped", fixture: "cross-stack/app", from: "10.0.1.20", to: "aws_instance.api", port: "tcp/8080",
		context: []string{"fixtures/cross-stack/network/state.json"},
		verdict: "dropped", paths: 1, droppedLeg: "reply", droppedAt: "aws_network_acl.app (fixtures/cross-stack/network/state.json)", droppedDir: "egress", droppedBy: "implicit"},
	// IKE sends from and to udp/500 on both sides (RFC 7296 2.11): the
	// NACL's udp/500 rules both ways carry the requests and the replies,
	// which go to port 500, not to an ephemeral port.
	{name: "fixed-port-ike-delivered", fixture: "vpn-ike-fixed-ports", from: "198.51.100.10", to: "10.0.1.10", port: "udp/500",
		verdict: "delivered", paths: 1},
	{name: "icmp-echo-dropped", fixture: "trace-three-tier", from: "203.0.113.7", to: "aws_lb.web", port: "icmp/8",
		verdict: "dropped", paths: 1, droppedLeg: "request", droppedAt: "aws_network_acl.public", droppedDir: "ingress", droppedBy: "implicit"},
}

func TestTraceFixtures(t *testing.T) {
	t.Chdir("..")
	for _, tc := range traceCases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"trace", "--from", tc.from, "--to", tc.to, "--port", tc.port}
			if tc.before {
				args = append(args, "--before")
			}
			for _, c := range tc.context {
				args = append(args, "--context", c)
			}
			args = append(args, filepath.ToSlash(filepath.Join("fixtures", tc.fixture, "plan.json")))
			wantCode := ExitOK
			if tc.verdict == "dropped" {
				wantCode = ExitFindings
			}
			outputs := map[string]string{}
			for _, format := range []string{"text", "json", "markdown"} {
				r := run(testOptions, "", append([]string{"trace", "--format", format}, args[1:]...)...)
				if r.code != wantCode || r.stderr != "" {
					t.Fatalf("%s: exit %d (want %d), stderr %q", format, r.code, wantCode, r.stderr)
				}
				outputs[format] = r.stdout
			}
			golden.Check(t, filepath.Join("cli", "testdata", "trace", tc.name+".txt"), outputs["text"])
			golden.Check(t, filepath.Join("cli", "testdata", "trace", tc.name+".json"), outputs["json"])
			golden.Check(t, filepath.Join("cli", "testdata", "trace", tc.name+".md"), outputs["markdown"])

			var out traceJSON
			if err := json.Unmarshal([]byte(outputs["json"]), &out); err != nil {
				t.Fatal(err)
			}
			if out.Verdict != tc.verdict || len(out.Paths) != tc.paths || out.Change != tc.change {
				t.Fatalf("verdict %q, %d paths, change %q; want %q, %d, %q", out.Verdict, len(out.Paths), out.Change, tc.verdict, tc.paths, tc.change)
			}
			for i, p := range out.Paths {
				leg, hop := firstDrop(p)
				if tc.droppedLeg == "" {
					if leg != "" {
						t.Errorf("path %d: dropped on the %s leg at %s %s", i, leg, hop.Resource, hop.Direction)
					}
					continue
				}
				by := "implicit"
				if hop.Rule != nil {
					by = hop.Rule.Address
				}
				if leg != tc.droppedLeg || hop.Resource != tc.droppedAt || hop.Direction != tc.droppedDir || by != tc.droppedBy {
					t.Errorf("path %d: first drop on the %s leg at %s %s by %s; want the %s leg at %s %s by %s",
						i, leg, hop.Resource, hop.Direction, by, tc.droppedLeg, tc.droppedAt, tc.droppedDir, tc.droppedBy)
				}
			}
		})
	}
}

type traceJSON struct {
	Verdict string          `json:"verdict"`
	Change  string          `json:"change"`
	Paths   []tracePathJSON `json:"paths"`
}

type tracePathJSON struct {
	Verdict string       `json:"verdict"`
	Request traceLegJSON `json:"request"`
	Reply   traceLegJSON `json:"reply"`
}

type traceLegJSON struct {
	Verdict string         `json:"verdict"`
	Hops    []traceHopJSON `json:"hops"`
	Clients []struct {
		Client       string  `json:"client"`
		FailingShare float64 `json:"failing_share"`
	} `json:"clients"`
}

type traceHopJSON struct {
	Resource  string `json:"resource"`
	Direction string `json:"direction"`
	Decision  string `json:"decision"`
	Reached   bool   `json:"reached"`
	Rule      *struct {
		Address string `json:"address"`
	} `json:"rule"`
}

// firstDrop is the leg and hop where a path's packet is first dropped,
// or a reply leg that drops some client ports; "" when delivered.
func firstDrop(p tracePathJSON) (string, traceHopJSON) {
	for _, leg := range []struct {
		name string
		l    traceLegJSON
	}{{"request", p.Request}, {"reply", p.Reply}} {
		for _, h := range leg.l.Hops {
			if h.Decision == "deny" && h.Reached {
				return leg.name, h
			}
		}
		for _, h := range leg.l.Hops {
			if h.Decision == "deny" {
				return leg.name, h
			}
		}
		if leg.l.Verdict == "dropped" {
			return leg.name, traceHopJSON{}
		}
	}
	return "", traceHopJSON{}
}

func TestTraceErrors(t *testing.T) {
	t.Chdir("..")
	const plan = "fixtures/trace-three-tier/plan.json"
	for _, tc := range []struct {
		name     string
		args     []string
		contains string
	}{
		{"unknown workload", []string{"--from", "aws_instance.ap", "--to", "aws_lb.web", "--port", "tcp/443", plan},
			`"aws_instance.ap" is neither an IP address nor the address of a workload in the plan (did you mean aws_instance.app`},
		{"unknown far off", []string{"--from", "aws_vpc.main", "--to", "aws_lb.web", "--port", "tcp/443", plan},
			`"aws_vpc.main" is neither an IP address nor the address of a workload in the plan`},
		{"workload outside the plan's subnets", []string{"--from", "10.0.1.20", "--to", "aws_instance.api", "--port", "tcp/8080", "fixtures/cross-stack/app/plan.json"},
			"aws_instance.api is in the plan but cannot be traced: it sits in subnet subnet-1e06bd436c08b46b4, which neither this plan nor a context defines: its NACL is not in this plan: pass the network stack's state with --context"},
		{"no port", []string{"--from", "aws_instance.app", "--to", "aws_lb.web", plan}, "--port is required"},
		{"bad port", []string{"--from", "aws_instance.app", "--to", "aws_lb.web", "--port", "443", plan}, "want PROTO/PORT"},
		{"port out of range", []string{"--from", "aws_instance.app", "--to", "aws_lb.web", "--port", "tcp/70000", plan}, `"70000" is not a port`},
		{"bad protocol", []string{"--from", "aws_instance.app", "--to", "aws_lb.web", "--port", "sctp/9", plan}, `unknown protocol "sctp"`},
		{"families", []string{"--from", "10.0.1.10", "--to", "2001:db8::1", "--port", "tcp/443", plan}, "different address families"},
		{"both outside", []string{"--from", "192.0.2.1", "--to", "198.51.100.1", "--port", "tcp/443", plan}, "neither 192.0.2.1 nor 198.51.100.1 is in a subnet of the plan"},
		{"no plan", []string{"--from", "aws_instance.app", "--to", "aws_lb.web", "--port", "tcp/443"}, "missing PLAN"},
		{"bad format", []string{"--format", "sarif", "--from", "aws_instance.app", "--to", "aws_lb.web", "--port", "tcp/443", plan}, `unknown --format "sarif"`},
		{"before without prior", []string{"--before", "--from", "aws_instance.app", "--to", "aws_lb.web", "--port", "tcp/443", plan}, "no prior state"},
		{"not a plan", []string{"--from", "a", "--to", "b", "--port", "tcp/1", "cli/testdata/not-json.json"}, "cli/testdata/not-json.json"},
		{"plan over the limit", []string{"--max-plan-bytes", "1KiB", "--from", "aws_instance.app", "--to", "aws_lb.web", "--port", "tcp/443", plan},
			"more than the limit of 1 KiB for a plan (raise it with --max-plan-bytes)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantOneLineError(t, run(testOptions, "", append([]string{"trace"}, tc.args...)...), tc.contains)
		})
	}
}

func TestTraceHelp(t *testing.T) {
	for _, args := range [][]string{{"trace", "--help"}, {"help", "trace"}} {
		r := run(testOptions, "", args...)
		if r.code != ExitOK || !strings.HasPrefix(r.stdout, "Usage: returnpath trace --from ENDPOINT --to ENDPOINT --port PROTO/PORT") ||
			!strings.Contains(r.stdout, "--before") || !strings.Contains(r.stdout, "markdown") {
			t.Errorf("%v: exit %d\n%s", args, r.code, r.stdout)
		}
	}
	if r := run(testOptions, "", "help"); !strings.Contains(r.stdout, "returnpath trace --from A --to B --port tcp/443 PLAN") {
		t.Errorf("the usage does not list trace:\n%s", r.stdout)
	}
}
