package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var fixOptions = Options{Version: "test", Now: testOptions.Now}

func TestFixDryRunChangesNothing(t *testing.T) {
	dir := copyFixture(t, "web-missing-return")
	before, _ := os.ReadFile(filepath.Join(dir, "main.tf"))
	r := run(fixOptions, "", "fix", "--dry-run", filepath.Join(dir, "plan.json"))
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "--- a/main.tf\n+++ b/main.tf\n") {
		t.Errorf("stdout is not a diff with paths relative to the repository root:\n%s", r.stdout)
	}
	for _, want := range []string{"+  egress {\n+    rule_no    = 110\n", "+  ingress {\n+    rule_no    = 110\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "2 would be fixed, 0 not fixed") {
		t.Errorf("stderr: %s", r.stderr)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "main.tf"))
	if string(after) != string(before) {
		t.Error("--dry-run changed main.tf")
	}
}

func TestFixWrites(t *testing.T) {
	dir := copyFixture(t, "web-missing-return")
	r := run(fixOptions, "", "fix", filepath.Join(dir, "plan.json"))
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"fixed RP001 aws_network_acl.public: egress rule 110", "fixed RP002 aws_network_acl.public: ingress rule 110", "wrote main.tf\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	got, _ := os.ReadFile(filepath.Join(dir, "main.tf"))
	if strings.Count(string(got), "from_port  = 1024") != 2 {
		t.Errorf("main.tf:\n%s", got)
	}
}

func TestFixListsWhatItCannotFix(t *testing.T) {
	dir := copyFixture(t, "module-count")
	r := run(fixOptions, "", "fix", filepath.Join(dir, "plan.json"))
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d: %s%s", r.code, ExitFindings, r.stdout, r.stderr)
	}
	for _, want := range []string{"not fixed RP001 module.net[1].aws_network_acl.this:", "module.net[0].aws_network_acl.this", "add by hand:", "0 fixed, 1 not fixed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestFixNothingToFix(t *testing.T) {
	dir := copyFixture(t, "web-ok")
	r := run(fixOptions, "", "fix", filepath.Join(dir, "plan.json"))
	if r.code != ExitOK || !strings.Contains(r.stdout, "nothing to fix") {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestFixInputErrors(t *testing.T) {
	dir := copyFixture(t, "web-missing-return")
	wantOneLineError(t, run(fixOptions, "", "fix"), "missing PLAN")
	wantOneLineError(t, run(fixOptions, "", "fix", "--bogus", filepath.Join(dir, "plan.json")), "bogus")
	wantOneLineError(t, run(fixOptions, "", "fix", filepath.Join(dir, "nope.json")), "nope.json")
	if err := os.WriteFile(filepath.Join(dir, "broken.tf"), []byte("resource \"x\" {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, run(fixOptions, "", "fix", filepath.Join(dir, "plan.json")), "broken.tf")
}
