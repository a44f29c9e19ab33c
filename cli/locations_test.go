package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
)

// repoWithConfig makes a repository (a directory with .git) holding
// infra/main.tf, where aws_network_acl.a starts on line 3, and returns its
// root.
func repoWithConfig(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, dir := range []string{".git", "infra", "elsewhere"} {
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tf := "# infra\n\nresource \"aws_network_acl\" \"a\" {\n}\n"
	if err := os.WriteFile(filepath.Join(root, "infra", "main.tf"), []byte(tf), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// location reads the location of the first finding of a JSON report.
func location(t *testing.T, report string) string {
	t.Helper()
	var doc struct {
		Findings []struct {
			Location *struct {
				File string
				Line int
			}
		}
	}
	if err := json.Unmarshal([]byte(report), &doc); err != nil || len(doc.Findings) == 0 {
		t.Fatalf("%v:\n%s", err, report)
	}
	if l := doc.Findings[0].Location; l != nil {
		return l.File + ":" + strconv.Itoa(l.Line)
	}
	return ""
}

func TestLocations(t *testing.T) {
	root := repoWithConfig(t)
	o := fake(finding("RP001", checks.Error, checks.New))
	o.repoRoot = nil // the real one: the directory with .git

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the plan's directory", []string{filepath.Join(root, "infra", "plan.json")}, "infra/main.tf:3"},
		{"--chdir", []string{"--chdir", filepath.Join(root, "infra"), filepath.Join(root, "elsewhere", "plan.json")}, "infra/main.tf:3"},
		{"--chdir without configuration", []string{"--chdir", filepath.Join(root, "elsewhere"), filepath.Join(root, "infra", "plan.json")}, ""},
		{"stdin and --chdir", []string{"--chdir", filepath.Join(root, "infra"), "-"}, "infra/main.tf:3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(o, "", append([]string{"check", "--format", "json"}, tc.args...)...)
			if r.code != ExitFindings || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			if got := location(t, r.stdout); got != tc.want {
				t.Errorf("location %q, want %q", got, tc.want)
			}
		})
	}

	// The current directory when the plan's directory has no .tf files.
	t.Chdir(filepath.Join(root, "infra"))
	r := run(o, "", "check", "--format", "json", filepath.Join(root, "elsewhere", "plan.json"))
	if got := location(t, r.stdout); got != "infra/main.tf:3" {
		t.Errorf("from the current directory: location %q", got)
	}
}

// TestSARIFPlanFallback: a finding that the configuration does not locate
// points at the plan file, relative to the repository root.
func TestSARIFPlanFallback(t *testing.T) {
	root := repoWithConfig(t)
	o := fake(finding("RP001", checks.Error, checks.New))
	o.repoRoot = nil
	r := run(o, "", "check", "--format", "sarif", "--chdir", filepath.Join(root, "elsewhere"), filepath.Join(root, "infra", "plan.json"))
	if !strings.Contains(r.stdout, `"uri": "infra/plan.json"`) || strings.Contains(r.stdout, root) {
		t.Errorf("SARIF without configuration:\n%s", r.stdout)
	}
	// A plan outside the repository: no uri to point at.
	outside := filepath.Join(filepath.Dir(root), "outside-"+filepath.Base(root)+".json")
	if err := os.WriteFile(outside, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(outside) })
	r = run(o, "", "check", "--format", "sarif", "--chdir", filepath.Join(root, "elsewhere"), outside)
	if r.code == ExitError || strings.Contains(r.stdout, `"uri": "`) && strings.Contains(r.stdout, "outside-") {
		t.Errorf("SARIF of a plan outside the repository:\n%s%s", r.stdout, r.stderr)
	}
}

func TestSuppressedFindings(t *testing.T) {
	suppressed := finding("RP001", checks.Error, checks.New)
	suppressed.Suppression = &checks.Suppression{Kind: checks.External, Reason: "accepted"}
	o := fake(suppressed, finding("RP006", checks.Warning, checks.New))
	for _, format := range []string{"text", "json", "sarif", "github", "junit"} {
		r := run(o, "", "check", "--format", format, "plan.json")
		if r.code != ExitOK || r.stderr != "" {
			t.Errorf("%s: a suppressed error gives exit %d, stderr %q", format, r.code, r.stderr)
		}
	}
	if r := run(o, "", "check", "--format", "github", "plan.json"); strings.Contains(r.stdout, "::error") {
		t.Errorf("a suppressed error is annotated:\n%s", r.stdout)
	}
	if r := run(o, "", "check", "--fail-on", "warning", "plan.json"); r.code != ExitFindings {
		t.Errorf("--fail-on warning with an unsuppressed warning: exit %d", r.code)
	}
}

// TestFixtureLocations pins the file and line of findings on fixtures with
// modules, count, for_each and dynamic blocks, checked by hand against
// their .tf files (the golden files would follow any change).
func TestFixtureLocations(t *testing.T) {
	t.Chdir("..")
	// Each finding's expected place is given by the text of its line
	// (the first line of the file that reads so), checked by hand, so that
	// comments added above a block do not make the test lie.
	type place struct{ rule, file, line string }
	for fixture, want := range map[string][]place{
		// the inline blocks of the intent rules: ingress 100, egress 100;
		// RP007 on the NACL
		"web-missing-return": {
			{"RP001", "fixtures/web-missing-return/main.tf", `ingress {`},
			{"RP002", "fixtures/web-missing-return/main.tf", `egress {`},
			{"RP007", "fixtures/web-missing-return/main.tf", `resource "aws_network_acl" "public" {`},
		},
		// module with count = 2, standalone rules: the module's NACL block
		"module-count": {
			{"RP001", "fixtures/module-count/modules/net/main.tf", `resource "aws_network_acl" "this" {`},
			{"RP007", "fixtures/module-count/modules/net/main.tf", `resource "aws_network_acl" "this" {`},
			{"RP007", "fixtures/module-count/modules/net/main.tf", `resource "aws_network_acl" "this" {`},
		},
		// module with for_each
		"module-for-each": {
			{"RP001", "fixtures/module-for-each/modules/tier/main.tf", `resource "aws_network_acl" "this" {`},
			{"RP007", "fixtures/module-for-each/modules/tier/main.tf", `resource "aws_network_acl" "this" {`},
			{"RP007", "fixtures/module-for-each/modules/tier/main.tf", `resource "aws_network_acl" "this" {`},
		},
		// NACL with count = 2 (the [1] instance)
		"count-index-pairing": {
			{"RP001", "fixtures/count-index-pairing/main.tf", `resource "aws_network_acl" "this" {`},
			{"RP007", "fixtures/count-index-pairing/main.tf", `resource "aws_network_acl" "this" {`},
			{"RP007", "fixtures/count-index-pairing/main.tf", `resource "aws_network_acl" "this" {`},
		},
		// nested count-gated NACLs in a local copy of terraform-aws-modules/vpc
		"vpc-module-style": {
			{"RP002", "fixtures/vpc-module-style/modules/vpc/main.tf", `resource "aws_network_acl" "private" {`},
			{"RP007", "fixtures/vpc-module-style/modules/vpc/main.tf", `resource "aws_network_acl" "private" {`},
			{"RP007", "fixtures/vpc-module-style/modules/vpc/main.tf", `resource "aws_network_acl" "public" {`},
		},
		// both intents are written by one dynamic "ingress" block
		"dynamic-blocks": {
			{"RP001", "fixtures/dynamic-blocks/main.tf", `dynamic "ingress" {`},
			{"RP001", "fixtures/dynamic-blocks/main.tf", `dynamic "ingress" {`},
			{"RP007", "fixtures/dynamic-blocks/main.tf", `resource "aws_network_acl" "web" {`},
		},
		// RP008 on a standalone rule: its own block
		"unlinkable-rule": {
			{"RP007", "fixtures/unlinkable-rule/main.tf", `resource "aws_network_acl" "public" {`},
			{"RP008", "fixtures/unlinkable-rule/main.tf", `resource "aws_network_acl_rule" "legacy" {`},
		},
	} {
		var wantLocs []string
		for _, p := range want {
			data, err := os.ReadFile(p.file)
			if err != nil {
				t.Fatal(err)
			}
			line := slices.IndexFunc(strings.Split(string(data), "\n"), func(l string) bool { return strings.TrimSpace(l) == p.line })
			if line < 0 {
				t.Fatalf("%s: no line %q in %s", fixture, p.line, p.file)
			}
			wantLocs = append(wantLocs, p.rule+" "+p.file+":"+strconv.Itoa(line+1))
		}
		r := run(testOptions, "", "check", "--format", "json", "fixtures/"+fixture+"/plan.json")
		var doc struct {
			Findings []struct {
				Rule     string
				Location struct {
					File string
					Line int
				}
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%s: %v", fixture, err)
		}
		var got []string
		for _, f := range doc.Findings {
			got = append(got, f.Rule+" "+f.Location.File+":"+strconv.Itoa(f.Location.Line))
		}
		slices.Sort(got)
		slices.Sort(wantLocs)
		if !slices.Equal(got, wantLocs) {
			t.Errorf("%s: locations\n %v\nwant\n %v", fixture, got, wantLocs)
		}
	}
}

// TestNothingOutsideTheRepository: a module whose source leaves the
// repository is not read; its resources are located at the module block,
// a notice says why, and no format shows an absolute path.
func TestNothingOutsideTheRepository(t *testing.T) {
	top := t.TempDir()
	root := filepath.Join(top, "repo")
	files := map[string]string{
		"repo/infra/main.tf": "module \"net\" {\n  source = \"../../shared\"\n}\n",
		"shared/main.tf":     "# returnpath:ignore RP001 said outside the repository\nresource \"aws_network_acl\" \"a\" {\n}\n",
	}
	for _, dir := range []string{"repo/.git", "repo/infra", "shared"} {
		if err := os.MkdirAll(filepath.Join(top, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(top, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := finding("RP001", checks.Error, checks.New)
	f.Resource = "module.net.aws_network_acl.a"
	o := fake(f)
	o.repoRoot = nil
	t.Chdir(root) // the plan's name, as given, is in the reports
	for _, format := range []string{"json", "sarif", "text", "github", "junit", "markdown"} {
		r := run(o, "", "check", "--format", format, "infra/plan.json")
		if r.code != ExitFindings || r.stderr != "" {
			t.Fatalf("%s: exit %d (the ignore outside the repository must not apply), stderr %q", format, r.code, r.stderr)
		}
		if strings.Contains(r.stdout, top) || strings.Contains(r.stdout, "shared/main.tf") {
			t.Errorf("%s shows a path outside the repository:\n%s", format, r.stdout)
		}
		if !strings.Contains(r.stdout, "../../shared") || !strings.Contains(r.stdout, "is outside the repository: it is not read") {
			t.Errorf("%s does not say why the module was not read:\n%s", format, r.stdout)
		}
	}
	r := run(o, "", "check", "--format", "json", "infra/plan.json")
	var doc struct {
		Findings []struct {
			Rule, Resource, Severity string
			Location                 *struct {
				File string
				Line int
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range doc.Findings {
		where := ""
		if f.Location != nil {
			where = f.Location.File + ":" + strconv.Itoa(f.Location.Line)
		}
		got = append(got, f.Rule+" "+f.Severity+" "+f.Resource+" "+where)
	}
	want := []string{"RP008 notice module.net ", "RP001 error module.net.aws_network_acl.a infra/main.tf:1"}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}
