package report

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// The part of Mermaid's flowchart grammar the diagrams use, line by line.
var (
	mermaidLabelRE = `"(?:[^"<>|` + "`" + `\n]|<br/>)*"`
	mermaidNodeRE  = regexp.MustCompile(`^ +(n\d+)\[` + mermaidLabelRE + `\]$`)
	mermaidSubRE   = regexp.MustCompile(`^ +subgraph (s\d+)\[` + mermaidLabelRE + `\]$`)
	mermaidEdgeRE  = regexp.MustCompile(`^ +(n\d+) (-->|-\.->)\|` + mermaidLabelRE + `\| (n\d+)$`)
	mermaidClassRE = regexp.MustCompile(`^ +class (n\d+(?:,n\d+)*) drop$`)
	mermaidLinkRE  = regexp.MustCompile(`^ +linkStyle (\d+) stroke:#[0-9a-f]{3,6},stroke-width:\dpx$`)
	mermaidDefRE   = regexp.MustCompile(`^ +classDef drop fill:#[0-9a-f]{6},stroke:#[0-9a-f]{3,6},color:#[0-9a-f]{3}$`)
	mermaidEntity  = regexp.MustCompile(`#([a-z]+|\d+);`)
)

// validMermaid checks a diagram against that grammar: every line is one
// of its forms, subgraphs are closed and not nested, nodes are declared
// once and before nothing refers to them that is not declared, each
// linkStyle names an edge, entities are ones Mermaid knows.
func validMermaid(d string) error {
	lines := strings.Split(strings.TrimSuffix(d, "\n"), "\n")
	if lines[0] != "flowchart LR" {
		return fmt.Errorf("line 1 is %q, want flowchart LR", lines[0])
	}
	declared := map[string]bool{}
	var edges int
	var refs, styled []string
	inSubgraph := false
	for i, l := range lines[1:] {
		n := i + 2
		switch {
		case mermaidNodeRE.MatchString(l):
			id := mermaidNodeRE.FindStringSubmatch(l)[1]
			if declared[id] {
				return fmt.Errorf("line %d declares %s again", n, id)
			}
			declared[id] = true
		case mermaidSubRE.MatchString(l):
			if inSubgraph {
				return fmt.Errorf("line %d nests a subgraph", n)
			}
			inSubgraph = true
		case strings.TrimSpace(l) == "end":
			if !inSubgraph {
				return fmt.Errorf("line %d ends no subgraph", n)
			}
			inSubgraph = false
		case mermaidEdgeRE.MatchString(l):
			m := mermaidEdgeRE.FindStringSubmatch(l)
			refs = append(refs, m[1], m[3])
			edges++
		case mermaidDefRE.MatchString(l):
		case mermaidClassRE.MatchString(l):
			refs = append(refs, strings.Split(mermaidClassRE.FindStringSubmatch(l)[1], ",")...)
		case mermaidLinkRE.MatchString(l):
			styled = append(styled, mermaidLinkRE.FindStringSubmatch(l)[1])
		default:
			return fmt.Errorf("line %d is not in the grammar: %q", n, l)
		}
		for _, m := range mermaidEntity.FindAllStringSubmatch(l, -1) {
			if _, err := strconv.Atoi(m[1]); err != nil && !strings.Contains("quot lt gt amp", m[1]) {
				return fmt.Errorf("line %d: unknown entity #%s;", n, m[1])
			}
		}
	}
	if inSubgraph {
		return fmt.Errorf("a subgraph is not closed")
	}
	for _, r := range refs {
		if !declared[r] {
			return fmt.Errorf("%s is used but not declared", r)
		}
	}
	for _, s := range styled {
		if i, _ := strconv.Atoi(s); i >= edges {
			return fmt.Errorf("linkStyle %d: there are %d edges", i, edges)
		}
	}
	return nil
}

// TestMermaidGrammar draws the witness path of every flow finding of every
// fixture and checks each diagram against the grammar, and so the
// diagrams committed in goldens.
func TestMermaidGrammar(t *testing.T) {
	plans, _ := filepath.Glob("../fixtures/*/plan.json")
	if len(plans) == 0 {
		t.Fatal("no fixtures")
	}
	drawn := 0
	for _, file := range plans {
		m, err := plan.Load(file, nil)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		r := New(m, checks.Run(m, checks.DefaultConfig()), file, "test")
		for _, f := range r.Findings {
			tr := r.WitnessTrace(f)
			if tr == nil {
				continue
			}
			drawn++
			if err := validMermaid(Mermaid(tr)); err != nil {
				t.Errorf("%s %s %s: %v\n%s", file, f.Rule, f.Resource, err, Mermaid(tr))
			}
		}
	}
	if drawn == 0 {
		t.Fatal("no diagram drawn")
	}
	goldens, _ := filepath.Glob("../fixtures/*/report.md")
	more, _ := filepath.Glob("../cli/testdata/*/*.md")
	more2, _ := filepath.Glob("../cli/testdata/*.md")
	blocks := 0
	for _, g := range append(append(goldens, more...), more2...) {
		data, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range mermaidBlocks(string(data)) {
			blocks++
			if err := validMermaid(d); err != nil {
				t.Errorf("%s: %v\n%s", g, err, d)
			}
		}
	}
	if blocks == 0 {
		t.Error("no golden holds a mermaid block")
	}
	t.Logf("%d diagrams drawn, %d in goldens", drawn, blocks)
}

// mermaidBlocks are the contents of the ```mermaid blocks of a markdown
// text.
func mermaidBlocks(md string) []string {
	var out []string
	for {
		i := strings.Index(md, "```mermaid\n")
		if i < 0 {
			return out
		}
		md = md[i+len("```mermaid\n"):]
		j := strings.Index(md, "\n```")
		if j < 0 {
			return append(out, md)
		}
		out = append(out, md[:j+1])
		md = md[j+4:]
	}
}

// TestMermaidEscapesAddresses: a for_each key may hold anything; no
// address can end a label, open markup or break the line.
func TestMermaidEscapesAddresses(t *testing.T) {
	hostile := `aws_instance.x["a\"]|<script>#1;` + "`\n" + `end"]`
	subnet := &plan.Subnet{Address: plan.Address(`aws_subnet.s["|x"]`), IPv4: netip.MustParsePrefix("10.0.1.0/24")}
	nacl := &plan.NACL{Address: `aws_network_acl.n["<b>"]`, Subnets: []*plan.Subnet{subnet}}
	subnet.NACL = nacl
	w := &plan.Workload{Address: plan.Address(hostile), Kind: plan.Instance, Subnets: []*plan.Subnet{subnet}}
	subnet.Workloads = []*plan.Workload{w}
	n := &plan.Network{Subnets: []*plan.Subnet{subnet}, NACLs: []*plan.NACL{nacl}, Workloads: []*plan.Workload{w}}
	tr, err := checks.TraceNames(n, checks.TraceAsk{From: "203.0.113.7", To: hostile, Protocol: plan.ProtocolTCP, Port: 443}, checks.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	d := Mermaid(tr[0])
	if err := validMermaid(d); err != nil {
		t.Fatalf("%v\n%s", err, d)
	}
	for _, want := range []string{`aws_instance.x[#quot;a\#quot;]#124;#lt;script#gt;#35;1;#96; end#quot;]`, `NACL<br/>aws_network_acl.n[#quot;#lt;b#gt;#quot;]`} {
		if !strings.Contains(d, want) {
			t.Errorf("the diagram lacks %s:\n%s", want, d)
		}
	}
}

// TestMermaidMarksTheDrop: the dropping hop and the arrow into it are red,
// and a leg ends there.
func TestMermaidMarksTheDrop(t *testing.T) {
	subnet := &plan.Subnet{Address: "aws_subnet.web", IPv4: netip.MustParsePrefix("10.0.1.0/24")}
	nacl := &plan.NACL{Address: "aws_network_acl.web", Subnets: []*plan.Subnet{subnet},
		Ingress: []plan.Entry{{Number: 100, Direction: plan.Ingress, Allow: true, Protocol: plan.ProtocolTCP, Prefix: netip.MustParsePrefix("0.0.0.0/0"), Ports: plan.PortRange{Lo: 443, Hi: 443}, ICMP: plan.AnyICMP, Source: "aws_network_acl.web"}}}
	subnet.NACL = nacl
	n := &plan.Network{Subnets: []*plan.Subnet{subnet}, NACLs: []*plan.NACL{nacl}}
	tr, err := checks.TraceNames(n, checks.TraceAsk{From: "203.0.113.7", To: "10.0.1.10", Protocol: plan.ProtocolTCP, Port: 443}, checks.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	got := Mermaid(tr[0])
	want := `flowchart LR
  n0["203.0.113.7<br/>outside the plan"]
  subgraph s0["aws_subnet.web 10.0.1.0/24"]
    n1["10.0.1.10"]
    n2["NACL<br/>aws_network_acl.web"]
  end
  n0 -->|"tcp/443 ✓ ingress rule 100"| n2
  n2 -->|"delivered"| n1
  n1 -.->|"reply ✗ egress: implicit deny"| n2
  classDef drop fill:#ffe5e5,stroke:#d00,color:#900
  class n2 drop
  linkStyle 2 stroke:#d00,stroke-width:3px
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	for _, bad := range []string{"flowchart TD\n", "flowchart LR\n  n0[\"a\"]\n  n0 --> n1\n", "flowchart LR\n  subgraph s0[\"x\"]\n", "flowchart LR\n  n0[\"a<b>\"]\n",
		"flowchart LR\n  n0[\"a\"]\n  n0 -->|\"x\"| n1\n", "flowchart LR\n  n0[\"a\"]\n  linkStyle 0 stroke:#d00,stroke-width:3px\n", "flowchart LR\n  n0[\"#foo;\"]\n"} {
		if validMermaid(bad) == nil {
			t.Errorf("the grammar accepts %q", bad)
		}
	}
}

// TestTraceEveryPair traces every pair of workloads (and the internet) of
// every fixture on a few services: no panic, verdicts consistent with the
// hops, and every diagram in the grammar.
func TestTraceEveryPair(t *testing.T) {
	plans, _ := filepath.Glob("../fixtures/*/plan.json")
	traced := 0
	for _, file := range plans {
		m, err := plan.Load(file, nil)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, n := range []*plan.Network{m.Planned, m.Prior} {
			if n == nil {
				continue
			}
			names := []string{"203.0.113.7"}
			for i, w := range n.Workloads {
				if i == 6 {
					break
				}
				names = append(names, string(w.Address))
			}
			for _, from := range names {
				for _, to := range names {
					if from == to {
						continue
					}
					for _, ask := range []checks.TraceAsk{
						{Protocol: plan.ProtocolTCP, Port: 443}, {Protocol: plan.ProtocolUDP, Port: 53}, {Protocol: plan.ProtocolICMP, ICMP: plan.ICMPMatch{Type: 8}},
					} {
						ask.From, ask.To = from, to
						paths, err := checks.TraceNames(n, ask, checks.DefaultConfig())
						if err != nil {
							continue // both ends outside the plan, or families apart
						}
						for _, p := range paths {
							traced++
							if (p.Request.DroppedAt >= 0 || p.Reply.DroppedAt >= 0) && p.Delivered() {
								t.Errorf("%s %s → %s %s: a hop drops the packet, yet delivered", file, from, to, p.Service())
							}
							if err := validMermaid(Mermaid(p)); err != nil {
								t.Errorf("%s %s → %s: %v", file, from, to, err)
							}
						}
					}
				}
			}
		}
	}
	if traced == 0 {
		t.Fatal("nothing traced")
	}
	t.Logf("%d paths traced", traced)
}
