package fix

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// repo writes files into a new repository (a directory with .git).
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// nacl builds a NACL whose standalone rules are written by sources (one
// ingress rule each), or with one inline rule when sources is empty and
// inline is set.
func nacl(addr string, inline bool, sources ...string) *plan.NACL {
	n := &plan.NACL{Address: plan.Address(addr)}
	if inline {
		n.Ingress = append(n.Ingress, plan.Entry{Number: 100, Direction: plan.Ingress, Allow: true, Inline: true, Source: n.Address})
	}
	for _, s := range sources {
		n.Ingress = append(n.Ingress, plan.Entry{Number: 100, Direction: plan.Ingress, Allow: true, Source: plan.Address(s)})
	}
	return n
}

// egressFix is the usual fix: allow tcp 1024-65535 to 0.0.0.0/0 out.
func egressFix(n *plan.NACL, number int, name string) Request {
	inline := len(n.Ingress) > 0 && n.Ingress[0].Inline
	return Request{
		Finding: checks.Finding{Rule: "RP001", Severity: checks.Error, Resource: n.Address},
		Rule: &Rule{
			NACL: n, Direction: plan.Egress, Family: plan.IPv4, Inline: inline, Protocol: plan.ProtocolTCP,
			Prefix: netip.MustParsePrefix("0.0.0.0/0"), Ports: plan.PortRange{Lo: 1024, Hi: 65535},
			Number: number, Name: name, HCL: "# the rule by hand",
		},
	}
}

func applyAll(t *testing.T, root string, reqs []Request, nacls ...*plan.NACL) *Result {
	t.Helper()
	res, err := Apply(reqs, nacls, Options{Dir: root, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func after(t *testing.T, res *Result, rel string) string {
	t.Helper()
	for _, c := range res.Changes {
		if c.Rel == rel {
			return string(c.After)
		}
	}
	t.Fatalf("%s not changed; changes: %v, unfixed: %+v", rel, res.Changes, res.Unfixed)
	return ""
}

func TestInlineBlockAfterItsDirection(t *testing.T) {
	root := repo(t, map[string]string{"main.tf": `resource "aws_network_acl" "web" {
  vpc_id = "vpc-1" # the VPC

  # HTTPS in
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 443
    to_port    = 443
  }

  egress {
    protocol   = "tcp"
    rule_no    = 100
    action     = "allow"
    cidr_block = "10.0.0.0/16"
    from_port  = 0
    to_port    = 65535
  } # to the VPC

  tags = { Name = "web" }
}
`})
	n := nacl("aws_network_acl.web", true)
	res := applyAll(t, root, []Request{egressFix(n, 110, "web_egress_ephemeral")}, n)
	want := `resource "aws_network_acl" "web" {
  vpc_id = "vpc-1" # the VPC

  # HTTPS in
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 443
    to_port    = 443
  }

  egress {
    protocol   = "tcp"
    rule_no    = 100
    action     = "allow"
    cidr_block = "10.0.0.0/16"
    from_port  = 0
    to_port    = 65535
  } # to the VPC

  egress {
    protocol   = "tcp"
    rule_no    = 110
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 1024
    to_port    = 65535
  }

  tags = { Name = "web" }
}
`
	if got := after(t, res, "main.tf"); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if len(res.Fixed) != 1 || res.Fixed[0].At != "main.tf:23" {
		t.Errorf("fixed = %+v, want one at main.tf:23", res.Fixed)
	}
	wantAlone(t, res, 0)
}

// wantAlone checks that the edits of fix i, applied alone to the files as
// they were read, give the files as Apply changed them (one fix, nothing
// else reformatted).
func wantAlone(t *testing.T, res *Result, i int) {
	t.Helper()
	edits := res.Fixed[i].Edits
	if len(edits) == 0 {
		t.Fatalf("fix %d has no edits", i)
	}
	for _, c := range res.Changes {
		src := string(c.Before)
		// Apply from the last edit back, so offsets stay true.
		for j := len(edits) - 1; j >= 0; j-- {
			e := edits[j]
			if e.File != c.Rel {
				continue
			}
			lines := strings.SplitAfter(src, "\n")
			off := func(p Pos) int {
				n := 0
				for _, l := range lines[:p.Line-1] {
					n += len(l)
				}
				return n + p.Column - 1
			}
			if off(e.Start) != e.Start.Byte || off(e.End) != e.End.Byte {
				t.Errorf("edit %+v: line/column and byte offset disagree", e)
			}
			src = src[:e.Start.Byte] + e.Text + src[e.End.Byte:]
		}
		if src != string(c.After) {
			t.Errorf("%s with fix %d's edits alone:\n%s\nwant:\n%s", c.Rel, i, src, c.After)
		}
	}
}

func TestStandaloneAfterSiblingsWithTheirReference(t *testing.T) {
	root := repo(t, map[string]string{
		"main.tf": `resource "aws_network_acl" "this" {
  count  = 2
  vpc_id = "vpc-1"
}
`,
		"rules.tf": `resource "aws_network_acl_rule" "https_in" {
  count          = 2
  network_acl_id = aws_network_acl.this[count.index].id
  rule_number    = 100
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 443
  to_port        = 443
}

# an unrelated rule that takes the name the fix would use
resource "aws_network_acl_rule" "this_egress_ephemeral_1" {
  network_acl_id = "acl-other"
  rule_number    = 1
  egress         = false
  protocol       = "tcp"
  rule_action    = "deny"
  cidr_block     = "192.0.2.0/24"
  from_port      = 0
  to_port        = 0
}
`,
	})
	n0 := nacl("aws_network_acl.this[0]", false, "aws_network_acl_rule.https_in[0]")
	n1 := nacl("aws_network_acl.this[1]", false, "aws_network_acl_rule.https_in[1]")
	res := applyAll(t, root, []Request{egressFix(n1, 110, "this_egress_ephemeral")}, n0, n1)
	got := after(t, res, "rules.tf")
	wantBlock := `  to_port        = 443
}

resource "aws_network_acl_rule" "this_egress_ephemeral_1_2" {
  network_acl_id = aws_network_acl.this[1].id
  rule_number    = 110
  egress         = true
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 1024
  to_port        = 65535
}

# an unrelated rule`
	if !strings.Contains(got, wantBlock) {
		t.Errorf("rules.tf:\n%s\nwant it to contain:\n%s", got, wantBlock)
	}
}

func TestNoSiblingReferencesTheNACL(t *testing.T) {
	root := repo(t, map[string]string{"main.tf": `resource "aws_network_acl" "web" {
  vpc_id = "vpc-1"
}
`})
	n := nacl("aws_network_acl.web", false)
	res := applyAll(t, root, []Request{egressFix(n, 100, "web_egress_ephemeral")}, n)
	if got := after(t, res, "main.tf"); !strings.Contains(got, "}\n\nresource \"aws_network_acl_rule\" \"web_egress_ephemeral\" {\n  network_acl_id = aws_network_acl.web.id\n") {
		t.Errorf("main.tf:\n%s", got)
	}
}

const forEachRules = `resource "aws_network_acl_rule" "web" {
  for_each = local.rules

  network_acl_id = aws_network_acl.web.id
  rule_number    = each.value.rule_number
  egress         = lookup(each.value, "egress", false)
  protocol       = each.value["protocol"]
  rule_action    = "allow"
  cidr_block     = each.value.cidr
  from_port      = each.value.from_port
  to_port        = try(each.value.to_port, each.value.from_port)
}
`

func TestForEachMapGetsAnEntry(t *testing.T) {
	root := repo(t, map[string]string{"main.tf": `locals {
  # every rule of the web NACL
  rules = {
    https_in = { rule_number = 100, protocol = "tcp", cidr = "0.0.0.0/0", from_port = 443 }
  }
}

resource "aws_network_acl" "web" {
  vpc_id = "vpc-1"
}

` + forEachRules})
	n := nacl("aws_network_acl.web", false, `aws_network_acl_rule.web["https_in"]`)
	res := applyAll(t, root, []Request{egressFix(n, 110, "web_egress_ephemeral")}, n)
	// The file was formatted: it stays so, "=" aligned as terraform fmt does.
	want := `    https_in             = { rule_number = 100, protocol = "tcp", cidr = "0.0.0.0/0", from_port = 443 }
    web_egress_ephemeral = { rule_number = 110, protocol = "tcp", cidr = "0.0.0.0/0", from_port = 1024, egress = true, to_port = 65535 }
  }`
	if got := after(t, res, "main.tf"); !strings.Contains(got, want) {
		t.Errorf("main.tf:\n%s\nwant it to contain:\n%s", got, want)
	}
}

const vpcModule = `variable "outbound_acl_rules" {
  type = list(map(string))
}

resource "aws_network_acl" "private" {
  count  = 1
  vpc_id = "vpc-1"
}

resource "aws_network_acl_rule" "outbound" {
  count = length(var.outbound_acl_rules)

  network_acl_id = aws_network_acl.private[0].id
  egress         = true
  rule_number    = var.outbound_acl_rules[count.index]["rule_number"]
  rule_action    = var.outbound_acl_rules[count.index]["rule_action"]
  protocol       = var.outbound_acl_rules[count.index]["protocol"]
  from_port      = lookup(var.outbound_acl_rules[count.index], "from_port", null)
  to_port        = lookup(var.outbound_acl_rules[count.index], "to_port", null)
  icmp_type      = lookup(var.outbound_acl_rules[count.index], "icmp_type", null)
  cidr_block     = lookup(var.outbound_acl_rules[count.index], "cidr_block", null)
}
`

func TestModuleInputListGetsAnElement(t *testing.T) {
	root := repo(t, map[string]string{
		"main.tf": `module "vpc" {
  source = "./modules/vpc"

  outbound_acl_rules = [
    {
      rule_number = 100
      rule_action = "allow"
      protocol    = "tcp"
      from_port   = 443
      to_port     = 443
      cidr_block  = "0.0.0.0/0"
    }
  ]
}
`,
		"modules/vpc/main.tf": vpcModule,
	})
	n := nacl("module.vpc.aws_network_acl.private[0]", false)
	n.Egress = []plan.Entry{{Number: 100, Direction: plan.Egress, Allow: true, Source: "module.vpc.aws_network_acl_rule.outbound[0]"}}
	res := applyAll(t, root, []Request{egressFix(n, 110, "private_egress_ephemeral")}, n)
	want := `      cidr_block  = "0.0.0.0/0"
    },
    {
      rule_number = 110
      rule_action = "allow"
      protocol    = "tcp"
      from_port   = 1024
      to_port     = 65535
      cidr_block  = "0.0.0.0/0"
    }
  ]`
	if got := after(t, res, "main.tf"); !strings.Contains(got, want) {
		t.Errorf("main.tf:\n%s\nwant it to contain:\n%s", got, want)
	}
	if len(res.Changes) != 1 {
		t.Errorf("changed %d files, want only main.tf", len(res.Changes))
	}
	wantAlone(t, res, 0) // the comma and the element: one edit
}

func TestVariableWithoutLiteralIsNotFixable(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"no default": {
			"main.tf": `variable "rules" {
  type = map(any)
}
resource "aws_network_acl" "web" {
  vpc_id = "vpc-1"
}
` + strings.ReplaceAll(forEachRules, "local.rules", "var.rules"),
		},
		"set in terraform.tfvars": {
			"main.tf": `variable "rules" {
  type    = map(any)
  default = {}
}
resource "aws_network_acl" "web" {
  vpc_id = "vpc-1"
}
` + strings.ReplaceAll(forEachRules, "local.rules", "var.rules"),
			"terraform.tfvars": "rules = {}\n",
		},
		"built by an expression": {
			"main.tf": `locals {
  rules = merge({}, {})
}
resource "aws_network_acl" "web" {
  vpc_id = "vpc-1"
}
` + forEachRules,
		},
	} {
		t.Run(name, func(t *testing.T) {
			root := repo(t, files)
			n := nacl("aws_network_acl.web", false, `aws_network_acl_rule.web["x"]`)
			res := applyAll(t, root, []Request{egressFix(n, 110, "web_egress_ephemeral")}, n)
			if len(res.Fixed) != 0 || len(res.Changes) != 0 || len(res.Unfixed) != 1 {
				t.Fatalf("fixed %+v, changes %d, unfixed %+v: want one unfixed and no change", res.Fixed, len(res.Changes), res.Unfixed)
			}
			u := res.Unfixed[0]
			if !strings.Contains(u.HCL, "rule_number = 110") || !strings.Contains(u.HCL, "# add to") {
				t.Errorf("HCL by hand = %q", u.HCL)
			}
			t.Log(u.Reason)
		})
	}
}

func TestSharedModuleInstances(t *testing.T) {
	files := map[string]string{
		"main.tf": `module "net" {
  source = "./modules/net"
  count  = 2
}
`,
		"modules/net/main.tf": `resource "aws_network_acl" "this" {
  vpc_id = "vpc-1"
}

resource "aws_network_acl_rule" "in" {
  network_acl_id = aws_network_acl.this.id
  rule_number    = 100
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 443
  to_port        = 443
}
`,
	}
	n0 := nacl("module.net[0].aws_network_acl.this", false, "module.net[0].aws_network_acl_rule.in")
	n1 := nacl("module.net[1].aws_network_acl.this", false, "module.net[1].aws_network_acl_rule.in")

	t.Run("one instance needs it", func(t *testing.T) {
		res := applyAll(t, repo(t, files), []Request{egressFix(n1, 110, "this_egress_ephemeral")}, n0, n1)
		if len(res.Changes) != 0 || len(res.Unfixed) != 1 || !strings.Contains(res.Unfixed[0].Reason, "module.net[0].aws_network_acl.this") {
			t.Fatalf("changes %d, unfixed %+v", len(res.Changes), res.Unfixed)
		}
	})
	t.Run("every instance needs it", func(t *testing.T) {
		res := applyAll(t, repo(t, files), []Request{egressFix(n0, 110, "this_egress_ephemeral"), egressFix(n1, 110, "this_egress_ephemeral")}, n0, n1)
		if len(res.Fixed) != 2 || len(res.Unfixed) != 0 {
			t.Fatalf("fixed %+v, unfixed %+v", res.Fixed, res.Unfixed)
		}
		if got := after(t, res, "modules/net/main.tf"); strings.Count(got, "rule_number    = 110") != 1 {
			t.Errorf("want one new rule for both instances:\n%s", got)
		}
	})
}

func TestRefusesFilesOutsideTheRepository(t *testing.T) {
	outside := t.TempDir()
	module := `resource "aws_network_acl" "web" {
  vpc_id = "vpc-1"

  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port  = 443
    to_port    = 443
  }
}
`
	if err := os.WriteFile(filepath.Join(outside, "main.tf"), []byte(module), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("module source outside", func(t *testing.T) {
		root := repo(t, map[string]string{"main.tf": "module \"m\" {\n  source = \"../" + filepath.Base(outside) + "\"\n}\n"})
		// The module directory is a sibling of the repository only if
		// both temp dirs share a parent: link it in to be sure.
		rel, err := filepath.Rel(root, outside)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte("module \"m\" {\n  source = \"./"+filepath.ToSlash(rel)+"\"\n}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, root, nacl("module.m.aws_network_acl.web", true), "outside the repository")
	})
	t.Run("symlink out", func(t *testing.T) {
		root := repo(t, nil)
		if err := os.Symlink(filepath.Join(outside, "main.tf"), filepath.Join(root, "main.tf")); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, root, nacl("aws_network_acl.web", true), "outside the repository")
	})
	t.Run("downloaded module in .terraform", func(t *testing.T) {
		root := repo(t, map[string]string{
			"main.tf":                               "module \"m\" {\n  source = \"example/m/aws\"\n}\n",
			".terraform/modules/modules.json":       `{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"m","Source":"example/m/aws","Dir":".terraform/modules/m"}]}`,
			".terraform/modules/m/main.tf":          module,
			".terraform/modules/m/nothing-else.txt": "",
		})
		wantRefused(t, root, nacl("module.m.aws_network_acl.web", true), ".terraform/")
	})
	t.Run("module not downloaded", func(t *testing.T) {
		root := repo(t, map[string]string{"main.tf": "module \"m\" {\n  source = \"example/m/aws\"\n}\n"})
		wantRefused(t, root, nacl("module.m.aws_network_acl.web", true), "not on disk")
	})
	if got, _ := os.ReadFile(filepath.Join(outside, "main.tf")); string(got) != module {
		t.Errorf("the file outside the repository changed:\n%s", got)
	}
}

func wantRefused(t *testing.T, root string, n *plan.NACL, reason string) {
	t.Helper()
	res := applyAll(t, root, []Request{egressFix(n, 110, "web_egress_ephemeral")}, n)
	if len(res.Fixed) != 0 || len(res.Changes) != 0 || len(res.Unfixed) != 1 {
		t.Fatalf("fixed %+v, changes %d, unfixed %+v: want it refused", res.Fixed, len(res.Changes), res.Unfixed)
	}
	if !strings.Contains(res.Unfixed[0].Reason, reason) {
		t.Errorf("reason %q, want it to say %q", res.Unfixed[0].Reason, reason)
	}
	if res.Unfixed[0].HCL == "" {
		t.Error("no HCL to add by hand")
	}
	if err := res.Write(); err != nil {
		t.Errorf("writing no change: %v", err)
	}
}

func TestUnformattedFileKeepsItsLayout(t *testing.T) {
	src := `resource "aws_network_acl" "web" {
  vpc_id="vpc-1"
  ingress {
    rule_no = 100
    action = "allow"
    protocol = "tcp"
    cidr_block = "0.0.0.0/0"
    from_port = 443
    to_port = 443
  }
}
`
	root := repo(t, map[string]string{"main.tf": src})
	n := nacl("aws_network_acl.web", true)
	res := applyAll(t, root, []Request{egressFix(n, 110, "x")}, n)
	got := after(t, res, "main.tf")
	if !strings.HasPrefix(got, src[:strings.LastIndex(src, "  }\n")+4]) {
		t.Errorf("the existing lines changed:\n%s", got)
	}
	if !strings.Contains(got, "  egress {\n    rule_no    = 110\n") {
		t.Errorf("the new block is not formatted:\n%s", got)
	}
}

func TestWriteAndDiff(t *testing.T) {
	root := repo(t, map[string]string{"main.tf": `resource "aws_network_acl" "web" {
  vpc_id = "vpc-1"
}
`})
	n := nacl("aws_network_acl.web", false)
	res := applyAll(t, root, []Request{egressFix(n, 100, "web_egress_ephemeral")}, n)
	diff := res.Diff()
	if !strings.HasPrefix(diff, "--- a/main.tf\n+++ b/main.tf\n@@ -1,3 +1,14 @@\n") || !strings.Contains(diff, "\n+  rule_number    = 100\n") {
		t.Errorf("diff:\n%s", diff)
	}
	before, _ := os.ReadFile(filepath.Join(root, "main.tf"))
	if string(before) != string(res.Changes[0].Before) {
		t.Fatal("Apply wrote to disk")
	}
	if err := res.Write(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(root, "main.tf"))
	if string(got) != string(res.Changes[0].After) {
		t.Errorf("written:\n%s", got)
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.Contains(e.Name(), "returnpath-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	// A file changed on disk since it was read is not overwritten.
	if err := res.Write(); err == nil || !strings.Contains(err.Error(), "changed while") {
		t.Errorf("second write: %v, want a refusal", err)
	}
}

func TestRequests(t *testing.T) {
	n := nacl("aws_network_acl.web", true)
	fx := func(number int) *checks.Fix {
		return &checks.Fix{NACL: n, Direction: plan.Egress, Family: plan.IPv6, Inline: true, Protocol: plan.ProtocolTCP,
			Prefix: netip.MustParsePrefix("::/0"), Peer: netip.MustParsePrefix("::/0"), Ports: plan.PortRange{Lo: 1024, Hi: 65535}, Before: 1, Number: number}
	}
	findings := []checks.Finding{
		{Rule: "RP001", Severity: checks.Error, Resource: n.Address, Fix: fx(110)},
		{Rule: "RP001", Severity: checks.Warning, Resource: n.Address, Fix: fx(120)},
		{Rule: "RP001", Severity: checks.Error, Resource: n.Address, Fix: fx(130), Suppression: &checks.Suppression{Kind: checks.External}},
		{Rule: "RP001", Severity: checks.Error, Resource: n.Address, Fix: fx(0)},
		{Rule: "RP009", Severity: checks.Error, Resource: n.Address},
	}
	reqs := Requests(findings)
	if len(reqs) != 3 || reqs[0].Index != 0 || reqs[1].Index != 3 || reqs[2].Index != 4 {
		t.Fatalf("requests: %+v", reqs)
	}
	r := reqs[0].Rule
	if r == nil || !r.Inline || r.Direction != plan.Egress || r.Number != 110 || r.Family != plan.IPv6 || r.Ports != (plan.PortRange{Lo: 1024, Hi: 65535}) || r.Name != "egress_fix" || !strings.Contains(r.HCL, "rule_no") {
		t.Errorf("rule = %+v", r)
	}
	if reqs[1].Rule != nil || !strings.Contains(reqs[1].Reason, "renumber") {
		t.Errorf("no free number: %+v", reqs[1])
	}
	if reqs[2].Rule != nil || reqs[2].Reason != "the finding has no fix" {
		t.Errorf("no fix: %+v", reqs[2])
	}
}

func TestBadConfigurationIsAnInputError(t *testing.T) {
	root := repo(t, map[string]string{"main.tf": "resource \"aws_network_acl\" \"web\" {\n"})
	n := nacl("aws_network_acl.web", true)
	if _, err := Apply([]Request{egressFix(n, 110, "x")}, []*plan.NACL{n}, Options{Dir: root, Root: root}); err == nil || !strings.Contains(err.Error(), "main.tf") {
		t.Errorf("err = %v, want one naming main.tf", err)
	}
}

func TestStandaloneCopiesTheSiblingsIterationWhenEveryNACLNeedsIt(t *testing.T) {
	files := map[string]string{"main.tf": `resource "aws_network_acl" "this" {
  for_each = toset(["a", "b"])
  vpc_id   = "vpc-1"
}

resource "aws_network_acl_rule" "https_in" {
  for_each = toset(["a", "b"])

  network_acl_id = aws_network_acl.this[each.key].id
  rule_number    = 100
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 443
  to_port        = 443
}
`}
	na := nacl(`aws_network_acl.this["a"]`, false, `aws_network_acl_rule.https_in["a"]`)
	nb := nacl(`aws_network_acl.this["b"]`, false, `aws_network_acl_rule.https_in["b"]`)

	res := applyAll(t, repo(t, files), []Request{egressFix(na, 110, "this_egress_ephemeral"), egressFix(nb, 110, "this_egress_ephemeral")}, na, nb)
	want := `resource "aws_network_acl_rule" "this_egress_ephemeral" {
  for_each       = toset(["a", "b"])
  network_acl_id = aws_network_acl.this[each.key].id
  rule_number    = 110
`
	got := after(t, res, "main.tf")
	if !strings.Contains(got, want) || strings.Count(got, "rule_number    = 110") != 1 || len(res.Fixed) != 2 {
		t.Errorf("both need it: fixed %d\n%s\nwant one resource like:\n%s", len(res.Fixed), got, want)
	}

	res = applyAll(t, repo(t, files), []Request{egressFix(nb, 110, "this_egress_ephemeral")}, na, nb)
	if got := after(t, res, "main.tf"); !strings.Contains(got, `network_acl_id = aws_network_acl.this["b"].id`) || strings.Contains(got, "for_each       = toset") {
		t.Errorf("only b needs it:\n%s", got)
	}
}

func TestEditAsWholeLines(t *testing.T) {
	src := []byte("a {\n  x = [\n    1\n  ]\n}\n")
	for _, c := range []struct {
		name     string
		e        Edit
		from, to int
		lines    string
	}{
		{"insertion between lines shows on the line above", Edit{Start: posAt(src, 18), End: posAt(src, 18), Text: "    2\n"}, 3, 3, "    1\n    2"},
		{"insertion at the top", Edit{Start: posAt(src, 0), End: posAt(src, 0), Text: "# c\n"}, 1, 1, "# c\na {"},
		{"a comma and a line", Edit{Start: posAt(src, 17), End: posAt(src, 18), Text: ",\n    2\n"}, 3, 3, "    1,\n    2"},
	} {
		c.e.wholeLines(src)
		if c.e.From != c.from || c.e.To != c.to || c.e.Lines != c.lines {
			t.Errorf("%s: lines %d-%d %q, want %d-%d %q", c.name, c.e.From, c.e.To, c.e.Lines, c.from, c.to, c.lines)
		}
	}
}

// TestDownloadedModuleInputListGetsAnElement is the registry module's
// case (terraform-aws-modules/vpc's *_outbound_acl_rules): the module is
// read from .terraform/modules (never edited), the literal list is in the
// root module's call, and that is what changes.
func TestDownloadedModuleInputListGetsAnElement(t *testing.T) {
	root := repo(t, map[string]string{
		"main.tf": `module "vpc" {
  source  = "example/vpc/aws"
  version = "5.0.0"

  outbound_acl_rules = [
    { rule_number = 100, rule_action = "allow", protocol = "tcp", from_port = 443, to_port = 443, cidr_block = "0.0.0.0/0" },
  ]
}
`,
		".terraform/modules/modules.json": `{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/example/vpc/aws","Version":"5.0.0","Dir":".terraform/modules/vpc"}]}`,
		".terraform/modules/vpc/main.tf":  vpcModule,
	})
	n := nacl("module.vpc.aws_network_acl.private[0]", false)
	n.Egress = []plan.Entry{{Number: 100, Direction: plan.Egress, Allow: true, Source: "module.vpc.aws_network_acl_rule.outbound[0]"}}
	res := applyAll(t, root, []Request{egressFix(n, 110, "private_egress_ephemeral")}, n)
	want := `    { rule_number = 100, rule_action = "allow", protocol = "tcp", from_port = 443, to_port = 443, cidr_block = "0.0.0.0/0" },
    { rule_number = 110, rule_action = "allow", protocol = "tcp", from_port = 1024, to_port = 65535, cidr_block = "0.0.0.0/0" },
  ]`
	if got := after(t, res, "main.tf"); !strings.Contains(got, want) {
		t.Errorf("main.tf:\n%s\nwant it to contain:\n%s", got, want)
	}
	if len(res.Changes) != 1 {
		t.Errorf("changed %v, want only main.tf", res.Changes)
	}
}
