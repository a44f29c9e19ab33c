package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/largeplan"
)

// TestLargePlanFindings checks the large benchmark plan end to end: every
// tier of fixtures/large-monorepo has exactly the findings its kind
// announces in main.tf ("# expect-tier:" lines), and "ok" tiers have none,
// so the speed of the benchmark is never bought with lost findings.
func TestLargePlanFindings(t *testing.T) {
	expected, err := largeplan.Expectations()
	if err != nil {
		t.Fatal(err)
	}
	data := largeplan.Bytes(t)
	tiers := tierKeys(data)
	if len(tiers) != 400 {
		t.Fatalf("the plan has %d tiers, want 400", len(tiers))
	}

	res := run(testOptions, "", "check", "--format", "json", largeplan.File(t))
	if res.code != ExitFindings {
		t.Fatalf("exit %d, want %d: %s", res.code, ExitFindings, res.stderr)
	}
	var doc struct {
		Findings []struct{ Rule, Severity, Resource string }
	}
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatal(err)
	}

	type key struct{ tier, rule, severity, resource string }
	got := map[key]int{}
	for _, f := range doc.Findings {
		tier, inner, ok := splitTier(f.Resource)
		if !ok {
			t.Errorf("finding %s %s on %s, outside every tier", f.Rule, f.Severity, f.Resource)
			continue
		}
		got[key{tier, f.Rule, f.Severity, inner}]++
	}
	want := map[key]int{}
	perKind := map[string]int{}
	for _, tier := range tiers {
		kind := tier[strings.IndexByte(tier, '-')+1:]
		perKind[kind]++
		for _, e := range expected {
			if e.Kind == kind {
				want[key{tier, e.Rule, e.Severity, e.Resource}] = e.Count
			}
		}
	}
	for _, e := range expected {
		if perKind[e.Kind] == 0 {
			t.Errorf("no tier of kind %s in the plan", e.Kind)
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d %s %s findings on %s, want %d", k.tier, got[k], k.rule, k.severity, k.resource, n)
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %d unexpected %s %s findings on %s", k.tier, n, k.rule, k.severity, k.resource)
		}
	}
	if t.Failed() {
		return
	}
	total := 0
	for _, n := range want {
		total += n
	}
	t.Logf("%d findings in %d tiers, as expected (%v)", total, len(tiers), fmt.Sprint(perKind))
}

// tierKeys lists the for_each keys of module.tier in the plan, in order of
// first appearance.
func tierKeys(data []byte) []string {
	const open, end = `module.tier[\"`, `\"]`
	seen := map[string]bool{}
	var keys []string
	for rest := data; ; {
		i := bytes.Index(rest, []byte(open))
		if i < 0 {
			return keys
		}
		rest = rest[i+len(open):]
		j := bytes.Index(rest, []byte(end))
		if j < 0 {
			return keys
		}
		if k := string(rest[:j]); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
}

// splitTier splits module.tier["t001-mixed"].aws_network_acl.public into
// the tier key and the address inside the tier.
func splitTier(address string) (tier, inner string, ok bool) {
	rest, ok := strings.CutPrefix(address, `module.tier["`)
	if !ok {
		return "", "", false
	}
	tier, inner, ok = strings.Cut(rest, `"].`)
	return tier, inner, ok
}

// TestLargePlanGitHubLimits: on the large plan (hundreds of findings) the
// github format stays within GitHub's annotation limits, keeps the
// errors, new breakages first, and counts the rest on one plain line; the
// SARIF report stays within code scanning's upload limits.
func TestLargePlanGitHubLimits(t *testing.T) {
	file := largeplan.File(t)
	res := run(testOptions, "", "check", "--format", "json", file)
	var doc struct {
		Summary  struct{ Errors, Warnings, Notices int }
		Findings []struct{ Severity, Status string }
	}
	if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	total := doc.Summary.Errors + doc.Summary.Warnings + doc.Summary.Notices
	newErrors := 0
	for _, f := range doc.Findings {
		if f.Severity == "error" && f.Status == "new" {
			newErrors++
		}
	}
	if doc.Summary.Errors <= 10 || newErrors == 0 {
		t.Fatalf("the large plan has %d errors (%d new): too few to test the cap", doc.Summary.Errors, newErrors)
	}

	res = run(testOptions, "", "check", "--format", "github", file)
	if res.code != ExitFindings {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	perCommand := map[string]int{}
	var plain []string
	for _, line := range strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n") {
		if command, _, ok := strings.Cut(line, " "); ok && strings.HasPrefix(command, "::") {
			perCommand[command]++
			if len(plain) > 0 {
				t.Errorf("a command after the plain lines: %s", line)
			}
			continue
		}
		plain = append(plain, line)
	}
	annotated := 0
	for command, n := range perCommand {
		annotated += n
		if n > 10 {
			t.Errorf("%d %s commands, want at most 10", n, command)
		}
	}
	if perCommand["::error"] != 10 {
		t.Errorf("%d errors annotated, want 10 (the plan has %d)", perCommand["::error"], doc.Summary.Errors)
	}
	if !strings.HasPrefix(res.stdout, "::error ") || strings.Contains(strings.SplitN(res.stdout, "\n", 2)[0], "(already broken today)") {
		t.Errorf("the first command is not an error on a new breakage: %.200s", res.stdout)
	}
	wantMore := fmt.Sprintf("returnpath: %d more findings (", total-annotated)
	if len(plain) != 2 || !strings.HasPrefix(plain[0], wantMore) || !strings.Contains(plain[0], "job summary") {
		t.Errorf("after the commands %q, want a line starting %q and the summary line", plain, wantMore)
	}
	t.Logf("%d findings: %d commands (%v), then %q", total, annotated, perCommand, plain[0])

	res = run(testOptions, "", "check", "--format", "github", "--max-annotations", "0", file)
	if n := strings.Count(res.stdout, "\n::") + 1; n != total {
		t.Errorf("--max-annotations 0: %d commands, want all %d", n, total)
	}

	// GitHub code scanning rejects a SARIF upload of more than 10 MB
	// gzip-compressed or 25,000 results in a run, and keeps 5,000.
	res = run(testOptions, "", "check", "--format", "sarif", file)
	var zipped bytes.Buffer
	z := gzip.NewWriter(&zipped)
	z.Write([]byte(res.stdout))
	z.Close()
	var sarif struct {
		Runs []struct{ Results []json.RawMessage }
	}
	if err := json.Unmarshal([]byte(res.stdout), &sarif); err != nil {
		t.Fatal(err)
	}
	if len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != total || len(sarif.Runs[0].Results) > 5000 || zipped.Len() > 10<<20 {
		t.Errorf("SARIF: %d runs, %d results (want %d), %d bytes gzip-compressed", len(sarif.Runs), len(sarif.Runs[0].Results), total, zipped.Len())
	}
	t.Logf("SARIF: %d results, %d bytes, %d gzip-compressed", len(sarif.Runs[0].Results), len(res.stdout), zipped.Len())
}
