package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

// stack makes a repository with a Terraform configuration directory
// (infra/, holding main.tf) and returns both; files maps paths relative to
// the repository to contents.
func stack(t *testing.T, files map[string]string) (repo, dir string) {
	t.Helper()
	repo = t.TempDir()
	dir = filepath.Join(repo, "infra")
	for _, d := range []string{filepath.Join(repo, ".git"), dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := files["infra/main.tf"]; !ok {
		files["infra/main.tf"] = "resource \"aws_network_acl\" \"a\" {\n}\n"
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(repo, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return repo, dir
}

type jsonReport struct {
	Summary  map[string]int
	Findings []struct {
		Rule, Severity, Resource string
		Suppressed               *struct{ Kind, Reason, Source string }
	}
}

func decode(t *testing.T, r result) jsonReport {
	t.Helper()
	var doc jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v (exit %d, stderr %q)\n%s", err, r.code, r.stderr, r.stdout)
	}
	return doc
}

// The configuration file is found from the configuration directory (the
// plan's, or --chdir) up to the repository root, and read.
func TestConfigFileIsFound(t *testing.T) {
	repo, dir := stack(t, map[string]string{
		".returnpath.hcl": "rule \"RP001\" { severity = \"warning\" }\n",
	})
	o := fake(finding("RP001", checks.Error, checks.New))
	var got checks.Config
	run0 := o.run
	o.run = func(ctx context.Context, m *plan.Model, cfg checks.Config) ([]checks.Finding, error) {
		got = cfg
		return run0(ctx, m, cfg)
	}

	// The plan's directory holds main.tf: it is the configuration directory.
	planFile := filepath.Join(dir, "plan.json")
	if r := run(o, "", "check", planFile); r.stderr != "" || got.Severity["RP001"] != checks.Warning {
		t.Errorf("config %+v, stderr %q", got, r.stderr)
	}

	// --chdir names the directory; the plan may be anywhere.
	got = checks.Config{}
	if r := run(o, "", "check", "--chdir", dir, "elsewhere.json"); r.stderr != "" || got.Severity["RP001"] != checks.Warning {
		t.Errorf("--chdir: config %+v, stderr %q", got, r.stderr)
	}

	// Outside the repository nothing is found: the defaults apply.
	got = checks.Config{}
	if r := run(o, "", "check", "--chdir", t.TempDir(), "plan.json"); r.stderr != "" || !reflect.DeepEqual(got, checks.DefaultConfig()) {
		t.Errorf("no file: config %+v, stderr %q", got, r.stderr)
	}

	// --config names the file, wherever it is.
	other := filepath.Join(repo, "strict.hcl")
	if err := os.WriteFile(other, []byte("rule \"RP001\" { severity = \"notice\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got = checks.Config{}
	if r := run(o, "", "check", "--config", other, planFile); r.stderr != "" || got.Severity["RP001"] != checks.Notice {
		t.Errorf("--config: config %+v, stderr %q", got, r.stderr)
	}
}

func TestConfigRangesReachTheChecks(t *testing.T) {
	_, dir := stack(t, map[string]string{
		".returnpath.hcl": "client_ranges {\n  default  = [\"32768-60999\", \"49152-65535\"]\n  internet = [\"32768-65535\"]\n}\n",
	})
	o := fake()
	var got checks.Config
	o.run = func(_ context.Context, _ *plan.Model, cfg checks.Config) ([]checks.Finding, error) {
		got = cfg
		return nil, nil
	}
	if r := run(o, "", "check", "--chdir", dir, "plan.json"); r.code != ExitOK {
		t.Fatalf("%+v", r)
	}
	want := plan.PortRange{Lo: 32768, Hi: 65535}
	if got.UnknownClients != want || got.HostClients != want {
		t.Errorf("ranges: unknown %v, hosts %v", got.UnknownClients, got.HostClients)
	}
}

func TestFailOnFromTheConfig(t *testing.T) {
	_, dir := stack(t, map[string]string{".returnpath.hcl": "fail_on = \"warning\"\n"})
	o := fake(finding("RP006", checks.Warning, checks.New))
	for _, tc := range []struct {
		flags []string
		want  int
	}{
		{nil, ExitFindings}, // fail_on = "warning"
		{[]string{"--fail-on", "error"}, ExitOK},
		{[]string{"--fail-on=never"}, ExitOK},
	} {
		args := append([]string{"check", "--chdir", dir}, tc.flags...)
		if r := run(o, "", append(args, "plan.json")...); r.code != tc.want {
			t.Errorf("%q: exit %d, want %d (stderr %q)", tc.flags, r.code, tc.want, r.stderr)
		}
	}
}

// A bad configuration is exit 2 with one line: the hcl diagnostic, file,
// line and column first.
func TestBadConfiguration(t *testing.T) {
	_, dir := stack(t, map[string]string{
		".returnpath.hcl": "client_ranges {\n  internet = [\"1024-70000\"]\n}\n",
		"bad.hcl":         "ignore {\n  rule     = \"RP001\"\n  resource = \"aws_network_acl.a\"\n}\n",
		"syntax.hcl":      "rule \"RP001\" {\n",
	})
	found := filepath.Join(dir, "..", ".returnpath.hcl")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--chdir", dir, "plan.json"},
			"returnpath: " + found + `:2,15-27: Invalid port range; "1024-70000" is not a port range: want "LO-HI" or "PORT", ports 0-65535.` + "\n"},
		{[]string{"check", "--config", filepath.Join(dir, "..", "bad.hcl"), "plan.json"},
			"returnpath: " + filepath.Join(dir, "..", "bad.hcl") + `:1,8-8: Missing required argument; The argument "reason" is required, but no definition was found.` + "\n"},
		{[]string{"check", "--config", filepath.Join(dir, "..", "syntax.hcl"), "plan.json"},
			"returnpath: " + filepath.Join(dir, "..", "syntax.hcl") + `:1,14-15: Unclosed configuration block; There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.` + "\n"},
		{[]string{"check", "--config", filepath.Join(dir, "missing.hcl"), "plan.json"},
			"returnpath: --config " + filepath.Join(dir, "missing.hcl") + ": no such file\n"},
		{[]string{"check", "--config", dir, "plan.json"},
			"returnpath: --config " + dir + ": a directory, not a file\n"},
	} {
		r := run(fake(finding("RP001", checks.Error, checks.New)), "", tc.args...)
		wantOneLineError(t, r, "")
		if r.stderr != tc.want {
			t.Errorf("%q:\n  %s\nwant\n  %s", tc.args, r.stderr, tc.want)
		}
	}
}

// The text of the relative path the user can open from where they are.
func TestConfigDiagnosticPathIsRelative(t *testing.T) {
	repo, _ := stack(t, map[string]string{".returnpath.hcl": "fail_on = \"sometimes\"\n"})
	t.Chdir(filepath.Join(repo, "infra"))
	r := run(fake(), "", "check", "plan.json")
	want := "returnpath: ../.returnpath.hcl:1,11-22: Invalid fail_on; "
	if !strings.HasPrefix(r.stderr, want) {
		t.Errorf("stderr %q, want it to start with %q", r.stderr, want)
	}
}

func TestIgnores(t *testing.T) {
	_, dir := stack(t, map[string]string{
		".returnpath.hcl": `ignore {
  rule     = "RP002"
  resource = "aws_network_acl.*"
  reason   = "proxy"
}
ignore {
  rule     = "RP006"
  resource = "aws_network_acl.a"
  reason   = "migration"
  expires  = "2026-12-31"
}
`,
		"infra/main.tf": "# returnpath:ignore RP001 legacy VPC\nresource \"aws_network_acl\" \"a\" {\n}\n",
	})
	o := fake(
		finding("RP001", checks.Error, checks.New),
		finding("RP002", checks.Error, checks.New),
		finding("RP006", checks.Warning, checks.New),
	)
	o.repoRoot = nil // the real one: ignore comments are named from the repository root
	r := run(o, "", "check", "--format", "json", "--chdir", dir, "plan.json")
	if r.code != ExitOK {
		t.Errorf("suppressed errors decided the exit code: %d (stderr %q)", r.code, r.stderr)
	}
	doc := decode(t, r)
	var got []string
	for _, f := range doc.Findings {
		line := f.Rule
		if s := f.Suppressed; s != nil {
			line += " " + s.Kind + " " + s.Reason + " " + s.Source
		}
		got = append(got, line)
	}
	want := "RP001 inSource legacy VPC infra/main.tf:1 | RP002 external proxy .returnpath.hcl:1 | RP006 external migration .returnpath.hcl:6"
	if strings.Join(got, " | ") != want {
		t.Errorf("findings\n  %s\nwant\n  %s", strings.Join(got, " | "), want)
	}
	if doc.Summary["suppressed"] != 3 || doc.Summary["errors"] != 0 {
		t.Errorf("summary %v", doc.Summary)
	}
	text := run(o, "", "check", "--chdir", dir, "plan.json")
	if text.stdout != "no return-path problems in 1 NACL (3 findings suppressed)\n" {
		t.Errorf("text: %q", text.stdout)
	}

	// --no-ignores reports everything, in the exit code too.
	r = run(o, "", "check", "--format", "json", "--no-ignores", "--chdir", dir, "plan.json")
	doc = decode(t, r)
	if r.code != ExitFindings || doc.Summary["suppressed"] != 0 || doc.Summary["errors"] != 2 || len(doc.Findings) != 3 {
		t.Errorf("--no-ignores: exit %d, summary %v", r.code, doc.Summary)
	}
	for _, f := range doc.Findings {
		if f.Suppressed != nil {
			t.Errorf("--no-ignores: %s suppressed", f.Rule)
		}
	}

	// The clock decides expiry: on 2027-01-01 the RP006 ignore has lapsed.
	later := o
	later.Now = func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }
	r = run(later, "", "check", "--format", "json", "--chdir", dir, "plan.json")
	doc = decode(t, r)
	if doc.Summary["suppressed"] != 2 || doc.Summary["warnings"] != 2 {
		t.Errorf("after expiry: summary %v", doc.Summary)
	}
	last := doc.Findings[len(doc.Findings)-1]
	if last.Rule != checks.ExpiredIgnore || last.Resource != "aws_network_acl.a" || last.Suppressed != nil {
		t.Errorf("after expiry: %+v", doc.Findings)
	}
	// An expired ignore is a warning: --fail-on warning fails on it.
	if r := run(later, "", "check", "--fail-on", "warning", "--chdir", dir, "plan.json"); r.code != ExitFindings {
		t.Errorf("--fail-on warning with an expired ignore: exit %d", r.code)
	}
	// ...and --no-ignores does not report ignores at all.
	r = run(later, "", "check", "--format", "json", "--no-ignores", "--chdir", dir, "plan.json")
	for _, f := range decode(t, r).Findings {
		if f.Rule == checks.ExpiredIgnore {
			t.Error("--no-ignores reported an expired ignore")
		}
	}
}

// A malformed returnpath comment is exit 2 at its place, with or without
// --no-ignores.
func TestBadIgnoreComment(t *testing.T) {
	_, dir := stack(t, map[string]string{
		"infra/main.tf": "resource \"aws_vpc\" \"v\" {\n}\n\n# returnpath:ignore RP001\nresource \"aws_network_acl\" \"a\" {\n}\n",
	})
	o := fake()
	o.repoRoot = nil // the stack's own repository: the .tf files are read only inside it
	for _, flags := range [][]string{nil, {"--no-ignores"}} {
		args := append(append([]string{"check", "--chdir", dir}, flags...), "plan.json")
		r := run(o, "", args...)
		wantOneLineError(t, r, "returnpath: infra/main.tf:4,1-26: Missing reason;")
	}
}

// Options.analyse is the step commands share: given the configuration, it
// applies it (the comment and serve commands reuse it).
func TestAnalyseAppliesTheConfiguration(t *testing.T) {
	_, dir := stack(t, map[string]string{
		".returnpath.hcl": "rule \"RP006\" { enabled = false }\nignore {\n  rule = \"RP001\"\n  resource = \"*\"\n  reason = \"r\"\n}\n",
	})
	o := fake(finding("RP001", checks.Error, checks.New))
	o.Now = testOptions.Now
	o.repoRoot = source.RepoRoot // the stack's own repository (prepare is called directly)
	var got checks.Config
	run0 := o.run
	o.run = func(ctx context.Context, m *plan.Model, cfg checks.Config) ([]checks.Finding, error) {
		got = cfg
		return run0(ctx, m, cfg)
	}
	fs, flags := checkFlags()
	if _, err := parseInterleaved(fs, []string{"--chdir", dir}); err != nil {
		t.Fatal(err)
	}
	a, err := o.prepare(fs, flags.analysisFlags, "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := o.analyse("plan.json", strings.NewReader(""), a)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Disabled["RP006"] || r.Summary.Suppressed != 1 || r.Findings[0].Suppression == nil || exitCode(r, a.failOn) != ExitOK {
		t.Errorf("config %+v, summary %+v", got, r.Summary)
	}
}
