package report

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/internal/sariftest"
	"github.com/returnpath-dev/returnpath/plan"
	"github.com/returnpath-dev/returnpath/source"
)

// sarifDoc is the part of a SARIF log the tests read.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name, Version, InformationURI string
				Rules                         []struct {
					ID                   string
					ShortDescription     struct{ Text string }
					Help                 struct{ Text string }
					HelpURI              string
					DefaultConfiguration struct{ Level string }
					Properties           struct {
						Tags             []string
						SecuritySeverity string `json:"security-severity"`
					}
				}
			}
		}
		Results []struct {
			RuleID    string
			RuleIndex int
			Level     string
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct{ URI, URIBaseID string }
					Region           *struct{ StartLine int }
				}
				LogicalLocations []struct{ FullyQualifiedName, Kind string }
			}
			PartialFingerprints map[string]string
			Suppressions        []struct{ Kind, Justification string }
			Properties          struct{ Status string }
		}
	}
}

func decodeSARIF(t *testing.T, out string) sarifDoc {
	t.Helper()
	var doc sarifDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(doc.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(doc.Runs))
	}
	return doc
}

// sarifSample is sample()'s report, located, with a notice that is
// suppressed in the source and a finding the configuration does not know.
func sarifSample(t *testing.T) *Report {
	t.Helper()
	m, findings := sample()
	findings = append(findings,
		checks.Finding{
			Rule: "RP006", Severity: checks.Notice, Resource: "aws_network_acl.private", Status: checks.New,
			Message:     "duplicate rule number 100",
			Suppression: &checks.Suppression{Kind: checks.InSource, Reason: "migrating, see JIRA-12", Source: "main.tf:7"},
		},
		checks.Finding{
			Rule: "RP008", Severity: checks.Warning, Resource: "aws_network_acl_association.gone", Status: checks.New,
			Message: "subnet_id comes from a data source",
		})
	r := New(m, findings, "infra/plan.json", "test")
	r.Locate(sampleIndex(t))
	r.Plan.RepoFile = "infra/plan.json"
	return r
}

func TestSARIF(t *testing.T) {
	r := sarifSample(t)
	out := format(t, SARIF{}, r)
	if again := format(t, SARIF{}, r); again != out {
		t.Error("SARIF output is not deterministic")
	}
	if s := sariftest.Schema(t); s != nil {
		sariftest.Validate(t, s, []byte(out))
	} else {
		t.Logf("%s is absent: not validated", sariftest.SchemaFile)
	}
	doc := decodeSARIF(t, out)
	if doc.Version != "2.1.0" || !strings.Contains(doc.Schema, "sarif-schema-2.1.0.json") {
		t.Errorf("version %q, $schema %q", doc.Version, doc.Schema)
	}
	driver := doc.Runs[0].Tool.Driver
	if driver.Name != "returnpath" || driver.Version != "test" || driver.InformationURI == "" {
		t.Errorf("driver %+v", driver)
	}
	var ids []string
	for i, rule := range driver.Rules {
		ids = append(ids, rule.ID)
		c := checks.All()[i]
		if rule.ShortDescription.Text != c.Title || rule.Help.Text != c.Doc ||
			rule.HelpURI != "https://github.com/returnpath-dev/returnpath/blob/main/docs/rules/"+c.ID+".md" ||
			rule.DefaultConfiguration.Level != sarifLevel(c.Severity) {
			t.Errorf("rule %s: %+v", rule.ID, rule)
		}
		// GitHub code scanning ranks security alerts by security-severity:
		// a number from 0.1 to 10 in a string, on rules tagged security.
		score, err := strconv.ParseFloat(rule.Properties.SecuritySeverity, 64)
		want := map[checks.Severity]float64{checks.Error: 8.0, checks.Warning: 5.0, checks.Notice: 2.0}[c.Severity]
		if err != nil || score != want || !slices.Contains(rule.Properties.Tags, "security") {
			t.Errorf("rule %s: properties %+v, want security-severity %.1f and the tag security", rule.ID, rule.Properties, want)
		}
	}
	var want []string
	for _, c := range checks.All() {
		want = append(want, c.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("rules %v, want every check %v", ids, want)
	}

	results := doc.Runs[0].Results
	if len(results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(results), len(r.Findings))
	}
	byResource := map[string]int{}
	for i, res := range results {
		if driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %d: ruleIndex %d is not %s", i, res.RuleIndex, res.RuleID)
		}
		if len(res.Locations) != 1 || len(res.Locations[0].LogicalLocations) != 1 ||
			res.Locations[0].LogicalLocations[0].FullyQualifiedName != string(r.Findings[i].Resource) {
			t.Errorf("result %d: logical location %+v, want %s", i, res.Locations, r.Findings[i].Resource)
		}
		if len(res.PartialFingerprints[FingerprintKey]) != 64 {
			t.Errorf("result %d: fingerprints %v", i, res.PartialFingerprints)
		}
		byResource[res.RuleID+" "+res.Locations[0].LogicalLocations[0].FullyQualifiedName] = i
	}

	flow := results[byResource["RP001 aws_network_acl.public"]]
	phys := flow.Locations[0].PhysicalLocation
	if phys == nil || phys.ArtifactLocation.URI != "infra/main.tf" || phys.ArtifactLocation.URIBaseID != "%SRCROOT%" ||
		phys.Region == nil || phys.Region.StartLine != 4 {
		t.Errorf("RP001 physical location %+v, want infra/main.tf line 4", phys)
	}
	if flow.Level != "error" || flow.Properties.Status != "new" || len(flow.Suppressions) != 0 {
		t.Errorf("RP001: %+v", flow)
	}
	for _, part := range []string{"inbound tcp/443", "e.g. 10.0.1.10:443 → 203.0.113.7:49731 dropped", "fix:\nresource \"aws_network_acl_rule\""} {
		if !strings.Contains(flow.Message.Text, part) {
			t.Errorf("RP001 message lacks %q: %q", part, flow.Message.Text)
		}
	}
	existing := results[byResource["RP008 aws_network_acl_rule.legacy"]]
	if existing.Properties.Status != "existing" || !strings.HasSuffix(existing.Message.Text, "(already so before this plan)") {
		t.Errorf("existing RP008: %+v", existing)
	}

	suppressed := results[byResource["RP006 aws_network_acl.private"]]
	if suppressed.Level != "note" || len(suppressed.Suppressions) != 1 ||
		suppressed.Suppressions[0].Kind != "inSource" || suppressed.Suppressions[0].Justification != "migrating, see JIRA-12" {
		t.Errorf("suppressed notice: %+v", suppressed)
	}

	// Not in the configuration: the plan file, without a region, so that
	// code scanning accepts the upload.
	unlocated := results[byResource["RP008 aws_network_acl_association.gone"]]
	if p := unlocated.Locations[0].PhysicalLocation; p == nil || p.ArtifactLocation.URI != "infra/plan.json" || p.Region != nil {
		t.Errorf("unlocated finding: physical location %+v, want the plan file", p)
	}
	r.Plan.RepoFile = ""
	doc = decodeSARIF(t, format(t, SARIF{}, r))
	for _, res := range doc.Runs[0].Results {
		if res.RuleID == "RP008" && res.Locations[0].LogicalLocations[0].FullyQualifiedName == "aws_network_acl_association.gone" &&
			res.Locations[0].PhysicalLocation != nil {
			t.Errorf("plan from stdin: physical location %+v, want only the logical one", res.Locations[0].PhysicalLocation)
		}
	}
}

func TestSARIFClean(t *testing.T) {
	out := format(t, SARIF{}, New(nil, nil, "plan.json", "test"))
	if s := sariftest.Schema(t); s != nil {
		sariftest.Validate(t, s, []byte(out))
	}
	if !strings.Contains(out, `"results": []`) {
		t.Errorf("clean SARIF has no empty results:\n%s", out)
	}
}

func TestSARIFPaths(t *testing.T) {
	r := sarifSample(t)
	r.Findings[0].Location = source.Location{File: "dir with space/a,b.tf", Line: 3}
	r.Findings[1].Location = source.Location{File: "/outside/repo/x.tf", Line: 9}
	out := format(t, SARIF{}, r)
	if s := sariftest.Schema(t); s != nil {
		sariftest.Validate(t, s, []byte(out))
	}
	doc := decodeSARIF(t, out)
	results := doc.Runs[0].Results
	if got := results[0].Locations[0].PhysicalLocation.ArtifactLocation; got.URI != "dir%20with%20space/a,b.tf" || got.URIBaseID != "%SRCROOT%" {
		t.Errorf("relative path: %+v", got)
	}
	if got := results[1].Locations[0].PhysicalLocation.ArtifactLocation; got.URI != "file:///outside/repo/x.tf" || got.URIBaseID != "" {
		t.Errorf("absolute path: %+v", got)
	}
}

func TestSARIFErrors(t *testing.T) {
	r := sarifSample(t)
	r.Findings[0].Rule = "RP999"
	var b strings.Builder
	if err := (SARIF{}).Format(&b, r); err == nil || !strings.Contains(err.Error(), "RP999") {
		t.Errorf("unknown rule: %v", err)
	}
	r = sarifSample(t)
	r.Findings[0].Suppression = &checks.Suppression{Reason: "no kind"}
	if err := (SARIF{}).Format(&b, r); err == nil || !strings.Contains(err.Error(), "suppression") {
		t.Errorf("suppression without a kind: %v", err)
	}
	r = sarifSample(t)
	r.Findings[0].Severity = 0
	if err := (SARIF{}).Format(&b, r); err == nil {
		t.Error("finding without a severity: no error")
	}
}

func TestFingerprint(t *testing.T) {
	_, findings := sample()
	flow := findings[2]
	base := fingerprint(flow)

	// What does not identify the finding: status, the wording, the
	// details of what is missing, the fix. Lines never enter.
	same := flow
	same.Status = checks.Existing
	same.Message = "reworded"
	fl := *flow.Flow
	fl.MissingPorts = []plan.PortRange{{Lo: 1024, Hi: 32767}}
	fl.Suggestion = ""
	fl.FailingShare = 0.5
	same.Flow = &fl
	if fingerprint(same) != base {
		t.Error("fingerprint changed with status, message or missing ports")
	}

	seen := map[string]string{base: "base"}
	distinct := func(name string, f checks.Finding) {
		t.Helper()
		fp := fingerprint(f)
		if other, ok := seen[fp]; ok {
			t.Errorf("%s has the fingerprint of %s", name, other)
		}
		seen[fp] = name
	}
	other := flow
	other.Resource = "aws_network_acl.private"
	distinct("another NACL", other)
	rp002 := flow
	rp002.Rule = "RP002"
	distinct("another rule", rp002)
	for name, change := range map[string]func(*checks.Flow){
		"another direction":   func(f *checks.Flow) { f.Direction = plan.Egress },
		"another service":     func(f *checks.Flow) { f.ServicePorts = plan.PortRange{Lo: 80, Hi: 80} },
		"another intent rule": func(f *checks.Flow) { f.IntentRule.Number = 200 },
		"another peer":        func(f *checks.Flow) { f.PeerCIDR = netip.MustParsePrefix("10.0.0.0/8") },
	} {
		f := flow
		c := *flow.Flow
		change(&c)
		f.Flow = &c
		distinct(name, f)
	}
	distinct("RP006", findings[1])
	rp006 := findings[1]
	rp006.Message = "duplicate rule number 100 in ingress"
	distinct("another RP006 on the same NACL", rp006)
}

// TestSARIFFingerprintsStable: moving a block and reordering the findings
// keep every result's fingerprint.
func TestSARIFFingerprintsStable(t *testing.T) {
	byIdentity := func(r *Report) map[string]string {
		doc := decodeSARIF(t, format(t, SARIF{}, r))
		out := map[string]string{}
		for _, res := range doc.Runs[0].Results {
			out[res.RuleID+" "+res.Locations[0].LogicalLocations[0].FullyQualifiedName] = res.PartialFingerprints[FingerprintKey]
		}
		return out
	}
	r := sarifSample(t)
	before := byIdentity(r)
	slices.Reverse(r.Findings)
	for i := range r.Findings {
		r.Findings[i].Location.Line += 10
	}
	after := byIdentity(r)
	if len(before) != len(r.Findings) {
		t.Fatalf("%d identities for %d findings", len(before), len(r.Findings))
	}
	for id, fp := range before {
		if after[id] != fp {
			t.Errorf("%s: fingerprint %s became %s", id, fp, after[id])
		}
	}
}
