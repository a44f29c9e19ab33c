package checks

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/hostileplan"
	"github.com/returnpath-dev/returnpath/plan"
)

// countdown is a context that is done after its Err has been asked
// remaining times, and counts how often it is asked.
type countdown struct {
	context.Context
	remaining, asked atomic.Int64
}

func (c *countdown) Err() error {
	c.asked.Add(1)
	if c.remaining.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func hostile(t *testing.T, groups int) *plan.Model {
	t.Helper()
	m, err := plan.Parse("hostile.json", hostileplan.SecurityGroups(groups, 16))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRunStopsWhenTheContextEnds(t *testing.T) {
	m := hostile(t, 2000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if findings, err := RunContext(ctx, m, DefaultConfig()); !errors.Is(err, context.Canceled) || findings != nil {
		t.Errorf("a canceled context: %d findings, %v", len(findings), err)
	}

	// The loops over security groups ask the context once per group...
	never := &countdown{Context: context.Background()}
	never.remaining.Store(1 << 40)
	if _, err := RunContext(never, m, DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	if asked := never.asked.Load(); asked < int64(len(m.Planned.SecurityGroups)) {
		t.Errorf("the context was asked %d times for %d security groups", asked, len(m.Planned.SecurityGroups))
	}
	// ...so a deadline inside the security-group analysis ends it there.
	soon := &countdown{Context: context.Background()}
	soon.remaining.Store(100)
	findings, err := RunContext(soon, m, DefaultConfig())
	if !errors.Is(err, context.Canceled) || findings != nil {
		t.Errorf("ended during the analysis: %d findings, %v", len(findings), err)
	}
	if asked := soon.asked.Load(); asked > 110 {
		t.Errorf("asked %d times: the checks went on after the context ended", asked)
	}
}

// TestFindingsAreFolded: 5,000 security groups that reference each other
// made 59,584 RP003 findings (75 MB of JSON, 17 s, 553 MB); 2,000 make
// enough of them.
func TestFindingsAreFolded(t *testing.T) {
	m := hostile(t, 2000)
	findings := Run(m, DefaultConfig())
	type group struct {
		rule     string
		resource plan.Address
		leg      Leg
	}
	listed := map[group]int{}
	summaries := map[group]int{}
	for _, f := range findings {
		if f.Flow != nil {
			listed[group{f.Rule, f.Resource, f.Flow.Leg}]++
			continue
		}
		if strings.Contains(f.Message, "more flows through") {
			summaries[group{f.Rule, f.Resource, 0}]++
			if f.Severity != Error || f.Status != New || f.Rule != "RP003" {
				t.Errorf("summary %+v", f)
			}
		}
	}
	if len(listed) == 0 || len(summaries) == 0 {
		t.Fatalf("listed %v, summaries %v", listed, summaries)
	}
	for g, n := range listed {
		if n > MaxFindingsPerGroup {
			t.Errorf("%v: %d findings listed, want at most %d", g, n, MaxFindingsPerGroup)
		}
	}
	if len(findings) > 1000 {
		t.Errorf("%d findings for 16 NACLs", len(findings))
	}
	// The count of the folded ones is in the message.
	for _, f := range findings {
		if f.Flow == nil && strings.Contains(f.Message, "more flows through") && !strings.Contains(f.Message, " on the request leg like the 20 listed") && !strings.Contains(f.Message, " on the reply leg like the 20 listed") {
			t.Errorf("summary message %q", f.Message)
		}
	}
}

func TestFoldKeepsTheWorst(t *testing.T) {
	var findings []Finding
	for i := range MaxFindingsPerGroup + 5 {
		share := float64(i) / 100
		sev := Warning
		if i == 3 {
			sev = Error
		}
		findings = append(findings, Finding{Rule: "RP003", Resource: "aws_network_acl.a", Severity: sev, Status: New,
			Flow: &Flow{Leg: RequestLeg, FailingShare: share, ServicePorts: plan.PortRange{Lo: uint16(1000 + i), Hi: uint16(1000 + i)}}})
	}
	// Another leg and another status are groups of their own.
	findings = append(findings,
		Finding{Rule: "RP003", Resource: "aws_network_acl.a", Severity: Error, Status: New, Flow: &Flow{Leg: ReplyLeg}},
		Finding{Rule: "RP003", Resource: "aws_network_acl.a", Severity: Error, Status: Existing, Flow: &Flow{Leg: RequestLeg}},
		Finding{Rule: "RP008", Resource: "aws_network_acl.a", Severity: Warning, Status: New, Message: "not a flow"},
	)
	folded := fold(findings)
	if len(folded) != MaxFindingsPerGroup+1+3 {
		t.Fatalf("%d findings after folding", len(folded))
	}
	var kept []int
	var summary *Finding
	for i, f := range folded {
		switch {
		case f.Flow != nil && f.Flow.Leg == RequestLeg && f.Status == New:
			kept = append(kept, int(f.Flow.ServicePorts.Lo)-1000)
		case f.Flow == nil && f.Rule == "RP003":
			summary = &folded[i]
		}
	}
	if len(kept) != MaxFindingsPerGroup || kept[0] != 3 {
		t.Errorf("kept %v: want the error (3) first, then the largest failing shares", kept)
	}
	for _, i := range kept[1:] {
		if i < 5 {
			t.Errorf("kept %d, whose failing share is among the smallest", i)
		}
	}
	if summary == nil || summary.Severity != Warning || !strings.HasPrefix(summary.Message, "5 more flows through aws_network_acl.a are dropped on the request leg") {
		t.Errorf("summary %+v", summary)
	}
}

// BenchmarkHostileSecurityGroups: 5,000 security groups that reference
// each other across 16 subnets (issue 17: 17 s and 553 MB for the whole
// check before findings were folded and fixes numbered once).
func BenchmarkHostileSecurityGroups(b *testing.B) {
	m, err := plan.Parse("hostile.json", hostileplan.SecurityGroups(5000, 16))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var findings []Finding
	for b.Loop() {
		findings = Run(m, DefaultConfig())
	}
	b.ReportMetric(float64(len(findings)), "findings")
}
