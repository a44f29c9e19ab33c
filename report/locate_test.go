package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

// sampleConfig is a configuration for sample()'s findings: the public
// NACL writes ingress rule 100 inline (line 4), the legacy rule is a
// resource (line 11) and module "remote" is not on disk (line 14).
const sampleConfig = `# sample configuration

resource "aws_network_acl" "public" {
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
  }
}

resource "aws_network_acl_rule" "legacy" {
}

module "remote" {
  source = "terraform-aws-modules/vpc/aws"
}
`

// sampleIndex indexes sampleConfig, written as infra/main.tf under a
// repository root; locations are relative to that root.
func sampleIndex(t *testing.T) *source.Index {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "infra")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(sampleConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	return source.Load(dir, root)
}

func TestLocate(t *testing.T) {
	m, findings := sample()
	flow := findings[2]
	standaloneIntent := flow
	standaloneIntent.Flow = &checks.Flow{Direction: plan.Ingress, IntentRule: checks.RuleRef{Address: "aws_network_acl_rule.https_in", Number: 100}}
	egressIntent := flow
	egressIntent.Flow = &checks.Flow{Direction: plan.Egress, IntentRule: checks.RuleRef{Address: "aws_network_acl.public", Number: 100}}
	inModule := checks.Finding{Rule: "RP006", Severity: checks.Warning, Resource: "module.remote.aws_network_acl.private[0]", Status: checks.New}
	unknown := checks.Finding{Rule: "RP006", Severity: checks.Warning, Resource: "aws_network_acl.gone", Status: checks.New}

	tests := []struct {
		name string
		f    checks.Finding
		want string
	}{
		{"flow: the inline block of the intent rule", flow, "infra/main.tf:4"},
		{"no flow: the resource block", findings[1], "infra/main.tf:3"},
		{"another resource type", findings[0], "infra/main.tf:11"},
		{"intent in a standalone rule: the NACL", standaloneIntent, "infra/main.tf:3"},
		{"no inline block of that direction: the NACL", egressIntent, "infra/main.tf:3"},
		{"module not on disk: its module block", inModule, "infra/main.tf:14"},
		{"not in the configuration", unknown, ""},
	}
	ix := sampleIndex(t)
	for _, tc := range tests {
		r := New(m, []checks.Finding{tc.f}, "plan.json", "test")
		r.Locate(ix)
		if got := r.Findings[0].Location.String(); got != tc.want {
			t.Errorf("%s: location %q, want %q", tc.name, got, tc.want)
		}
	}

	r := New(m, findings, "plan.json", "test")
	r.Locate(nil)
	for _, f := range r.Findings {
		if f.Location.IsValid() {
			t.Errorf("no configuration, yet %s is at %s", f.Rule, f.Location)
		}
	}
}

// located is sample()'s report with locations from sampleConfig.
func located(t *testing.T) *Report {
	t.Helper()
	m, findings := sample()
	r := New(m, findings, "plan.json", "test")
	r.Locate(sampleIndex(t))
	return r
}

func TestTextLocation(t *testing.T) {
	got := format(t, Text{}, located(t))
	for _, want := range []string{
		// after the dropped packet, before the fix
		"dropped; 100% of Linux clients fail\n               infra/main.tf:4\n               fix:\n",
		// after the message of a finding without a flow
		"both manage this NACL\n                 infra/main.tf:3\n",
		"(already so before this plan)\n                 infra/main.tf:11\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
}

func TestJSONLocation(t *testing.T) {
	r := located(t)
	r.Findings[0].Location = source.Location{}
	got := format(t, JSON{}, r)
	if !strings.Contains(got, `"resource": "aws_network_acl.public",
      "status"`) {
		t.Errorf("a finding without a location has a location field:\n%s", got)
	}
	if !strings.Contains(got, `"resource": "aws_network_acl.public",
      "location": {
        "file": "infra/main.tf",
        "line": 3
      },`) {
		t.Errorf("location missing:\n%s", got)
	}
}
