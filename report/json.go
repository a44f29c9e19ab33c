package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/netip"

	"github.com/returnpath-dev/returnpath/checks"
	"github.com/returnpath-dev/returnpath/plan"
)

// JSON writes the report as one indented JSON document (SPEC.md "JSON
// report"). Port ranges are strings: "443" for one port, "1024-65535" for
// a range. Findings that are not about one flow have no flow fields.
type JSON struct{}

// ImplicitDeny is the blocking_rule of a reply dropped by the implicit deny
// at the end of a NACL.
const ImplicitDeny = "implicit deny"

type jsonReport struct {
	Version  string        `json:"version"`
	Plan     jsonPlan      `json:"plan"`
	Plans    []jsonPlanRun `json:"plans,omitempty"` // a run of several plans: each with its counts
	Summary  jsonSummary   `json:"summary"`
	Findings []jsonFinding `json:"findings"`
}

type jsonPlan struct {
	File             string `json:"file"`
	FormatVersion    string `json:"format_version"`
	TerraformVersion string `json:"terraform_version"`
	Resources        int    `json:"resources"`
	// Contexts are the context files, absent without.
	Contexts []jsonContext `json:"contexts,omitempty"`
}

type jsonPlanRun struct {
	jsonPlan
	Summary jsonSummary `json:"summary"`
}

type jsonContext struct {
	File      string `json:"file"`
	Kind      string `json:"kind"`
	Resources int    `json:"resources"`
}

type jsonSummary struct {
	Errors         int `json:"errors"`
	Warnings       int `json:"warnings"`
	Notices        int `json:"notices"`
	Suppressed     int `json:"suppressed"`
	NACLs          int `json:"nacls"`
	Rules          int `json:"rules"`
	Subnets        int `json:"subnets"`
	SecurityGroups int `json:"security_groups"`
	// ContextFindings and OutsideSubnets are absent when 0.
	ContextFindings int `json:"context_findings,omitempty"`
	OutsideSubnets  int `json:"outside_subnets,omitempty"`
}

type jsonFinding struct {
	Rule     string        `json:"rule"`
	Severity string        `json:"severity"`
	Resource plan.Address  `json:"resource"`
	Plan     string        `json:"plan,omitempty"`     // the plan file, in a run of several plans
	Location *jsonLocation `json:"location,omitempty"` // absent when the configuration does not say
	Status   string        `json:"status"`
	Message  string        `json:"message"`
	Subnets  []jsonSubnet  `json:"subnets"`
	// Suppressed is absent when no ignore silences the finding.
	Suppressed *jsonSuppression `json:"suppressed,omitempty"`
	*jsonFlow                   // nil (and absent) for findings about no one flow
}

type jsonSuppression struct {
	Kind   checks.SuppressionKind `json:"kind"` // "inSource" or "external", as in SARIF
	Reason string                 `json:"reason"`
	Source string                 `json:"source"` // "file:line" of the ignore
}

type jsonLocation struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

type jsonSubnet struct {
	Address plan.Address `json:"address"`
	CIDR    string       `json:"cidr"`
}

type jsonFlow struct {
	Direction    string         `json:"direction"`
	Leg          string         `json:"leg"`
	Family       string         `json:"family"`
	Protocol     string         `json:"protocol"`
	PeerCIDR     string         `json:"peer_cidr"`
	ServicePorts string         `json:"service_ports"`
	ClientPorts  string         `json:"client_ports"`
	MissingPorts []string       `json:"missing_ports"`
	IntentRule   checks.RuleRef `json:"intent_rule"`
	BlockingRule any            `json:"blocking_rule"` // checks.RuleRef or ImplicitDeny
	Witness      jsonPacket     `json:"witness"`
	FailingShare float64        `json:"failing_share"`
	FailingPeers []string       `json:"failing_peers,omitempty"` // where the share fails, when only part of peer_cidr
	Suggestion   string         `json:"suggestion"`
}

type jsonPacket struct {
	Protocol string `json:"protocol"`
	Src      string `json:"src,omitempty"` // absent when the local address is unknown
	Dst      string `json:"dst,omitempty"` // absent when the local address is unknown
}

// Format writes r as JSON.
func (JSON) Format(w io.Writer, r *Report) error {
	out := jsonReport{
		Version: r.Version,
		Plan: jsonPlan{
			File:             r.Plan.File,
			FormatVersion:    r.Plan.FormatVersion,
			TerraformVersion: r.Plan.TerraformVersion,
			Resources:        r.Plan.Resources,
		},
		Summary:  jsonSummary(r.Summary),
		Findings: make([]jsonFinding, 0, len(r.Findings)),
	}
	out.Plan.Contexts = jsonContexts(r.Contexts)
	for _, sub := range r.PlanReports {
		out.Plans = append(out.Plans, jsonPlanRun{
			jsonPlan: jsonPlan{
				File: sub.Plan.File, FormatVersion: sub.Plan.FormatVersion, TerraformVersion: sub.Plan.TerraformVersion,
				Resources: sub.Plan.Resources, Contexts: jsonContexts(sub.Contexts),
			},
			Summary: jsonSummary(sub.Summary),
		})
	}
	for i, f := range r.Findings {
		jf, err := jsonFindingOf(f)
		if err != nil {
			return fmt.Errorf("finding %d (%s %s): %v", i+1, f.Rule, f.Resource, err)
		}
		out.Findings = append(out.Findings, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func jsonFindingOf(f Finding) (jsonFinding, error) {
	sev, err := f.Severity.MarshalText()
	if err != nil {
		return jsonFinding{}, err
	}
	status, err := f.Status.MarshalText()
	if err != nil {
		return jsonFinding{}, err
	}
	jf := jsonFinding{
		Rule:     f.Rule,
		Severity: string(sev),
		Resource: f.Resource,
		Plan:     f.Plan,
		Status:   string(status),
		Message:  f.Message,
		Subnets:  make([]jsonSubnet, 0, len(f.Subnets)),
	}
	if f.Location.IsValid() {
		jf.Location = &jsonLocation{File: f.Location.File, Line: f.Location.Line}
	}
	for _, s := range f.Subnets {
		jf.Subnets = append(jf.Subnets, jsonSubnet(s))
	}
	if s := f.Suppression; s != nil {
		jf.Suppressed = &jsonSuppression{Kind: s.Kind, Reason: s.Reason, Source: s.Source}
	}
	if fl := f.Flow; fl != nil {
		leg, err := fl.Leg.MarshalText()
		if err != nil {
			return jsonFinding{}, err
		}
		jf.jsonFlow = &jsonFlow{
			Direction:    fl.Direction.String(),
			Leg:          string(leg),
			Family:       fl.Family.String(),
			Protocol:     fl.Protocol.String(),
			PeerCIDR:     prefixString(fl.PeerCIDR),
			ServicePorts: fl.ServicePorts.String(),
			ClientPorts:  fl.ClientPorts.String(),
			MissingPorts: make([]string, 0, len(fl.MissingPorts)),
			IntentRule:   fl.IntentRule,
			BlockingRule: ImplicitDeny,
			Witness: jsonPacket{
				Protocol: fl.Witness.Protocol.String(),
				Src:      addrPortString(fl.Witness.Src),
				Dst:      addrPortString(fl.Witness.Dst),
			},
			FailingShare: roundShare(fl.FailingShare),
			FailingPeers: prefixStrings(fl.FailingPeers),
			Suggestion:   fl.Suggestion,
		}
		for _, p := range fl.MissingPorts {
			jf.MissingPorts = append(jf.MissingPorts, p.String())
		}
		if fl.BlockingRule != nil {
			jf.BlockingRule = *fl.BlockingRule
		}
	}
	return jf, nil
}

// roundShare keeps four decimals, so that reports do not change with the
// last bits of a division.
func roundShare(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// prefixStrings writes prefixes as text, nil for none.
func prefixStrings(ps []netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func jsonContexts(cs []plan.ContextInfo) []jsonContext {
	var out []jsonContext
	for _, c := range cs {
		out = append(out, jsonContext{File: c.Name, Kind: c.Kind, Resources: c.Resources})
	}
	return out
}
