package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// externalPlan reads a plan published by other people from ../shared
// (CI has it; a user's checkout does not, then the test is skipped).
func externalPlan(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "external-plans", name, "plan.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("external plan %s not here: %v", name, err)
	}
	return path
}

// terraform-aws-modules/vpc places NAT gateways with
// element(aws_subnet.public[*].id, var.single_nat_gateway ? 0 : count.index):
// the flag variable names no resource and must not break the link.
func TestExternalModulePlansLinkFully(t *testing.T) {
	// What the plan JSON really cannot tell: terraform-aws-modules/rds
	// names the DB subnet group through a local.
	expected := map[string][]string{
		"tripleaze-eks-rds-default-nacl": {"module.rds.module.db_instance.aws_db_instance.this[0]: its subnets cannot be linked: it comes from local.db_subnet_group_name, and locals are not in the plan JSON"},
	}
	for _, name := range []string{"gendalfx-alb-default-nacl", "luminor-eks-default-nacl", "tripleaze-eks-rds-default-nacl"} {
		t.Run(name, func(t *testing.T) {
			m, err := Load(externalPlan(t, name), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range m.Planned.Unresolved {
				got = append(got, string(u.Address)+": "+u.Reason)
				if !u.Informational {
					t.Errorf("%s is a warning; an unplaceable workload is a notice", u.Address)
				}
			}
			if strings.Join(got, "\n") != strings.Join(expected[name], "\n") {
				t.Errorf("unresolved:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(expected[name], "\n"))
			}
			nats := 0
			for _, w := range m.Planned.Workloads {
				if w.Kind != NATGateway {
					continue
				}
				nats++
				if len(w.Subnets) != 1 || !strings.Contains(string(w.Subnets[0].Address), "aws_subnet.public[") {
					t.Errorf("%s placed in %v, want one public subnet", w.Address, w.Subnets)
				}
			}
			if nats == 0 {
				t.Error("no NAT gateway placed")
			}
			// The default NACL of the module covers every subnet.
			if len(m.Planned.NACLs) != 1 || len(m.Planned.NACLs[0].Subnets) != 4 {
				t.Errorf("NACLs %d, subnets of the first %d", len(m.Planned.NACLs), len(m.Planned.NACLs[0].Subnets))
			}
		})
	}
}

func TestExternalLogStreamIsNamed(t *testing.T) {
	_, err := Load(externalPlan(t, "kcvpc-plan-json-ui-stream"), nil)
	if err == nil || !strings.Contains(err.Error(), "is the log stream of `terraform plan -json`") {
		t.Errorf("log stream: %v", err)
	}
}

func TestExternalOldFormatPlan(t *testing.T) {
	m, err := Load(externalPlan(t, "tfcompliance-514-nacl-unknown-rules"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.FormatVersion != "0.1" || len(m.Planned.NACLs) != 1 || len(m.Planned.NACLs[0].Subnets) != 2 {
		t.Errorf("format %s, NACLs %d", m.Info.FormatVersion, len(m.Planned.NACLs))
	}
}
