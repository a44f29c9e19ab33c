package report

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

const suggestion = `resource "aws_network_acl_rule" "public_egress_ephemeral" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 110
  egress         = true
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 1024
  to_port        = 65535
}
`

// sample is the finding of SPEC.md "What a person sees", plus an RP006
// finding without a flow on the same NACL and an RP008 on a rule.
func sample() (*plan.Model, []checks.Finding) {
	nacl := &plan.NACL{
		Address: "aws_network_acl.public",
		Ingress: make([]plan.Entry, 7),
		Egress:  make([]plan.Entry, 3),
	}
	other := &plan.NACL{Address: "aws_network_acl.private", Ingress: make([]plan.Entry, 4)}
	spare := &plan.NACL{Address: "aws_network_acl.spare"}
	m := &plan.Model{
		Info: plan.Info{FormatVersion: "1.2", TerraformVersion: "1.11.4", Resources: 42},
		Planned: &plan.Network{
			NACLs:   []*plan.NACL{nacl, other, spare},
			Subnets: make([]*plan.Subnet, 2),
		},
	}
	subnets := []checks.SubnetRef{
		{Address: `aws_subnet.public["a"]`, CIDR: "10.0.1.0/24"},
		{Address: `aws_subnet.public["b"]`, CIDR: "10.0.2.0/24"},
	}
	findings := []checks.Finding{
		{
			Rule: "RP008", Severity: checks.Warning, Resource: "aws_network_acl_rule.legacy", Status: checks.Existing,
			Message: "network_acl_id comes from a data source: the rule cannot be linked to a NACL",
		},
		{
			Rule: "RP006", Severity: checks.Warning, Resource: "aws_network_acl.public", Status: checks.New,
			Message: "inline ingress blocks and aws_network_acl_rule.extra both manage this NACL", Subnets: subnets,
		},
		{
			Rule: "RP001", Severity: checks.Error, Resource: "aws_network_acl.public", Status: checks.New,
			Message: "inbound tcp/443 from 0.0.0.0/0 is allowed (ingress rule 100), but replies are dropped: egress to 0.0.0.0/0 misses tcp 1024-65535 (implicit deny)",
			Subnets: subnets,
			Flow: &checks.Flow{
				Direction:    plan.Ingress,
				Leg:          checks.ReplyLeg,
				Family:       plan.IPv4,
				Protocol:     plan.ProtocolTCP,
				PeerCIDR:     netip.MustParsePrefix("0.0.0.0/0"),
				ServicePorts: plan.PortRange{Lo: 443, Hi: 443},
				ClientPorts:  plan.BroadEphemeral,
				MissingPorts: []plan.PortRange{plan.BroadEphemeral},
				IntentRule:   checks.RuleRef{Address: "aws_network_acl.public", Number: 100},
				Witness: checks.Packet{
					Protocol: plan.ProtocolTCP,
					Src:      netip.MustParseAddrPort("10.0.1.10:443"),
					Dst:      netip.MustParseAddrPort("203.0.113.7:49731"),
				},
				FailingShare: 1,
				Suggestion:   suggestion,
			},
		},
	}
	return m, findings
}

func format(t *testing.T, f Formatter, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := f.Format(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestNew(t *testing.T) {
	m, findings := sample()
	before := slices.Clone(findings)
	r := New(m, findings, "-", "v1.2.3")
	if !reflect.DeepEqual(findings, before) {
		t.Error("New reordered the caller's findings")
	}
	want := Summary{Errors: 1, Warnings: 2, NACLs: 3, Rules: 14, Subnets: 2}
	if r.Summary != want {
		t.Errorf("summary = %+v, want %+v", r.Summary, want)
	}
	if r.Plan != (Plan{File: StdinName, FormatVersion: "1.2", TerraformVersion: "1.11.4", Resources: 42}) {
		t.Errorf("plan = %+v", r.Plan)
	}
	var order []string
	for _, f := range r.Findings {
		order = append(order, f.Rule)
	}
	if got := strings.Join(order, " "); got != "RP001 RP006 RP008" {
		t.Errorf("order = %s, want RP001 RP006 RP008 (by resource, then severity)", got)
	}
	if r := New(nil, nil, "plan.json", "dev"); r.Findings == nil || len(r.Findings) != 0 {
		t.Errorf("New(nil, nil) findings = %#v, want empty non-nil", r.Findings)
	}
}

func TestText(t *testing.T) {
	m, findings := sample()
	got := format(t, Text{}, New(m, findings, "plan.json", "test"))
	want := `aws_network_acl.public — subnets aws_subnet.public["a"] 10.0.1.0/24, aws_subnet.public["b"] 10.0.2.0/24
  error RP001  inbound tcp/443 from 0.0.0.0/0 is allowed (ingress rule 100), but replies are dropped: egress to 0.0.0.0/0 misses tcp 1024-65535 (implicit deny)
               e.g. 10.0.1.10:443 → 203.0.113.7:49731 dropped; 100% of Linux clients fail
               fix:
                 resource "aws_network_acl_rule" "public_egress_ephemeral" {
                   network_acl_id = aws_network_acl.public.id
                   rule_number    = 110
                   egress         = true
                   protocol       = "tcp"
                   rule_action    = "allow"
                   cidr_block     = "0.0.0.0/0"
                   from_port      = 1024
                   to_port        = 65535
                 }
  warning RP006  inline ingress blocks and aws_network_acl_rule.extra both manage this NACL

aws_network_acl_rule.legacy
  warning RP008  network_acl_id comes from a data source: the rule cannot be linked to a NACL (already so before this plan)

1 error, 2 warnings — 3 NACLs (14 rules) checked · terraform 1.11.4, 42 resources
`
	if got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "\x1b[") {
		t.Error("colour without Color")
	}
	colored := format(t, Text{Color: true}, New(m, findings, "plan.json", "test"))
	if !strings.Contains(colored, "  "+ansiRed+"error"+ansiReset+" RP001  inbound") ||
		!strings.Contains(colored, ansiYellow+"warning"+ansiReset) {
		t.Errorf("colour labels missing:\n%q", colored)
	}
}

func TestTextDetails(t *testing.T) {
	m, findings := sample()
	fl := findings[2].Flow
	fl.Direction = plan.Egress
	fl.BlockingRule = &checks.RuleRef{Address: "aws_network_acl_rule.deny", Number: 90}
	fl.MissingPorts = []plan.PortRange{{Lo: 1024, Hi: 32767}, {Lo: 61000, Hi: 65535}}
	fl.Witness.Src = netip.AddrPort{}
	fl.FailingShare = 0.002
	fl.Suggestion = ""
	unassociated := checks.Finding{Rule: "RP001", Severity: checks.Notice, Resource: "module.m[0].aws_network_acl.x[\"a.b\"]", Status: checks.New, Message: "m"}
	got := format(t, Text{}, New(m, append(findings[2:], unassociated), "plan.json", "test"))
	for _, want := range []string{
		"e.g. the reply to 203.0.113.7:49731 dropped; <1% of Linux clients fail\n",
		"module.m[0].aws_network_acl.x[\"a.b\"] — not associated with any subnet\n  notice RP001  m\n",
		"1 error, 0 warnings, 1 notice — 3 NACLs (14 rules) checked",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "fix:") {
		t.Errorf("fix: without a suggestion:\n%s", got)
	}
}

func TestTextClean(t *testing.T) {
	m, _ := sample()
	if got := format(t, Text{}, New(m, nil, "plan.json", "test")); got != "no return-path problems in 3 NACLs\n" {
		t.Errorf("clean text = %q", got)
	}
	m.Planned.NACLs = m.Planned.NACLs[:1]
	if got := format(t, Text{}, New(m, nil, "plan.json", "test")); got != "no return-path problems in 1 NACL\n" {
		t.Errorf("clean text = %q", got)
	}
}

func TestJSON(t *testing.T) {
	m, findings := sample()
	r := New(m, findings, "plan.json", "test")
	got := format(t, JSON{}, r)
	if again := format(t, JSON{}, r); again != got {
		t.Error("JSON output is not deterministic")
	}
	var doc struct {
		Version  string
		Plan     map[string]any
		Summary  map[string]int
		Findings []map[string]any
	}
	if err := json.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "test" || doc.Plan["file"] != "plan.json" || doc.Plan["terraform_version"] != "1.11.4" || doc.Summary["rules"] != 14 {
		t.Errorf("header: %s", got)
	}
	flow := doc.Findings[0]
	wantFlow := map[string]any{
		"rule": "RP001", "severity": "error", "resource": "aws_network_acl.public", "status": "new",
		"direction": "ingress", "leg": "reply", "family": "ipv4", "protocol": "tcp", "peer_cidr": "0.0.0.0/0",
		"service_ports": "443", "client_ports": "1024-65535", "missing_ports": []any{"1024-65535"},
		"intent_rule":   map[string]any{"address": "aws_network_acl.public", "number": 100.0},
		"blocking_rule": "implicit deny",
		"witness":       map[string]any{"protocol": "tcp", "src": "10.0.1.10:443", "dst": "203.0.113.7:49731"},
		"failing_share": 1.0, "suggestion": suggestion,
		"subnets": []any{
			map[string]any{"address": `aws_subnet.public["a"]`, "cidr": "10.0.1.0/24"},
			map[string]any{"address": `aws_subnet.public["b"]`, "cidr": "10.0.2.0/24"},
		},
	}
	for k, v := range wantFlow {
		if !reflect.DeepEqual(flow[k], v) {
			t.Errorf("finding[0].%s = %#v, want %#v", k, flow[k], v)
		}
	}
	plain := doc.Findings[2]
	if plain["rule"] != "RP008" || plain["status"] != "existing" {
		t.Errorf("finding[2] = %v", plain)
	}
	for _, k := range []string{"direction", "witness", "suggestion", "blocking_rule", "missing_ports"} {
		if _, ok := plain[k]; ok {
			t.Errorf("non-flow finding has %q", k)
		}
	}
	if s, ok := plain["subnets"].([]any); !ok || len(s) != 0 {
		t.Errorf("non-flow finding subnets = %#v, want []", plain["subnets"])
	}

	findings[2].Flow.BlockingRule = &checks.RuleRef{Address: "aws_network_acl.public", Number: 90}
	findings[2].Flow.FailingShare = 2.0 / 3
	got = format(t, JSON{}, New(m, findings[2:], "plan.json", "test"))
	if !strings.Contains(got, `"blocking_rule": {
        "address": "aws_network_acl.public",
        "number": 90
      }`) || !strings.Contains(got, `"failing_share": 0.6667`) {
		t.Errorf("blocking rule / share:\n%s", got)
	}
}

func TestJSONClean(t *testing.T) {
	got := format(t, JSON{}, New(nil, nil, "plan.json", "test"))
	want := `{
  "version": "test",
  "plan": {
    "file": "plan.json",
    "format_version": "",
    "terraform_version": "",
    "resources": 0
  },
  "summary": {
    "errors": 0,
    "warnings": 0,
    "notices": 0,
    "suppressed": 0,
    "nacls": 0,
    "rules": 0,
    "subnets": 0,
    "security_groups": 0
  },
  "findings": []
}
`
	if got != want {
		t.Errorf("clean JSON:\n%s\nwant:\n%s", got, want)
	}
}

// suppressedSample is sample() with the RP001 error and the RP006 warning
// suppressed, and an expired ignore on an unassociated NACL's pattern.
func suppressedSample() (*plan.Model, []checks.Finding) {
	m, findings := sample()
	findings[1].Suppression = &checks.Suppression{Kind: checks.External, Reason: "migration until Q3", Source: ".returnpath.hcl:12"}
	findings[2].Suppression = &checks.Suppression{Kind: checks.InSource, Reason: "legacy VPC", Source: "main.tf:7"}
	findings = append(findings, checks.Finding{
		Rule: checks.ExpiredIgnore, Severity: checks.Warning, Resource: "aws_network_acl.spare", Status: checks.New,
		Message: "the returnpath:ignore comment for RP001 at main.tf:30 expired on 2027-03-31 (reason: spare): RP001 findings on aws_network_acl.spare are reported again; fix them and remove the ignore, or set a later date",
	})
	return m, findings
}

func TestSuppressedCounts(t *testing.T) {
	m, findings := suppressedSample()
	r := New(m, findings, "plan.json", "test")
	want := Summary{Errors: 0, Warnings: 2, Suppressed: 2, NACLs: 3, Rules: 14, Subnets: 2}
	if r.Summary != want {
		t.Errorf("summary = %+v, want %+v", r.Summary, want)
	}
	if len(r.Findings) != 4 {
		t.Errorf("the report dropped suppressed findings: %d", len(r.Findings))
	}
}

func TestTextLeavesSuppressedOut(t *testing.T) {
	m, findings := suppressedSample()
	got := format(t, Text{}, New(m, findings, "plan.json", "test"))
	want := `aws_network_acl.spare
  warning RP009  the returnpath:ignore comment for RP001 at main.tf:30 expired on 2027-03-31 (reason: spare): RP001 findings on aws_network_acl.spare are reported again; fix them and remove the ignore, or set a later date

aws_network_acl_rule.legacy
  warning RP008  network_acl_id comes from a data source: the rule cannot be linked to a NACL (already so before this plan)

0 errors, 2 warnings, 2 suppressed — 3 NACLs (14 rules) checked · terraform 1.11.4, 42 resources
`
	if got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}

	all := []checks.Finding{findings[1], findings[2]}
	got = format(t, Text{}, New(m, all, "plan.json", "test"))
	if want := "no return-path problems in 3 NACLs (2 findings suppressed)\n"; got != want {
		t.Errorf("all suppressed: %q, want %q", got, want)
	}
	got = format(t, Text{}, New(m, all[:1], "plan.json", "test"))
	if want := "no return-path problems in 3 NACLs (1 finding suppressed)\n"; got != want {
		t.Errorf("one suppressed: %q, want %q", got, want)
	}
}

// An expired ignore next to a real finding on an unassociated NACL: the
// header still says the NACL has no subnet.
func TestTextHeaderOfAnUnassociatedNACL(t *testing.T) {
	findings := []checks.Finding{
		{Rule: "RP006", Severity: checks.Warning, Resource: "aws_network_acl.spare", Status: checks.New, Message: "mixed"},
		{Rule: checks.ExpiredIgnore, Severity: checks.Warning, Resource: "aws_network_acl.spare", Status: checks.New, Message: "expired"},
	}
	got := format(t, Text{}, New(nil, findings, "plan.json", "test"))
	if !strings.HasPrefix(got, "aws_network_acl.spare — not associated with any subnet\n") {
		t.Errorf("header:\n%s", got)
	}
}

// RP008 on a NACL lists no subnets, whatever the NACL's are (one with too
// many rules is not evaluated at all): alone, it makes no claim of them.
func TestNoSubnetClaimFromRP008(t *testing.T) {
	findings := []checks.Finding{
		{Rule: checks.Unresolved, Severity: checks.Warning, Resource: "aws_network_acl.big", Status: checks.New, Message: "has 41 ipv4 egress rules, more than the 40 AWS accepts: it is not evaluated"},
	}
	r := New(nil, findings, "plan.json", "test")
	if got := format(t, Text{}, r); !strings.HasPrefix(got, "aws_network_acl.big\n") {
		t.Errorf("text header:\n%s", got)
	}
	if got := format(t, Markdown{}, r); strings.Contains(got, "not associated") {
		t.Errorf("markdown:\n%s", got)
	}
}

func TestJSONSuppressed(t *testing.T) {
	m, findings := suppressedSample()
	got := format(t, JSON{}, New(m, findings, "plan.json", "test"))
	var doc struct {
		Summary  map[string]int
		Findings []map[string]any
	}
	if err := json.Unmarshal([]byte(got), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Summary["suppressed"] != 2 || doc.Summary["errors"] != 0 || doc.Summary["warnings"] != 2 {
		t.Errorf("summary %v", doc.Summary)
	}
	want := map[string]any{
		"RP001": map[string]any{"kind": "inSource", "reason": "legacy VPC", "source": "main.tf:7"},
		"RP006": map[string]any{"kind": "external", "reason": "migration until Q3", "source": ".returnpath.hcl:12"},
	}
	for _, f := range doc.Findings {
		rule := f["rule"].(string)
		s, ok := f["suppressed"]
		if w, suppressed := want[rule]; suppressed != ok || ok && !reflect.DeepEqual(s, w) {
			t.Errorf("%s suppressed = %#v, want %#v", rule, s, w)
		}
	}
	findings[1].Suppression.Kind = 0
	if err := (JSON{}).Format(&bytes.Buffer{}, New(m, findings, "plan.json", "test")); err == nil {
		t.Error("a suppression without a kind was written")
	}
}

// Security groups are counted in the summary line and the clean line, and
// a security group's findings are headed by where its members live.
func TestSecurityGroupsInText(t *testing.T) {
	m, _ := sample()
	m.Planned.SecurityGroups = []*plan.SecurityGroup{{Address: "aws_security_group.a"}, {Address: "aws_security_group.b"}}
	if got := format(t, Text{}, New(m, nil, "plan.json", "test")); got != "no return-path problems in 3 NACLs and 2 security groups\n" {
		t.Errorf("clean text = %q", got)
	}
	findings := []checks.Finding{{
		Rule: "RP005", Severity: checks.Warning, Resource: "aws_security_group.a", Status: checks.New, Message: "opens 1024-65535",
		Subnets: []checks.SubnetRef{{Address: "aws_subnet.web", CIDR: "10.0.1.0/24"}},
	}}
	got := format(t, Text{}, New(m, findings, "plan.json", "test"))
	for _, want := range []string{
		"aws_security_group.a — members in subnet aws_subnet.web 10.0.1.0/24\n",
		"3 NACLs (14 rules), 2 security groups checked",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
	var doc struct{ Summary map[string]int }
	if err := json.Unmarshal([]byte(format(t, JSON{}, New(m, findings, "plan.json", "test"))), &doc); err != nil || doc.Summary["security_groups"] != 2 {
		t.Errorf("JSON summary = %v, %v", doc.Summary, err)
	}
}

// A flow finding built without its leg is a bug, refused like a finding
// without severity.
func TestJSONRefusesFlowWithoutLeg(t *testing.T) {
	m, findings := sample()
	for i := range findings {
		if findings[i].Flow != nil {
			findings[i].Flow.Leg = 0
		}
	}
	if err := (JSON{}).Format(&bytes.Buffer{}, New(m, findings, "plan.json", "test")); err == nil || !strings.Contains(err.Error(), "invalid leg") {
		t.Errorf("error = %v, want an invalid leg", err)
	}
}

func TestFormats(t *testing.T) {
	if got := Names(); !slices.Equal(got, []string{"text", "json", "sarif", "github", "junit", "markdown"}) {
		t.Errorf("Names() = %v", got)
	}
	for _, f := range Formats() {
		if f.Description == "" || f.New == nil || f.New(Options{}) == nil {
			t.Errorf("format %q incomplete", f.Name)
		}
	}
	if f, ok := Lookup("text"); !ok || f.New(Options{Color: true}) != (Text{Color: true}) {
		t.Error("Lookup(text) does not pass options")
	}
	if _, ok := Lookup("xml"); ok {
		t.Error("Lookup(xml) found a format")
	}
}

func TestResourceType(t *testing.T) {
	for addr, want := range map[plan.Address]string{
		"aws_network_acl.public":                          "aws_network_acl",
		`module.net["a.b"].aws_default_network_acl.x[0]`:  "aws_default_network_acl",
		`module.a.module.b.aws_network_acl_rule.r["x.y"]`: "aws_network_acl_rule",
		"data.aws_network_acls.all":                       "aws_network_acls",
	} {
		if got := resourceType(addr); got != want {
			t.Errorf("resourceType(%s) = %q, want %q", addr, got, want)
		}
	}
}

// A witness end in a subnet whose CIDR is unknown until apply has no
// address: the line leaves it out instead of printing an empty side.
func TestWitnessLineWithoutLocalAddress(t *testing.T) {
	peer := netip.MustParseAddrPort("[2001:db8::7]:443")
	for _, c := range []struct {
		pkt  checks.Packet
		want string
	}{
		{checks.Packet{Protocol: plan.ProtocolTCP, Src: peer}, "e.g. [2001:db8::7]:443 → an address of the subnet dropped; 100% of Linux clients fail"},
		{checks.Packet{Protocol: plan.ProtocolTCP, Dst: peer}, "e.g. the reply to [2001:db8::7]:443 dropped; 100% of Linux clients fail"},
		{checks.Packet{Protocol: plan.ProtocolTCP}, "e.g. a tcp packet dropped; 100% of Linux clients fail"},
	} {
		if got := witnessLine(&checks.Flow{Witness: c.pkt, FailingShare: 1}); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	var js struct{ Dst *string }
	if err := json.Unmarshal(mustJSON(t, jsonPacket{Protocol: "tcp", Src: peer.String()}), &js); err != nil || js.Dst != nil {
		t.Errorf("JSON witness without a local address has dst %v (%v)", js.Dst, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The share says what fails: where, when only part of the peer range
// does, and which clients, when no Linux client does.
func TestFailingText(t *testing.T) {
	partial := &checks.Flow{Leg: checks.ReplyLeg, FailingShare: 1, FailingPeers: []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12")}}
	if got, want := failingText(partial), "100% of Linux clients in 172.16.0.0/12 fail"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	windows := &checks.Flow{Leg: checks.ReplyLeg, MissingPorts: []plan.PortRange{{Lo: 61000, Hi: 65535}}}
	if got, want := failingText(windows), "Linux clients are not affected; clients using ports 61000-65535 fail"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
