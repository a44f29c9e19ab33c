package cli

import (
	"bytes"
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
