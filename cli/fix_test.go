package cli

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
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

// With --context, fix sees what check sees with it: the network stack's
// NACLs break the replies of the app stack's instances. It fixes them in
// the plan's own configuration, and lists a fix that belongs to a NACL of
// the context (another stack's files) with its HCL, unwritten.
func TestFixWithContext(t *testing.T) {
	network := copyFixture(t, "cross-stack/network-change")
	appState, _ := filepath.Abs(filepath.Join("..", "fixtures", "cross-stack", "app", "state.json"))
	if r := run(fixOptions, "", "fix", "--dry-run", filepath.Join(network, "plan.json")); r.code != ExitOK || !strings.Contains(r.stdout, "nothing to fix") {
		t.Errorf("without the context: exit %d, stdout %q, want nothing to fix", r.code, r.stdout)
	}
	r := run(fixOptions, "", "fix", "--context", appState, filepath.Join(network, "plan.json"))
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"fixed RP003 aws_network_acl.app: egress rule 110", "fixed RP003 aws_network_acl.web: aws_network_acl_rule.web_ingress_tcp_443", "wrote main.tf\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}

	app := copyFixture(t, "cross-stack/app")
	networkState, _ := filepath.Abs(filepath.Join("..", "fixtures", "cross-stack", "network", "state.json"))
	before, _ := os.ReadFile(filepath.Join(app, "main.tf"))
	r = run(fixOptions, "", "fix", "--context", networkState, filepath.Join(app, "plan.json"))
	if r.code != ExitFindings {
		t.Fatalf("a fix in the context's NACL: exit %d, want %d: %s%s", r.code, ExitFindings, r.stdout, r.stderr)
	}
	for _, want := range []string{"not fixed RP003 aws_network_acl.app (", "another stack: add the rule to that stack's configuration", "add by hand:", "egress {", "0 fixed, 1 not fixed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(app, "main.tf")); string(after) != string(before) {
		t.Error("the app stack's main.tf was edited for a NACL of the network stack")
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

// TestSARIFFixesAreTheFixEdits applies the fixes of the SARIF results of a
// fixture to its main.tf, as a SARIF viewer would: the result must be the
// file `returnpath fix` writes.
func TestSARIFFixesAreTheFixEdits(t *testing.T) {
	dir := copyFixture(t, "web-missing-return")
	planFile := filepath.Join(dir, "plan.json")
	r := run(fixOptions, "", "check", "--format", "sarif", planFile)
	if r.code != ExitFindings {
		t.Fatalf("check: exit %d: %s", r.code, r.stderr)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Fixes []struct {
					ArtifactChanges []struct {
						ArtifactLocation struct{ URI string }
						Replacements     []struct {
							DeletedRegion   struct{ ByteOffset, ByteLength int }
							InsertedContent struct{ Text string }
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatal(err)
	}
	type replacement struct {
		offset, length int
		text           string
	}
	var reps []replacement
	for _, res := range log.Runs[0].Results {
		for _, f := range res.Fixes {
			for _, c := range f.ArtifactChanges {
				if c.ArtifactLocation.URI != "main.tf" {
					t.Errorf("fix of %s", c.ArtifactLocation.URI)
				}
				for _, rp := range c.Replacements {
					reps = append(reps, replacement{rp.DeletedRegion.ByteOffset, rp.DeletedRegion.ByteLength, rp.InsertedContent.Text})
				}
			}
		}
	}
	if len(reps) != 2 {
		t.Fatalf("%d replacements, want 2 (RP001 and RP002)", len(reps))
	}
	slices.SortFunc(reps, func(a, b replacement) int { return b.offset - a.offset })
	src, _ := os.ReadFile(filepath.Join(dir, "main.tf"))
	text := string(src)
	for _, rp := range reps {
		text = text[:rp.offset] + rp.text + text[rp.offset+rp.length:]
	}
	if fx := run(fixOptions, "", "fix", planFile); fx.code != ExitOK {
		t.Fatalf("fix: exit %d: %s", fx.code, fx.stderr)
	}
	written, _ := os.ReadFile(filepath.Join(dir, "main.tf"))
	if text != string(written) {
		t.Errorf("SARIF fixes give:\n%s\nfix wrote:\n%s", text, written)
	}
}

// TestFixHelp: the help of fix, and docs/fix.md documents every flag.
func TestFixHelp(t *testing.T) {
	for _, args := range [][]string{{"help", "fix"}, {"fix", "--help"}} {
		r := run(fixOptions, "", args...)
		if r.code != ExitOK || !strings.HasPrefix(r.stdout, "Usage: returnpath fix [flags] PLAN") {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
	data, err := os.ReadFile("../docs/fix.md")
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := fixFlags()
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(string(data), "--"+f.Name) {
			t.Errorf("docs/fix.md does not document fix --%s", f.Name)
		}
	})
}
