package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/internal/golden"
	"github.com/returnpath-dev/returnpath/internal/sariftest"
)

// allFormats are the fixtures whose reports are golden in every format:
// report.json, report.txt, report.sarif, report.github, report.junit.xml
// and report.md. Together they show every rule and every feature a format
// writes differently, each named here with why it was chosen;
// TestAllFormatsCoverage checks that claim against their JSON reports. The
// other fixtures keep report.json alone, so that a change of wording
// rewrites ten fixtures' reports, not fifty.
var allFormats = map[string]string{
	"web-missing-return":    "RP001, RP002, RP007; fixes, file:line locations, a subnet; the README example, and what the run-task golden shows",
	"config-file":           "RP006, RP009 (an expired ignore); a finding suppressed by an ignore block of .returnpath.hcl (external); a warning; a module",
	"ignore-comment":        "a finding suppressed by a returnpath:ignore comment (inSource)",
	"sg-blocked-by-nacl":    "RP003 (a security group) and RP008 (a notice of what could not be resolved, without a fix)",
	"nat-gateway-return":    "RP004: traffic between two subnets of the plan",
	"sg-ephemeral-world":    "RP005; the header of a security group's findings (members in subnet)",
	"update-deletes-return": "an update plan: findings new in it and existing ones (already broken today) side by side",
	"unassociated-nacl":     "a NACL that no subnet uses; a dropped reply whose local address is not known",
	"module-for-each":       "quoted instance keys: escaping in JSON, XML, SARIF, workflow commands and markdown",
	"all-traffic":           "a clean plan: no findings",
}

// goldenFormats are the formats other than JSON and their golden files.
var goldenFormats = []struct{ format, file string }{
	{"text", "report.txt"},
	{"sarif", "report.sarif"},
	{"github", "report.github"},
	{"junit", "report.junit.xml"},
	{"markdown", "report.md"},
}

// TestGolden runs `returnpath check` on every fixture with a plan.json in
// every format. report.json is golden for each fixture; the other formats
// are golden for the fixtures of allFormats (go test ./... -update rewrites
// them, and removes the other fixtures' stale ones). Every format must
// exit like the JSON one without a word on stderr, and the SARIF must
// validate against the SARIF 2.1.0 schema (when ../shared has it).
// Independently of the golden files, the findings must be exactly those
// the fixture's main.tf announces in its "# expect:" lines. A fixture may
// hold a .returnpath.hcl and returnpath:ignore comments: the check command
// finds both from the plan's directory, and the tests' clock is fixed
// (testOptions.Now) so that expiry dates give the same reports every day.
func TestGolden(t *testing.T) {
	// From the repository root, reports name plans and .tf files the way
	// README commands and code scanning do: fixtures/NAME/main.tf.
	t.Chdir("..")
	schema := sariftest.Schema(t)
	if schema == nil {
		t.Logf("%s is absent: SARIF reports are not validated", sariftest.SchemaFile)
	}
	plans, err := filepath.Glob("fixtures/*/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) == 0 {
		t.Fatal("no fixtures/*/plan.json")
	}
	for name := range allFormats {
		if !slices.Contains(plans, filepath.Join("fixtures", name, "plan.json")) {
			t.Errorf("allFormats names %s, which has no plan.json", name)
		}
	}
	for _, p := range plans {
		dir := filepath.Dir(p)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			planArg := path.Join("fixtures", name, "plan.json")
			js := run(testOptions, "", "check", "--format", "json", planArg)
			if js.code == ExitError {
				t.Fatalf("exit %d: %s", js.code, js.stderr)
			}
			golden.Check(t, filepath.Join(dir, "report.json"), js.stdout)
			_, keepAll := allFormats[name]
			for _, f := range goldenFormats {
				args := []string{"check", "--format", f.format, planArg}
				if f.format == "text" {
					args = append(args, "--no-color")
				}
				r := run(testOptions, "", args...)
				if r.code != js.code || r.stderr != "" {
					t.Errorf("%s: exit %d (json: %d), stderr %q", f.format, r.code, js.code, r.stderr)
				}
				if keepAll {
					golden.Check(t, filepath.Join(dir, f.file), r.stdout)
				} else {
					golden.Absent(t, filepath.Join(dir, f.file))
				}
				if f.format == "sarif" && schema != nil {
					sariftest.Validate(t, schema, []byte(r.stdout))
				}
			}

			want, err := expectations(filepath.Join(dir, "main.tf"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := jsonFindings(js.stdout)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range diffSets(got, want) {
				t.Errorf("finding %s", m)
			}
			wantCode := ExitOK
			for e := range want {
				if e.severity == "error" && e.suppressed == "" {
					wantCode = ExitFindings
				}
			}
			if js.code != wantCode {
				t.Errorf("exit %d, want %d", js.code, wantCode)
			}
		})
	}
}

// TestAllFormatsCoverage checks what allFormats claims: its fixtures'
// reports hold a finding of every rule and every feature the formats
// write in their own way.
func TestAllFormatsCoverage(t *testing.T) {
	type finding struct {
		Rule, Resource, Status string
		Location               *struct{ File string }
		Suppressed             *struct{ Kind string }
		Subnets                []struct{ Address string }
		Witness                *struct{ Src string }
		Suggestion             string
	}
	features := map[string]func(finding) bool{
		"a file:line location":        func(f finding) bool { return f.Location != nil },
		"a fix":                       func(f finding) bool { return f.Suggestion != "" },
		"no fix":                      func(f finding) bool { return f.Suggestion == "" },
		"status existing":             func(f finding) bool { return f.Status == "existing" },
		"status new":                  func(f finding) bool { return f.Status == "new" },
		"an inSource suppression":     func(f finding) bool { return f.Suppressed != nil && f.Suppressed.Kind == "inSource" },
		"an external suppression":     func(f finding) bool { return f.Suppressed != nil && f.Suppressed.Kind == "external" },
		"a quoted instance key":       func(f finding) bool { return strings.Contains(f.Resource, `"`) },
		"a module address":            func(f finding) bool { return strings.HasPrefix(f.Resource, "module.") },
		"a security group":            func(f finding) bool { return strings.Contains(f.Resource, "aws_security_group.") },
		"a NACL without subnets":      func(f finding) bool { return strings.Contains(f.Resource, "aws_network_acl.") && len(f.Subnets) == 0 },
		"a witness without local end": func(f finding) bool { return f.Witness != nil && f.Witness.Src == "" },
	}
	missing := map[string]bool{"a clean plan": true}
	for _, c := range checks.All() {
		missing[c.ID] = true
	}
	for feature := range features {
		missing[feature] = true
	}
	for name := range allFormats {
		data, err := os.ReadFile(filepath.Join("..", "fixtures", name, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Findings []finding }
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(doc.Findings) == 0 {
			delete(missing, "a clean plan")
		}
		for _, f := range doc.Findings {
			delete(missing, f.Rule)
			for feature, has := range features {
				if has(f) {
					delete(missing, feature)
				}
			}
		}
	}
	for _, m := range slices.Sorted(maps.Keys(missing)) {
		t.Errorf("no fixture of allFormats shows %s", m)
	}
}

// expected is what one "# expect:" line, or one reported finding, says.
// suppressed is the kind of the ignore that silences it ("inSource",
// "external"), "" when none does.
type expected struct{ rule, severity, resource, status, suppressed string }

func (e expected) String() string {
	s := fmt.Sprintf("%s %s %s %s", e.rule, e.severity, e.resource, e.status)
	if e.suppressed != "" {
		s += " " + suppressedPrefix + e.suppressed
	}
	return s
}

// suppressedPrefix marks an expected finding that an ignore silences:
// "suppressed=inSource" or "suppressed=external".
const suppressedPrefix = "suppressed="

// expectations reads the "# expect: RULE SEVERITY ADDRESS [existing]
// [suppressed=KIND]" lines (or "# expect: none") of the comment block at
// the top of main.tf.
func expectations(mainTF string) (map[expected]bool, error) {
	f, err := os.Open(mainTF)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	set := map[expected]bool{}
	var none, found bool
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			break // the end of the leading comments
		}
		rest, ok := strings.CutPrefix(line, "# expect:")
		if !ok {
			continue
		}
		found = true
		fields := strings.Fields(rest)
		if len(fields) == 1 && fields[0] == "none" {
			none = true
			continue
		}
		e := expected{status: "new"}
		if len(fields) > 0 && strings.HasPrefix(fields[len(fields)-1], suppressedPrefix) {
			e.suppressed = strings.TrimPrefix(fields[len(fields)-1], suppressedPrefix)
			if e.suppressed != "inSource" && e.suppressed != "external" {
				return nil, fmt.Errorf("%s:%d: %s%s: want suppressed=inSource or suppressed=external", mainTF, n, suppressedPrefix, e.suppressed)
			}
			fields = fields[:len(fields)-1]
		}
		if len(fields) > 0 && fields[len(fields)-1] == "existing" {
			e.status = "existing"
			fields = fields[:len(fields)-1]
		}
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want \"# expect: RULE SEVERITY ADDRESS [existing] [suppressed=KIND]\" or \"# expect: none\"", mainTF, n)
		}
		e.rule, e.severity, e.resource = fields[0], fields[1], strings.Join(fields[2:], " ")
		set[e] = true
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	switch {
	case !found:
		return nil, fmt.Errorf("%s: no \"# expect:\" line in the leading comments", mainTF)
	case none && len(set) > 0:
		return nil, fmt.Errorf("%s: \"# expect: none\" next to other expectations", mainTF)
	}
	return set, nil
}

func jsonFindings(report string) (map[expected]bool, error) {
	var doc struct {
		Findings []struct {
			Rule, Severity, Resource, Status string
			Suppressed                       *struct{ Kind string }
		}
	}
	if err := json.Unmarshal([]byte(report), &doc); err != nil {
		return nil, err
	}
	set := map[expected]bool{}
	for _, f := range doc.Findings {
		e := expected{rule: f.Rule, severity: f.Severity, resource: f.Resource, status: f.Status}
		if f.Suppressed != nil {
			e.suppressed = f.Suppressed.Kind
		}
		set[e] = true
	}
	return set, nil
}

// diffSets lists what is in got and not in want ("unexpected") and the
// other way round ("missing"), sorted.
func diffSets(got, want map[expected]bool) []string {
	var diff []string
	for e := range got {
		if !want[e] {
			diff = append(diff, "unexpected: "+e.String())
		}
	}
	for e := range want {
		if !got[e] {
			diff = append(diff, "missing:    "+e.String())
		}
	}
	slices.Sort(diff)
	return diff
}

func TestExpectations(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "main.tf")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := expectations(write("# scenario: x\n# expect: RP001 error aws_network_acl.this[\"b\"]\n# expect: RP008 warning aws_network_acl_rule.legacy existing\n" +
		"# expect: RP002 error aws_network_acl.a suppressed=inSource\n# expect: RP002 error aws_network_acl.b existing suppressed=external\n" +
		"\nresource \"x\" \"y\" {}\n# expect: RP002 error late\n"))
	want := map[expected]bool{
		{"RP001", "error", `aws_network_acl.this["b"]`, "new", ""}:          true,
		{"RP008", "warning", "aws_network_acl_rule.legacy", "existing", ""}: true,
		{"RP002", "error", "aws_network_acl.a", "new", "inSource"}:          true,
		{"RP002", "error", "aws_network_acl.b", "existing", "external"}:     true,
	}
	if err != nil || len(diffSets(got, want)) > 0 {
		t.Errorf("expectations = %v, %v; diff %v", got, err, diffSets(got, want))
	}
	if got, err := expectations(write("# expect: none\n")); err != nil || len(got) != 0 {
		t.Errorf("none: %v, %v", got, err)
	}
	for _, bad := range []string{"# scenario only\n", "# expect: RP001 error\n", "# expect: none\n# expect: RP001 error a.b\n", "# expect: RP001 error a.b suppressed=yes\n"} {
		if _, err := expectations(write(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
