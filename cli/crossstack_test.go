package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/fakegithub"
	"github.com/returnpath-dev/returnpath/internal/golden"
)

// crossStack are the runs over the two real stacks of fixtures/cross-stack
// (see its make.sh and the main.tf comments for why each finding is
// expected): each plan without and with the other stack as context, and
// both plans in one run. The text reports are golden; the findings are
// checked on the JSON report.
var crossStack = []struct {
	name   string
	args   []string
	golden string
	want   []string // "PLAN RULE SEVERITY RESOURCE STATUS", PLAN "" in a run of one
	code   int
	// summary holds JSON summary fields that must have these values.
	summary map[string]int
}{
	{
		name: "app alone", args: []string{"fixtures/cross-stack/app/plan.json"}, golden: "app/report.txt",
		want: []string{
			" RP008 notice aws_instance.api new",
			" RP008 notice aws_instance.web new",
		},
		code: ExitOK, summary: map[string]int{"outside_subnets": 2, "nacls": 0},
	},
	{
		name: "app with the network state", golden: "app/report.context.txt",
		args: []string{"--context", "fixtures/cross-stack/network/state.json", "fixtures/cross-stack/app/plan.json"},
		want: []string{
			" RP003 error aws_network_acl.app (fixtures/cross-stack/network/state.json) new",
		},
		code: ExitFindings, summary: map[string]int{"outside_subnets": 0, "nacls": 3, "context_findings": 0},
	},
	{
		name: "app with the network state as a raw state file", golden: "app/report.rawstate.txt",
		args: []string{"--context", "fixtures/cross-stack/network/terraform.tfstate", "fixtures/cross-stack/app/plan.json"},
		want: []string{
			" RP003 error aws_network_acl.app (fixtures/cross-stack/network/terraform.tfstate) new",
		},
		code: ExitFindings,
	},
	{
		name: "network change alone", args: []string{"fixtures/cross-stack/network-change/plan.json"}, golden: "network-change/report.txt",
		code: ExitOK, summary: map[string]int{"nacls": 3},
	},
	{
		name: "network change with the app state", golden: "network-change/report.context.txt",
		args: []string{"--context", "fixtures/cross-stack/app/state.json", "fixtures/cross-stack/network-change/plan.json"},
		want: []string{
			" RP003 error aws_network_acl.app existing",
			" RP003 error aws_network_acl.web new",
		},
		code: ExitFindings,
	},
	{
		name: "both plans in one run", golden: "report.plans.txt",
		args: []string{"fixtures/cross-stack/network-change/plan.json", "fixtures/cross-stack/app/plan.json"},
		want: []string{
			"fixtures/cross-stack/network-change/plan.json RP003 error aws_network_acl.app existing",
			"fixtures/cross-stack/network-change/plan.json RP003 error aws_network_acl.web new",
			"fixtures/cross-stack/app/plan.json RP003 error aws_network_acl.app (fixtures/cross-stack/network-change/plan.json) new",
			"fixtures/cross-stack/app/plan.json RP003 error aws_network_acl.web (fixtures/cross-stack/network-change/plan.json) new",
		},
		code: ExitFindings, summary: map[string]int{"errors": 4},
	},
	{
		// The stack's own state: every resource has the id of one of
		// the plan, so it is the same resource and the plan's view wins.
		name: "network change with its own state", golden: "network-change/report.own-state.txt",
		args: []string{"--context", "fixtures/cross-stack/network/state.json", "fixtures/cross-stack/network-change/plan.json"},
		code: ExitOK, summary: map[string]int{"nacls": 3, "rules": 10},
	},
	{
		// The same stack in another environment (plan2state.py with
		// another seed): the same addresses with other ids, used as given.
		name: "network change with another environment's state", golden: "network-change/report.other-env.txt",
		args: []string{"--context", "fixtures/cross-stack/network-staging.tfstate", "fixtures/cross-stack/network-change/plan.json"},
		want: []string{
			" RP008 notice aws_network_acl.app new", " RP008 notice aws_network_acl.lb new", " RP008 notice aws_network_acl.web new",
			" RP008 notice aws_network_acl_association.web new", " RP008 notice aws_network_acl_rule.web_high_from_vpc new",
			" RP008 notice aws_network_acl_rule.web_https_from_lb new", " RP008 notice aws_network_acl_rule.web_replies_to_vpc new",
			" RP008 notice aws_subnet.app new", " RP008 notice aws_subnet.lb new", " RP008 notice aws_subnet.web new", " RP008 notice aws_vpc.main new",
		},
		code: ExitOK, summary: map[string]int{"nacls": 6},
	},
	{
		// A context that is itself broken: its findings are not the
		// plan's, only counted, and listed on demand.
		name: "a broken context, counted", golden: "app/report.broken-context.txt",
		args: []string{"--context", "fixtures/web-missing-return/plan.json", "fixtures/cross-stack/app/plan.json"},
		want: []string{
			" RP008 notice aws_instance.api new",
			" RP008 notice aws_instance.web new",
		},
		code: ExitOK, summary: map[string]int{"context_findings": 3, "outside_subnets": 2},
	},
	{
		name: "a broken context, listed", golden: "app/report.broken-context-listed.txt",
		args: []string{"--context-findings", "--context", "fixtures/web-missing-return/plan.json", "fixtures/cross-stack/app/plan.json"},
		want: []string{
			" RP008 notice aws_instance.api new",
			" RP008 notice aws_instance.web new",
			" RP001 error aws_network_acl.public (fixtures/web-missing-return/plan.json) existing",
			" RP002 error aws_network_acl.public (fixtures/web-missing-return/plan.json) existing",
			" RP007 notice aws_network_acl.public (fixtures/web-missing-return/plan.json) existing",
		},
		code: ExitFindings, summary: map[string]int{"context_findings": 0},
	},
}

func TestCrossStack(t *testing.T) {
	t.Chdir("..")
	for _, tc := range crossStack {
		t.Run(tc.name, func(t *testing.T) {
			text := run(testOptions, "", append([]string{"check", "--no-color"}, tc.args...)...)
			if text.code != tc.code || text.stderr != "" {
				t.Fatalf("exit %d (want %d), stderr %q", text.code, tc.code, text.stderr)
			}
			golden.Check(t, filepath.Join("fixtures/cross-stack", tc.golden), text.stdout)
			js := run(testOptions, "", append([]string{"check", "--format", "json"}, tc.args...)...)
			if js.code != tc.code {
				t.Fatalf("json: exit %d, want %d: %s", js.code, tc.code, js.stderr)
			}
			var doc struct {
				Summary  map[string]int `json:"summary"`
				Findings []struct {
					Plan, Rule, Severity, Resource, Status string
				} `json:"findings"`
			}
			if err := json.Unmarshal([]byte(js.stdout), &doc); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range doc.Findings {
				got = append(got, strings.Join([]string{f.Plan, f.Rule, f.Severity, f.Resource, f.Status}, " "))
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("findings:\n got %q\nwant %q", got, want)
			}
			if tc.name == "app with the network state" {
				// The context NACL has no file here: the finding points at
				// the plan's security group that allows the flow.
				var loc struct {
					Findings []struct {
						Location struct {
							File string `json:"file"`
							Line int    `json:"line"`
						} `json:"location"`
					} `json:"findings"`
				}
				json.Unmarshal([]byte(js.stdout), &loc)
				if len(loc.Findings) != 1 || loc.Findings[0].Location.File != "fixtures/cross-stack/app/main.tf" ||
					loc.Findings[0].Location.Line != lineIn(t, "fixtures/cross-stack/app/main.tf", `resource "aws_security_group" "api" {`) {
					t.Errorf("location %+v, want the plan's aws_security_group.api", loc.Findings)
				}
			}
			for k, v := range tc.summary {
				if doc.Summary[k] != v {
					t.Errorf("summary %s = %d, want %d", k, doc.Summary[k], v)
				}
			}
		})
	}
}

// TestBadContextFiles: a context file that cannot be used is an input
// error naming it, exactly as for the plan argument.
func TestBadContextFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	google := `{"version":4,"terraform_version":"1.11.4","serial":1,"lineage":"x","outputs":{},"resources":[` +
		`{"mode":"managed","type":"google_compute_network","name":"main","provider":"provider[\"registry.terraform.io/hashicorp/google\"]",` +
		`"instances":[{"schema_version":0,"attributes":{"id":"projects/p/global/networks/main"}}]}]}`
	googleJSON := `{"format_version":"1.0","terraform_version":"1.11.4","values":{"root_module":{"resources":[` +
		`{"address":"google_compute_network.main","mode":"managed","type":"google_compute_network","name":"main","values":{"id":"x"}}]}}}`
	plan := "../fixtures/cross-stack/app/plan.json"
	for _, tc := range []struct {
		name, file, problem string
	}{
		{"not JSON", write("notjson.json", "this is not json\n"), "is not JSON"},
		{"truncated", write("truncated.json", `{"format_version":"1.0","values":{"root_module":{"resources":[`), "is truncated"},
		{"empty", write("empty.json", ""), "is empty"},
		{"neither", write("neither.json", `{"hello":"world"}`), "is neither a Terraform state nor a plan"},
		{"array", write("array.json", `[1,2]`), "is a JSON array, not a state or plan object"},
		{"old raw state", write("v3.tfstate", `{"version":3,"resources":[]}`), "is a state file of version 3"},
		{"another provider's raw state", write("google.tfstate", google), "holds no AWS resources"},
		{"another provider's state JSON", write("google.json", googleJSON), "holds no AWS resources"},
		{"wrongly typed values", write("typed.json", `{"format_version":"1.0","values":{"root_module":{"resources":[`+
			`{"address":"aws_subnet.a","mode":"managed","type":"aws_subnet","name":"a","values":{"id":7}}]}}}`),
			"is not a valid state JSON: aws_subnet.a: attribute id is a JSON number, expected a string"},
		{"no such file", filepath.Join(dir, "missing.json"), "no such file"},
		{"a directory", dir, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(testOptions, "", "check", "--context", tc.file, plan)
			wantOneLineError(t, r, tc.file+": "+tc.problem)
		})
	}
	// The context is read while the plan is: when both are bad, the
	// context's problem is the one reported, as when it was read first.
	badPlan := write("bad-plan.json", "not a plan\n")
	for _, fix := range []string{"check", "fix"} {
		wantOneLineError(t, run(testOptions, "", fix, "--context", filepath.Join(dir, "notjson.json"), badPlan), filepath.Join(dir, "notjson.json")+": is not JSON")
	}
}

// TestContextInConfiguration: context = [...] of .returnpath.hcl, relative
// to the file, checks the plan against the network stack as --context does.
func TestContextInConfiguration(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ci")
	if err := os.MkdirAll(filepath.Join(dir, "states"), 0o755); err != nil {
		t.Fatal(err)
	}
	state, err := os.ReadFile("../fixtures/cross-stack/network/state.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "states", "network.json"), state, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, ".returnpath.hcl")
	if err := os.WriteFile(cfg, []byte("context = [\"states/network.json\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(testOptions, "", "check", "--config", cfg, "--format", "json", "../fixtures/cross-stack/app/plan.json")
	if r.code != ExitFindings || !strings.Contains(r.stdout, `"resource": "aws_network_acl.app (`+filepath.Join(dir, "states", "network.json")+`)"`) {
		t.Errorf("exit %d, stderr %q, report:\n%s", r.code, r.stderr, r.stdout)
	}
	// A missing context file of the configuration is an input error too.
	if err := os.WriteFile(cfg, []byte("context = [\"states/none.json\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, run(testOptions, "", "check", "--config", cfg, "../fixtures/cross-stack/app/plan.json"),
		filepath.Join(dir, "states", "none.json")+": no such file")
}

// TestCommentSeveralPlans: comment with several plans posts one comment
// for the set, each finding's row naming its plan, and exits like check.
func TestCommentSeveralPlans(t *testing.T) {
	fake := fakegithub.Start(t, testToken, "", 2)
	c := newCommentRun(t, fake, nil)
	network, app := "../fixtures/cross-stack/network-change/plan.json", "../fixtures/cross-stack/app/plan.json"
	r := c.run(t, "--repo", "acme/infra", "--pr", "7", network, app)
	comments := fake.Comments("acme", "infra", 7)
	if r.code != ExitFindings || r.stderr != "" || len(comments) != 1 {
		t.Fatalf("%+v; %d comments", r, len(comments))
	}
	body := comments[0].Body
	for _, want := range []string{
		"❌ **returnpath: 4 errors, 0 warnings**",
		"plan `" + network + "`:<br>`aws_network_acl.web`",
		"plan `" + app + "`:<br>`aws_network_acl.app (" + network + ")`",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

// lineIn is the 1-based number of the line of file that reads text.
func lineIn(t *testing.T, file, text string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == text {
			return i + 1
		}
	}
	t.Fatalf("no line %q in %s", text, file)
	return 0
}

// TestContextKeepsModuleLocals: a plan checked with a context, alone or
// as one of several plans, still resolves locals through its module
// sources (the configuration directory, as without context), and so does
// a plan read as another plan's context: modules-locals keeps its two
// RP003 errors, never RP008 notices for unlinkable references.
func TestContextKeepsModuleLocals(t *testing.T) {
	t.Chdir("..")
	const plan = "fixtures/modules-locals/plan.json"
	want := []string{
		"RP003 error module.vpc.aws_default_network_acl.this[0]",
		"RP003 error module.vpc.aws_network_acl.public[0]",
	}
	findings := func(args ...string) map[string][]string {
		t.Helper()
		r := run(testOptions, "", append([]string{"check", "--format", "json", "--context-findings"}, args...)...)
		if r.code != ExitFindings {
			t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		var doc struct {
			Findings []struct{ Plan, Rule, Severity, Resource string } `json:"findings"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		byPlan := map[string][]string{}
		for _, f := range doc.Findings {
			// modules-locals' own findings, as the checked plan or as
			// the context of another
			local, source := splitContext(f.Resource)
			if (source == "" && (f.Plan == "" || f.Plan == plan)) || source == plan {
				byPlan[f.Plan] = append(byPlan[f.Plan], f.Rule+" "+f.Severity+" "+local)
			}
		}
		for k := range byPlan {
			slices.Sort(byPlan[k])
		}
		return byPlan
	}
	for name, got := range map[string][]string{
		"with --context":         findings("--context", "fixtures/cross-stack/network/state.json", plan)[""],
		"first of two plans":     findings(plan, "fixtures/cross-stack/app/plan.json")[plan],
		"as the other's context": findings(plan, "fixtures/cross-stack/app/plan.json")["fixtures/cross-stack/app/plan.json"],
	} {
		if !slices.Equal(got, want) {
			t.Errorf("%s: findings of %s are %q, want %q", name, plan, got, want)
		}
	}
}

// splitContext takes "ADDR (SOURCE)" apart.
func splitContext(addr string) (string, string) {
	if i := strings.LastIndex(addr, " ("); i > 0 && strings.HasSuffix(addr, ")") {
		return addr[:i], addr[i+2 : len(addr)-1]
	}
	return addr, ""
}
