package cli

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// replanEnv turns the re-plan tests on: they run terraform (init, plan,
// validate, fmt) through the shared tfplan.sh, which takes about a minute
// per fixture on a CI machine, so a plain go test ./... skips them and
// .ci/run sets it where terraform and ../shared/tools are present.
const replanEnv = "RETURNPATH_REPLAN"

// TestFixReplan is the proof that `returnpath fix` fixes: for each kind of
// edit, a broken fixture is copied, fixed, re-planned offline with
// tfplan.sh, and the new plan must have no RP001-RP004 error; the edited
// files must pass terraform fmt -check and terraform validate.
func TestFixReplan(t *testing.T) {
	tfplan := replanTools(t)
	// One plugin cache for the run: the provider is copied once.
	rc, err := mirrorConfig(t.TempDir())
	if err != nil {
		t.Fatalf("terraform validate cannot run: %v", err)
	}
	cases := []struct {
		fixture string
		kind    string // what the fix edits
		want    string // a line the fix must print
	}{
		{"web-missing-return", "inline blocks", "(inline block)"},
		{"for-each-pairing", "a standalone rule", `aws_network_acl_rule.this_egress_ephemeral_b`},
		{"for-each-rule-map", "a for_each map", "in local.web_rules"},
		{"dynamic-blocks", "a dynamic block's list", "a new element of local.egress_rules"},
		{"vpc-module-style", "a module input list", `private_inbound_acl_rules of module "vpc"`},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			t.Parallel()
			dir := copyFixture(t, c.fixture)
			before := brokenPaths(t, filepath.Join(dir, "plan.json"))
			if len(before) == 0 {
				t.Fatalf("%s: no RP001-RP004 error to fix", c.fixture)
			}
			r := run(Options{Version: "test", Now: testOptions.Now}, "", "fix", filepath.Join(dir, "plan.json"))
			if r.code != ExitOK {
				t.Fatalf("fix: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, c.want) {
				t.Errorf("fix (%s) did not print %q:\n%s", c.kind, c.want, r.stdout)
			}
			terraform(t, dir, "fmt", "-check", "-recursive", "-diff")

			out, err := exec.Command(tfplan, dir).CombinedOutput()
			if err != nil {
				t.Fatalf("tfplan.sh: %v\n%s", err, out)
			}
			after := brokenPaths(t, filepath.Join(dir, "plan.json"))
			if len(after) > 0 {
				t.Errorf("after fix and re-plan, still broken:\n%s\nfix printed:\n%s", strings.Join(after, "\n"), r.stdout)
			}
			validate(t, dir, rc)
			t.Logf("%s (%s): before %d RP001-RP004 errors:\n%s\nfix:\n%safter: %d", c.fixture, c.kind, len(before), strings.Join(before, "\n"), r.stdout, len(after))
		})
	}
}

// replanTools finds tfplan.sh and terraform, or skips the test saying why.
func replanTools(t *testing.T) string {
	t.Helper()
	if os.Getenv(replanEnv) == "" {
		t.Skipf("re-plan tests skipped: set %s=1 to run them (they need terraform on PATH and ../shared/tools/tfplan.sh; .ci/run sets it when both are there)", replanEnv)
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Skip("re-plan tests skipped: terraform is not on PATH")
	}
	tfplan := findTFPlan()
	if tfplan == "" {
		t.Skip("re-plan tests skipped: no shared/tools/tfplan.sh beside the repository or a parent of it")
	}
	return tfplan
}

// findTFPlan looks for shared/tools/tfplan.sh beside the repository (CI
// lays shared/ beside the clone) or beside one of its parents (a worktree
// in a subdirectory).
func findTFPlan() string {
	dir, err := filepath.Abs("..")
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(filepath.Dir(dir), "shared", "tools", "tfplan.sh")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
		dir = filepath.Dir(dir)
	}
}

// copyFixture copies a fixture's configuration and plan into a fresh
// repository (a directory with .git) without its reports.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("..", "fixtures", name)
	dst := t.TempDir()
	if err := os.Mkdir(filepath.Join(dst, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasPrefix(d.Name(), "report.") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// brokenPaths are the RP001-RP004 errors of a plan.
func brokenPaths(t *testing.T, planFile string) []string {
	t.Helper()
	m, err := plan.Load(planFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range checks.Run(m, checks.DefaultConfig()) {
		switch f.Rule {
		case "RP001", "RP002", "RP003", "RP004":
			if f.Severity == checks.Error {
				out = append(out, fmt.Sprintf("  %s %s %s", f.Rule, f.Resource, f.Message))
			}
		}
	}
	return out
}

func terraform(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("terraform", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

// validate runs terraform validate, after an init from the provider
// mirror tfplan.sh uses (rc: see mirrorConfig).
func validate(t *testing.T, dir, rc string) {
	t.Helper()
	cmd := func(args ...string) {
		c := exec.Command("terraform", args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
			"TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE=1")
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	cmd("init", "-input=false", "-no-color", "-backend=false")
	cmd("validate", "-no-color")
}

// mirrorConfig writes, into dir, a terraform CLI configuration that
// installs the AWS provider from the machine's filesystem mirror, as
// tfplan.sh does, with a plugin cache in dir.
func mirrorConfig(dir string) (string, error) {
	bin := os.Getenv("TF_AWS_PROVIDER")
	if bin == "" {
		out, _ := exec.Command("find", "/opt", "/usr", "/root", "/home", "-name", "terraform-provider-aws_v*", "-print", "-quit").Output()
		bin = strings.TrimSpace(string(out))
	}
	i := strings.Index(bin, "/registry.terraform.io/")
	if i < 0 {
		return "", fmt.Errorf("no terraform-provider-aws binary found (set TF_AWS_PROVIDER)")
	}
	cache := filepath.Join(dir, "cache")
	if err := os.Mkdir(cache, 0o755); err != nil {
		return "", err
	}
	rc := filepath.Join(dir, "cli.tfrc")
	text := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct { exclude = ["registry.terraform.io/hashicorp/aws"] }
}
plugin_cache_dir = %q
`, bin[:i], cache)
	return rc, os.WriteFile(rc, []byte(text), 0o644)
}
