package checks

import (
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

func TestUnresolved(t *testing.T) {
	n := &plan.Network{Unresolved: []plan.Unresolved{
		{Address: "aws_network_acl_rule.x", Reason: "network_acl_id comes from a data source"},
		{Address: "aws_network_acl_association.y"},
	}}
	findings := runPlanned(n)
	if len(findings) != 2 {
		t.Fatalf("got %v, want two RP008", summaries(findings))
	}
	if f := findings[0]; f.Rule != "RP008" || f.Severity != Warning || f.Resource != "aws_network_acl_association.y" || f.Message == "" {
		t.Errorf("first finding = %+v", f)
	}
	if f := findings[1]; f.Resource != "aws_network_acl_rule.x" || f.Message != "network_acl_id comes from a data source" || f.Status != New {
		t.Errorf("second finding = %+v", f)
	}
}

// Prefix lists and groups managed elsewhere are notices: nothing is wrong
// with the configuration.
func TestInformationalUnresolvedIsANotice(t *testing.T) {
	tp := newTopo()
	tp.Net.Unresolved = []plan.Unresolved{
		{Address: "aws_security_group_rule.s3", Reason: "allows a prefix list", Informational: true},
		{Address: "aws_network_acl_rule.x", Reason: "from a data source"},
	}
	wantLines(t, run(tp, "RP008"), "RP008 warning aws_network_acl_rule.x", "RP008 notice aws_security_group_rule.s3")
}
