package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// allRules is how diagnostics list the rules (more come with new checks).
func allRules() string { return strings.Join(ruleIDs(), ", ") }

func TestFullConfig(t *testing.T) {
	cfg, err := Load("testdata/full.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.File != "config/testdata/full.hcl" {
		t.Errorf("File %q, want the path from the repository root", cfg.File)
	}
	want := checks.Config{
		UnknownClients: plan.PortRange{Lo: 1024, Hi: 65535},
		HostClients:    plan.PortRange{Lo: 32768, Hi: 65535},
		Severity:       map[string]checks.Severity{"RP006": checks.Notice},
		Disabled:       map[string]bool{"RP008": true},
	}
	if !reflect.DeepEqual(cfg.Checks, want) {
		t.Errorf("checks config %+v, want %+v", cfg.Checks, want)
	}
	if cfg.FailOn != "warning" {
		t.Errorf("fail_on %q", cfg.FailOn)
	}
	wantIgnores := []Ignore{
		{
			Kind: checks.External, Rule: "RP001", Resource: "module.legacy.aws_network_acl.this[*]",
			Reason: "legacy VPC, replaced in Q3", Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC),
			File: "config/testdata/full.hcl", Line: 13,
		},
		{
			Kind: checks.External, Rule: "RP002", Resource: "aws_network_acl.public",
			Reason: "outbound HTTPS goes through the proxy", File: "config/testdata/full.hcl", Line: 20,
		},
	}
	if !reflect.DeepEqual(cfg.Ignores, wantIgnores) {
		t.Errorf("ignores\n%+v\nwant\n%+v", cfg.Ignores, wantIgnores)
	}
}

// Each setting on its own, and what a file leaves out keeps its default.
func TestSettings(t *testing.T) {
	def := checks.DefaultConfig()
	for _, tc := range []struct {
		name, src string
		want      func(*Config)
	}{
		{"empty file", "", func(*Config) {}},
		{"internet only", `client_ranges { internet = ["32768-65535"] }`, func(c *Config) {
			c.Checks.UnknownClients = plan.PortRange{Lo: 32768, Hi: 65535}
		}},
		{"default only, Linux hosts", `client_ranges { default = ["32768-60999"] }`, func(c *Config) {
			c.Checks.HostClients = plan.PortRange{Lo: 32768, Hi: 60999}
		}},
		{"adjacent ranges and a single port join", `client_ranges { internet = ["2000-3000", "1024-1999", "3001"] }`, func(c *Config) {
			c.Checks.UnknownClients = plan.PortRange{Lo: 1024, Hi: 3001}
		}},
		{"a number is a port", `client_ranges { internet = [0, "1-65535"] }`, func(c *Config) {
			c.Checks.UnknownClients = plan.PortRange{Lo: 0, Hi: 65535}
		}},
		{"severity", `rule "RP001" { severity = "warning" }`, func(c *Config) {
			c.Checks.Severity = map[string]checks.Severity{"RP001": checks.Warning}
		}},
		{"enabled = true changes nothing", `rule "RP002" { enabled = true }`, func(*Config) {}},
		{"enabled = false", `rule "RP009" { enabled = false }`, func(c *Config) {
			c.Checks.Disabled = map[string]bool{"RP009": true}
		}},
		{"fail_on never", `fail_on = "never"`, func(c *Config) { c.FailOn = "never" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := Parse([]byte(tc.src), "x.hcl")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			want := &Config{File: "x.hcl", Checks: def}
			tc.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

// Bad configurations are hcl diagnostics at the place of the mistake, as
// hcl formats them: file:line,column-column: summary; detail.
func TestBadConfigs(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"syntax", "rule \"RP001\" {\n  severity = \n}\n",
			`x.hcl:2,14-3,1: Invalid expression; Expected the start of an expression, but found an invalid expression token.`},
		{"unknown attribute", "fail_on = \"error\"\nfial_on = \"x\"\n",
			`x.hcl:2,1-8: Unsupported argument; An argument named "fial_on" is not expected here.`},
		{"unknown block", "ignores {}\n",
			`x.hcl:1,1-8: Unsupported block type; Blocks of type "ignores" are not expected here. Did you mean "ignore"?`},
		{"fail_on", `fail_on = "errors"`,
			`x.hcl:1,11-19: Invalid fail_on; fail_on is "errors"; want "error", "warning", "notice" or "never".`},
		{"fail_on type", `fail_on = ["error"]`,
			`x.hcl:1,11-12: Unsuitable value type; Unsuitable value: string required, but have tuple`},
		{"unknown rule", "\nrule \"RP999\" { severity = \"notice\" }\n",
			`x.hcl:2,6-13: Unknown rule; "RP999" is not a rule returnpath runs; the rules are ` + allRules() + ` (returnpath rules lists them).`},
		{"severity", `rule "RP001" { severity = "fatal" }`,
			`x.hcl:1,27-34: Invalid severity; severity is "fatal"; want "error", "warning" or "notice" (enabled = false turns the rule off).`},
		{"duplicate rule", "rule \"RP001\" { enabled = false }\nrule \"RP001\" { severity = \"notice\" }\n",
			`x.hcl:2,1-13: Duplicate rule block; Rule RP001 is already configured at x.hcl:1.`},
		{"rule without id", `rule { enabled = false }`,
			`x.hcl:1,6-7: Missing id for rule; All rule blocks must have 1 labels (id).`},
		{"range out of bounds", `client_ranges { internet = ["1024-65536"] }`,
			`x.hcl:1,29-41: Invalid port range; "1024-65536" is not a port range: want "LO-HI" or "PORT", ports 0-65535.`},
		{"range upside down", "client_ranges {\n  default = [\"32768-60999\", \"65535-49152\"]\n}\n",
			`x.hcl:2,29-42: Invalid port range; "65535-49152" starts above its end.`},
		{"range not a number", `client_ranges { internet = ["high"] }`,
			`x.hcl:1,29-35: Invalid port range; "high" is not a port range: want "LO-HI" or "PORT", ports 0-65535.`},
		{"range of the wrong type", `client_ranges { internet = [["1024-65535"]] }`,
			`x.hcl:1,29-43: Invalid port range; A port range is a string such as "1024-65535" or "443".`},
		{"ranges with a gap", `client_ranges { default = ["32768-40000", "49152-65535"] }`,
			`x.hcl:1,27-57: Port ranges leave a gap; client_ranges.default must join into one range, but 40001-49151 is in none of them: returnpath suggests one return rule per flow (add the gap, or list one wider range).`},
		{"no ranges", `client_ranges { internet = [] }`,
			`x.hcl:1,28-30: Empty port range list; client_ranges.internet needs at least one range such as "1024-65535".`},
		{"ranges not a list", `client_ranges { internet = "1024-65535" }`,
			`x.hcl:1,29-39: Invalid expression; A static list expression is required.`},
		{"ranges from a variable", `client_ranges { internet = var.ranges }`,
			`x.hcl:1,28-38: Invalid expression; A static list expression is required.`},
		{"two client_ranges blocks", "client_ranges {}\nclient_ranges {}\n",
			`x.hcl:2,1-14: Duplicate client_ranges block; Only one client_ranges block is allowed. Another was defined at x.hcl:1,1-14.`},
		{"ignore without reason", "ignore {\n  rule     = \"RP001\"\n  resource = \"aws_network_acl.a\"\n}\n",
			`x.hcl:1,8-8: Missing required argument; The argument "reason" is required, but no definition was found.`},
		{"ignore with an empty reason", "ignore {\n  rule     = \"RP001\"\n  resource = \"aws_network_acl.a\"\n  reason   = \"  \"\n}\n",
			`x.hcl:4,14-18: Empty reason; An ignore needs a reason: say why the finding is acceptable, for the next reader.`},
		{"ignore of an unknown rule", "ignore {\n  rule     = \"RP01\"\n  resource = \"aws_network_acl.a\"\n  reason   = \"r\"\n}\n",
			`x.hcl:2,14-20: Unknown rule; "RP01" is not a rule returnpath runs; the rules are ` + allRules() + ` (returnpath rules lists them).`},
		{"ignore of RP009", "ignore {\n  rule     = \"RP009\"\n  resource = \"*\"\n  reason   = \"r\"\n}\n",
			`x.hcl:2,14-21: Rule cannot be ignored; RP009 reports expired ignores and cannot itself be ignored; renew the expired ignore, or turn the rule off with rule "RP009" { enabled = false }.`},
		{"ignore of no resource", "ignore {\n  rule     = \"RP001\"\n  resource = \"\"\n  reason   = \"r\"\n}\n",
			`x.hcl:3,14-16: Empty resource; resource is a glob on resource addresses, such as "module.legacy.aws_network_acl.this[*]".`},
		{"expiry date", "ignore {\n  rule     = \"RP001\"\n  resource = \"a\"\n  reason   = \"r\"\n  expires  = \"31/03/2027\"\n}\n",
			`x.hcl:5,14-26: Invalid expiry date; expires is "31/03/2027"; want a date YYYY-MM-DD, the last day the ignore holds.`},
		{"impossible date", "ignore {\n  rule     = \"RP001\"\n  resource = \"a\"\n  reason   = \"r\"\n  expires  = \"2027-02-30\"\n}\n",
			`x.hcl:5,14-26: Invalid expiry date; expires is "2027-02-30"; want a date YYYY-MM-DD, the last day the ignore holds.`},
		{"two mistakes", "fail_on = \"x\"\nrule \"RP000\" {}\n",
			`x.hcl:1,11-14: Invalid fail_on; fail_on is "x"; want "error", "warning", "notice" or "never"., and 1 other diagnostic(s)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, diags := Parse([]byte(tc.src), "x.hcl")
			if !diags.HasErrors() {
				t.Fatalf("no error; config %+v", cfg)
			}
			if cfg != nil {
				t.Errorf("a config came with the errors: %+v", cfg)
			}
			if got := diags.Error(); got != tc.want {
				t.Errorf("diagnostic\n  %s\nwant\n  %s", got, tc.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, FileName)
	if err := os.WriteFile(bad, []byte("fail_on = 1\nfail_on = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(bad)
	if err == nil || !strings.HasPrefix(err.Error(), bad+":2,1-8: Attribute redefined;") {
		t.Errorf("Load(%s) = %v", bad, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.hcl")); err == nil || !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

func TestFind(t *testing.T) {
	repo := t.TempDir()
	stack := filepath.Join(repo, "infra", "prod")
	for _, d := range []string{filepath.Join(repo, ".git"), stack} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path string) {
		if err := os.WriteFile(path, []byte("fail_on = \"never\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if path, found, err := Find(stack); found || err != nil {
		t.Errorf("nothing to find, got %s %v %v", path, found, err)
	}
	write(filepath.Join(repo, FileName))
	if path, found, err := Find(stack); !found || err != nil || path != filepath.Join(repo, FileName) {
		t.Errorf("repository root's: %s %v %v", path, found, err)
	}
	write(filepath.Join(stack, FileName))
	if path, found, _ := Find(stack); !found || path != filepath.Join(stack, FileName) {
		t.Errorf("the nearest file wins: %s", path)
	}

	// The walk stops at the repository root: a file above it is not the
	// repository's.
	outer := t.TempDir()
	write(filepath.Join(outer, FileName))
	inner := filepath.Join(outer, "repo", "stack")
	if err := os.MkdirAll(filepath.Join(outer, "repo", ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	if path, found, _ := Find(inner); found {
		t.Errorf("found %s above the repository root", path)
	}

	// A relative directory gives a relative path.
	t.Chdir(stack)
	if path, found, _ := Find("."); !found || path != FileName {
		t.Errorf("Find(.) = %s", path)
	}
	if err := os.Remove(filepath.Join(stack, FileName)); err != nil {
		t.Fatal(err)
	}
	if path, found, _ := Find("."); !found || path != filepath.Join("..", "..", FileName) {
		t.Errorf("Find(.) = %s, want ../../%s", path, FileName)
	}

	// A directory named like the file is an error, not a skip.
	if err := os.Mkdir(filepath.Join(stack, FileName), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Find("."); err == nil {
		t.Error("a directory .returnpath.hcl was not reported")
	}
}

// The example of the README's Configuration section and of
// docs/configuration.md is a valid configuration that means what they say.
func TestREADMEExample(t *testing.T) {
	for _, doc := range []struct{ file, section string }{
		{"../README.md", "\n## Configuration\n"},
		{"../docs/configuration.md", "\n"},
	} {
		t.Run(doc.file, func(t *testing.T) { testConfigExample(t, doc.file, doc.section) })
	}
}

func testConfigExample(t *testing.T, file, heading string) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), heading)
	if !ok {
		t.Fatalf("%s has no section %q", file, strings.TrimSpace(heading))
	}
	_, example, ok := strings.Cut(section, "```hcl\n")
	example, _, closed := strings.Cut(example, "```")
	if !ok || !closed {
		t.Fatalf("%s: the section has no hcl example", file)
	}
	cfg, diags := Parse([]byte(example), file)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.Checks.HostClients != plan.HostEphemeral || cfg.Checks.UnknownClients != plan.BroadEphemeral ||
		cfg.Checks.Severity["RP005"] != checks.Notice || cfg.FailOn != "error" || len(cfg.Ignores) != 1 ||
		cfg.Ignores[0].Expires != time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC) {
		t.Errorf("%s: the example reads as %+v", file, cfg)
	}
	// The defaults the README's table gives are the defaults.
	if d := checks.DefaultConfig(); cfg.Checks.HostClients != d.HostClients || cfg.Checks.UnknownClients != d.UnknownClients {
		t.Errorf("%s: the example's client ranges %v %v are not the defaults %v %v", file,
			cfg.Checks.HostClients, cfg.Checks.UnknownClients, d.HostClients, d.UnknownClients)
	}
}

// TestFileInRepository: a configuration file is named from the root of its
// repository, also when its name starts with ".." (inside the repository
// all the same), and by the path it was given where no repository holds it
// in a way a path can say.
func TestFileInRepository(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"..returnpath.hcl":                       "..returnpath.hcl",
		filepath.Join("envs", ".returnpath.hcl"): "envs/.returnpath.hcl",
	} {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("fail_on = \"never\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.File != want {
			t.Errorf("Load(%s): File %q, want %q", name, cfg.File, want)
		}
	}
}

// TestContextPaths: context files are written relative to the
// configuration file, and come back relative to the current directory.
func TestContextPaths(t *testing.T) {
	cfg, diags := Parse([]byte(`context = ["../network/state.json", "/abs/app.json"]`), filepath.Join("stacks", "app", FileName))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := []string{filepath.Join("stacks", "network", "state.json"), "/abs/app.json"}
	if !reflect.DeepEqual(cfg.Context, want) {
		t.Errorf("context %q, want %q", cfg.Context, want)
	}
	if _, diags := Parse([]byte(`context = [""]`), FileName); !diags.HasErrors() || !strings.Contains(diags.Error(), "empty path") {
		t.Errorf("an empty context path: %v", diags)
	}
	if _, diags := Parse([]byte(`context = "state.json"`), FileName); !diags.HasErrors() {
		t.Error("a context that is not a list is accepted")
	}
}
