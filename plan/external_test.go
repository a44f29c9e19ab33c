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
	// What the plan JSON really cannot tell without the modules' sources
	// (these tests load the plans alone): terraform-aws-modules/rds names
	// the DB subnet group through a local, terraform-aws-modules/eks the
	// cluster's own security group and the node groups' subnets.
	expected := map[string][]string{
		"luminor-eks-default-nacl": {
			"module.eks.module.eks.aws_eks_cluster.this[0]: its security groups cannot be linked: var.cluster_additional_security_group_ids of module.eks.module.eks is not set from a resource; it comes from local.cluster_security_group_id, which the plan JSON does not hold, and no configuration directory was given to read module sources from",
			"module.eks.module.eks.module.eks_managed_node_group[\"example\"].aws_eks_node_group.this[0]: its subnets cannot be linked: it comes from local.create_placement_group, which the plan JSON does not hold, and no configuration directory was given to read module sources from; it comes from a data source (data.aws_subnets.placement_group[0]), known only at apply; it comes from a data source (data.aws_subnets.placement_group), known only at apply; it comes from the root input variable var.worker_min_size; it comes from the root input variable var.worker_max_size; it comes from the root input variable var.worker_desired_capacity; var.create of module.eks.module.eks is not set from a resource; it comes from local.create_outposts_local_cluster, which the plan JSON does not hold, and no configuration directory was given to read module sources from; var.eks_managed_node_group_defaults of module.eks.module.eks is not set from a resource; module.vpc.module.vpc.aws_subnet.private has no instance [\"example\"]: its index is an expression the plan does not evaluate",
		},
		"tripleaze-eks-rds-default-nacl": {
			"module.eks.aws_eks_cluster.this[0]: its security groups cannot be linked: var.additional_security_group_ids of module.eks is not set from a resource; it comes from local.security_group_id, which the plan JSON does not hold, and no configuration directory was given to read module sources from",
			"module.rds.module.db_instance.aws_db_instance.this[0]: its subnets cannot be linked: it comes from local.db_subnet_group_name, which the plan JSON does not hold, and no configuration directory was given to read module sources from",
		},
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
