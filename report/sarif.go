package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/returnpath-dev/returnpath/checks"
)

// SARIF writes the report as SARIF 2.1.0 for code scanning (GitHub
// github/codeql-action/upload-sarif and other SARIF viewers): one run, every
// rule with its help, and one result per finding located at its .tf file
// and line, relative to the repository root. The output holds no time and
// no absolute path of the repository, so that one input always gives the
// same bytes.
type SARIF struct{}

// SARIF constants: the schema the output validates against, where the
// rules are documented, and the name of the result fingerprint.
const (
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion = "2.1.0"
	// InformationURI is the project's home page.
	InformationURI = "https://github.com/returnpath-dev/returnpath"
	// RuleDocsURI is the base of the rule pages: RuleDocsURI + "RP001.md"
	// is RP001's page on the default branch.
	RuleDocsURI = InformationURI + "/blob/main/docs/rules/"
	// FingerprintKey names the fingerprint of a finding in a result's
	// partialFingerprints; the version changes when the identity does.
	FingerprintKey = "returnpathFinding/v1"
	// srcRoot is the base of artifact paths: the repository root.
	srcRoot = "%SRCROOT%"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                    `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactBase `json:"originalUriBaseIds"`
	Results            []sarifResult                `json:"results"`
}

type sarifArtifactBase struct {
	Description sarifMessage `json:"description"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	ShortDescription     sarifMessage      `json:"shortDescription"`
	FullDescription      sarifMessage      `json:"fullDescription"`
	Help                 sarifMessage      `json:"help"`
	HelpURI              string            `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags []string `json:"tags"`
	// SecuritySeverity is GitHub code scanning's score (0.1 to 10, as a
	// string), which ranks the alerts as critical, high, medium or low.
	SecuritySeverity string `json:"security-severity"`
}

// RuleHelpURI is the page that documents rule id.
func RuleHelpURI(id string) string { return RuleDocsURI + id + ".md" }

// SecuritySeverity is the security-severity of a rule of severity s:
// GitHub ranks over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium and
// less low. An error (the network drops the replies of traffic it means
// to allow: an outage) is high; a warning (a rule that misleads or
// depends on chance) medium; a notice low. None is critical: returnpath
// finds traffic that is blocked, never a hole that lets traffic in.
func SecuritySeverity(s checks.Severity) string {
	switch s {
	case checks.Error:
		return "8.0"
	case checks.Warning:
		return "5.0"
	}
	return "2.0"
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifMessage       `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Fixes               []sarifFix         `json:"fixes,omitempty"`
	Properties          sarifResultProps   `json:"properties"`
}

// sarifFix is the edit that fixes a result (what returnpath fix writes),
// for viewers that apply fixes.
type sarifFix struct {
	Description     sarifMessage          `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Replacements     []sarifReplacement    `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifEditRegion   `json:"deletedRegion"`
	InsertedContent sarifInsertedText `json:"insertedContent"`
}

// sarifEditRegion is a region by line and column and by byte offset (the
// columns count bytes: exact for the ASCII of HCL keywords and numbers).
type sarifEditRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
	ByteOffset  int `json:"byteOffset"`
	ByteLength  int `json:"byteLength"`
}

type sarifInsertedText struct {
	Text string `json:"text"`
}

type sarifResultProps struct {
	Status string `json:"status"` // new or existing, as in the JSON report
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

// Format writes r as SARIF.
func (SARIF) Format(w io.Writer, r *Report) error {
	rules := checks.All()
	ruleIndex := map[string]int{}
	driver := sarifDriver{
		Name:           "returnpath",
		Version:        r.Version,
		InformationURI: InformationURI,
		Rules:          make([]sarifRule, 0, len(rules)),
	}
	for i, c := range rules {
		ruleIndex[c.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   c.ID,
			ShortDescription:     sarifMessage{c.Title},
			FullDescription:      sarifMessage{c.Doc},
			Help:                 sarifMessage{c.Doc},
			HelpURI:              RuleHelpURI(c.ID),
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(c.Severity)},
			// "security" makes GitHub code scanning treat the alerts
			// as security alerts, ranked by security-severity.
			Properties: sarifRuleProperty{Tags: []string{"security", "terraform", "aws", "network-acl"}, SecuritySeverity: SecuritySeverity(c.Severity)},
		})
	}
	run := sarifRun{
		Tool: sarifTool{Driver: driver},
		OriginalURIBaseIDs: map[string]sarifArtifactBase{
			srcRoot: {Description: sarifMessage{"The root of the repository that holds the Terraform configuration."}},
		},
		Results: make([]sarifResult, 0, len(r.Findings)),
	}
	for i, f := range r.Findings {
		index, ok := ruleIndex[f.Rule]
		if !ok {
			return fmt.Errorf("finding %d (%s %s): no such rule", i+1, f.Rule, f.Resource)
		}
		if _, err := f.Severity.MarshalText(); err != nil {
			return fmt.Errorf("finding %d (%s %s): %v", i+1, f.Rule, f.Resource, err)
		}
		status, err := f.Status.MarshalText()
		if err != nil {
			return fmt.Errorf("finding %d (%s %s): %v", i+1, f.Rule, f.Resource, err)
		}
		result := sarifResult{
			RuleID:              f.Rule,
			RuleIndex:           index,
			Level:               sarifLevel(f.Severity),
			Message:             sarifMessage{explanation(f)},
			Locations:           []sarifLocation{sarifLocationOf(f, r.Plan.RepoFile)},
			PartialFingerprints: map[string]string{FingerprintKey: fingerprint(f.Finding)},
			Properties:          sarifResultProps{Status: string(status)},
		}
		if f.Patch != nil {
			result.Fixes = []sarifFix{sarifFixOf(f.Patch)}
		}
		if s := f.Suppression; s != nil {
			if s.Kind != checks.InSource && s.Kind != checks.External {
				return fmt.Errorf("finding %d (%s %s): invalid suppression kind %d", i+1, f.Rule, f.Resource, s.Kind)
			}
			result.Suppressions = []sarifSuppression{{Kind: s.Kind.String(), Justification: s.Reason}}
		}
		run.Results = append(run.Results, result)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifFixOf is a patch as a SARIF fix: one artifactChange per file, in
// the order the files are first edited.
func sarifFixOf(p *Patch) sarifFix {
	fix := sarifFix{Description: sarifMessage{p.Description}}
	index := map[string]int{}
	for _, e := range p.Edits {
		i, ok := index[e.File]
		if !ok {
			i = len(fix.ArtifactChanges)
			index[e.File] = i
			fix.ArtifactChanges = append(fix.ArtifactChanges, sarifArtifactChange{ArtifactLocation: artifactLocation(e.File)})
		}
		fix.ArtifactChanges[i].Replacements = append(fix.ArtifactChanges[i].Replacements, sarifReplacement{
			DeletedRegion: sarifEditRegion{
				StartLine: e.StartLine, StartColumn: e.StartColumn, EndLine: e.EndLine, EndColumn: e.EndColumn,
				ByteOffset: e.StartByte, ByteLength: e.EndByte - e.StartByte,
			},
			InsertedContent: sarifInsertedText{e.Text},
		})
	}
	return fix
}

// sarifLevel maps a severity to a SARIF level (notice is "note").
func sarifLevel(s checks.Severity) string {
	switch s {
	case checks.Error:
		return "error"
	case checks.Warning:
		return "warning"
	}
	return "note"
}

// sarifLocationOf is the finding's file and line, with the resource
// address as the logical location. A finding the configuration does not
// locate points at the plan file instead, when it is in the repository:
// GitHub code scanning refuses a whole upload for one result without a
// physical location.
func sarifLocationOf(f Finding, planFile string) sarifLocation {
	loc := sarifLocation{LogicalLocations: []sarifLogicalLocation{{FullyQualifiedName: string(f.Resource), Kind: "resource"}}}
	switch {
	case f.Location.IsValid():
		loc.PhysicalLocation = &sarifPhysicalLocation{
			ArtifactLocation: artifactLocation(f.Location.File),
			Region:           &sarifRegion{StartLine: f.Location.Line},
		}
	case planFile != "":
		loc.PhysicalLocation = &sarifPhysicalLocation{ArtifactLocation: artifactLocation(planFile)}
	}
	return loc
}

// artifactLocation is a file relative to the repository root, or a file
// URI for one outside it (a local module source that leaves the
// repository).
func artifactLocation(file string) sarifArtifactLocation {
	if filepath.IsAbs(filepath.FromSlash(file)) {
		if !strings.HasPrefix(file, "/") {
			file = "/" + file // C:/x is file:///C:/x
		}
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: file}).String()}
	}
	return sarifArtifactLocation{URI: (&url.URL{Path: file}).String(), URIBaseID: srcRoot}
}

// fingerprint identifies a finding across runs, whatever the line numbers
// and the order of findings: the rule and the resource, and for a broken
// flow the intent it is about (direction, family, protocol, peer, service
// ports and the rule that states it); for other findings their message.
// Whether the finding is new or existing does not change it.
func fingerprint(f checks.Finding) string { return Fingerprint(f) }

// Fingerprint identifies a finding across runs (SARIF's
// partialFingerprints, review suggestions): its rule, resource and flow,
// not its wording or line.
func Fingerprint(f checks.Finding) string {
	parts := []string{f.Rule, string(f.Resource)}
	if fl := f.Flow; fl != nil {
		parts = append(parts,
			fl.Direction.String(), fl.Family.String(), fl.Protocol.String(),
			prefixString(fl.PeerCIDR), fl.ServicePorts.String(),
			string(fl.IntentRule.Address), strconv.Itoa(fl.IntentRule.Number))
	} else {
		parts = append(parts, f.Message)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}
