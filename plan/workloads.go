package plan

import (
	"errors"
	"slices"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Workload resource types and how they name their subnets.
const (
	typeNATGateway = "aws_nat_gateway"
	typeLB         = "aws_lb"
	typeALB        = "aws_alb" // the older name of aws_lb
	typeLambda     = "aws_lambda_function"
	typeInstance   = "aws_instance"
)

func workloadKind(typ string) WorkloadKind {
	switch typ {
	case typeNATGateway:
		return NATGateway
	case typeLB, typeALB:
		return LoadBalancer
	case typeLambda:
		return LambdaFunction
	case typeInstance:
		return Instance
	}
	return 0
}

type subnetPlacement struct {
	SubnetID      *string   `json:"subnet_id"`
	Subnets       []*string `json:"subnets"`
	SubnetMapping []struct {
		SubnetID *string `json:"subnet_id"`
	} `json:"subnet_mapping"`
	VPCConfig []struct {
		SubnetIDs []*string `json:"subnet_ids"`
	} `json:"vpc_config"`
}

// addWorkloads places NAT gateways, load balancers, Lambda functions and
// instances in their subnets. A subnet id that is known but not in the
// plan is outside the network the plan manages, and is left alone; one
// unknown until apply that cannot be linked is reported.
func (b *builder) addWorkloads() error {
	for _, inst := range b.instances {
		kind := workloadKind(inst.Type)
		if kind == 0 {
			continue
		}
		var v subnetPlacement
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		subnets, err := b.placementSubnets(inst, &v)
		if err != nil {
			b.unresolved(inst.Address, "its subnets cannot be linked: %v", err)
		}
		if len(subnets) == 0 {
			continue
		}
		w := &Workload{Address: inst.Address, Kind: kind}
		for _, s := range subnets {
			subnet := b.subnets[s]
			w.Subnets = append(w.Subnets, subnet)
			subnet.Workloads = append(subnet.Workloads, w)
		}
		b.net.Workloads = append(b.net.Workloads, w)
	}
	return nil
}

func (b *builder) placementSubnets(inst *instance, v *subnetPlacement) ([]*instance, error) {
	var found []*instance
	var errs []error
	known := func(ids ...*string) {
		for _, id := range ids {
			if id != nil && *id != "" {
				found = append(found, b.linker.withID(*id, []string{typeSubnet})...)
			}
		}
	}
	follow := func(got []*instance, err error) {
		found = append(found, got...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	switch inst.Type {
	case typeNATGateway, typeInstance:
		known(v.SubnetID)
		if v.SubnetID == nil && inst.Unknown.anyIn("subnet_id") {
			follow(b.linker.follow(inst, "subnet_id"))
		}
	case typeLB, typeALB:
		known(v.Subnets...)
		if inst.Unknown.anyIn("subnets") {
			follow(b.linker.follow(inst, "subnets"))
		}
		for i, m := range v.SubnetMapping {
			known(m.SubnetID)
			if m.SubnetID == nil && inst.Unknown.element("subnet_mapping", i).anyIn("subnet_id") {
				follow(b.linker.followNested(inst, "subnet_mapping", i, "subnet_id"))
			}
		}
	case typeLambda:
		for i, c := range v.VPCConfig {
			known(c.SubnetIDs...)
			if inst.Unknown.element("vpc_config", i).anyIn("subnet_ids") {
				follow(b.linker.followNested(inst, "vpc_config", i, "subnet_ids"))
			}
		}
	}
	found = ofTypes(found, []string{typeSubnet})
	slices.SortFunc(found, func(a, c *instance) int { return strings.Compare(string(a.Address), string(c.Address)) })
	return slices.Compact(found), errors.Join(errs...)
}

// followNested resolves an attribute of a nested block (vpc_config[0].
// subnet_ids, subnet_mapping[1].subnet_id) through the configuration.
func (l *linker) followNested(inst *instance, block string, index int, attr string) ([]*instance, error) {
	if inst.Config == nil {
		return nil, errors.New(block + "." + attr + " is unknown until apply and the plan has no configuration to link it")
	}
	expr := inst.Config.Expressions[block]
	if expr == nil || expr.ExpressionData == nil || index >= len(expr.NestedBlocks) {
		return nil, errors.New(block + " is not written in the configuration (a dynamic block?), so " + attr + " cannot be linked")
	}
	inner := expr.NestedBlocks[index][attr]
	return l.followExpr(inst, attr, inner)
}

// followExpr resolves one expression of the instance's configuration.
func (l *linker) followExpr(inst *instance, attr string, expr *tfjson.Expression) ([]*instance, error) {
	if expr == nil || expr.ExpressionData == nil || len(expr.References) == 0 {
		return nil, errors.New(attr + " is unknown until apply and its expression refers to no resource")
	}
	steps, err := l.paths.parse(inst.Module)
	if err != nil {
		return nil, err
	}
	return l.resolve(steps, expr.References, origin{key: inst.Key, forEach: inst.Config.ForEachExpression}, "", 0)
}
