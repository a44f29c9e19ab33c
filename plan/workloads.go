package plan

import (
	"errors"
	"slices"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// Workload resource types, and the resources through which some of them
// name their subnets and security groups.
const (
	typeNATGateway       = "aws_nat_gateway"
	typeLB               = "aws_lb"
	typeALB              = "aws_alb" // the older name of aws_lb
	typeLambda           = "aws_lambda_function"
	typeInstance         = "aws_instance"
	typeENI              = "aws_network_interface"
	typeECSService       = "aws_ecs_service"
	typeDBInstance       = "aws_db_instance"
	typeRDSCluster       = "aws_rds_cluster"
	typeCacheCluster     = "aws_elasticache_cluster"
	typeCacheReplication = "aws_elasticache_replication_group"
	typeASG              = "aws_autoscaling_group"
	typeEKSNodeGroup     = "aws_eks_node_group"
	typeEKSCluster       = "aws_eks_cluster"
	typeVPCEndpoint      = "aws_vpc_endpoint"
	typeEFSMountTarget   = "aws_efs_mount_target"
	typeRDSInstance      = "aws_rds_cluster_instance"

	typeDBSubnetGroup       = "aws_db_subnet_group"
	typeCacheSubnetGroup    = "aws_elasticache_subnet_group"
	typeLaunchTemplate      = "aws_launch_template"
	typeLaunchConfiguration = "aws_launch_configuration"
)

func workloadKind(typ string) WorkloadKind {
	switch typ {
	case typeNATGateway:
		return NATGateway
	case typeLB, typeALB:
		return LoadBalancer
	case typeLambda:
		return LambdaFunction
	case typeInstance, typeASG, typeEKSNodeGroup:
		return Instance
	case typeENI, typeEKSCluster:
		// an EKS cluster: its control plane's network interfaces
		return NetworkInterface
	case typeECSService:
		return ECSTask
	case typeDBInstance, typeRDSCluster, typeRDSInstance:
		return Database
	case typeVPCEndpoint:
		return VPCEndpoint
	case typeEFSMountTarget:
		return FileSystem
	case typeCacheCluster, typeCacheReplication:
		return Cache
	}
	return 0
}

// placementModelled reports whether a type places workloads: a workload
// or a resource a workload names its subnets or groups through.
func placementModelled(typ string) bool {
	switch typ {
	case typeDBSubnetGroup, typeCacheSubnetGroup, typeLaunchTemplate, typeLaunchConfiguration:
		return true
	}
	return workloadKind(typ) != 0
}

// usesDefaultGroup lists the workloads AWS puts in their VPC's default
// security group when the configuration names none.
func usesDefaultGroup(typ string) bool {
	switch typ {
	case typeInstance, typeENI, typeECSService, typeDBInstance, typeRDSCluster, typeCacheCluster, typeCacheReplication,
		typeVPCEndpoint, typeEFSMountTarget:
		return true
	}
	return false
}

// addWorkloads places NAT gateways, load balancers, Lambda functions,
// instances (also of autoscaling groups), network interfaces, ECS
// services, databases and cache clusters in their subnets, and makes them
// members of their security groups. A subnet or group id that is known but
// not in the plan is outside the network the plan manages, and is left
// alone; one unknown until apply that cannot be linked is reported.
func (b *builder) addWorkloads() error {
	defaults := map[*VPC]*SecurityGroup{}
	for _, g := range b.net.SecurityGroups {
		if g.Default && g.VPC != nil {
			defaults[g.VPC] = g
		}
	}
	attached := b.attachedInterfaces()
	for _, inst := range b.instances {
		kind := workloadKind(inst.Type)
		if kind == 0 || attached[inst] {
			continue // an instance's network interface is the instance
		}
		var v planjson.PlacementValues
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		// A workload that cannot be placed loses no rule: it only narrows
		// what the security-group checks and client ranges know, so it
		// is a notice (terraform-aws-modules/rds names its subnet group
		// through a local, which the plan JSON does not hold).
		subnets, err := b.placementSubnets(inst, &v)
		if err != nil {
			b.informational(inst.Address, "its subnets cannot be linked: %v", err)
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
		groups, named, err := b.placementGroups(inst, &v)
		if err != nil {
			b.informational(inst.Address, "its security groups cannot be linked: %v", err)
		}
		if !named && usesDefaultGroup(inst.Type) && w.Subnets[0].VPC != nil && defaults[w.Subnets[0].VPC] != nil {
			groups = []*SecurityGroup{defaults[w.Subnets[0].VPC]}
		}
		for _, g := range groups {
			w.SecurityGroups = append(w.SecurityGroups, g)
			g.Members = append(g.Members, w)
		}
		b.net.Workloads = append(b.net.Workloads, w)
		b.placed.workloads[inst] = w
	}
	return nil
}

// links collects the instances that known ids and configuration
// references name.
type links struct {
	b     *builder
	types []string
	found []*instance
	errs  []error
	// outsider, when set, is the resource whose known subnet ids that
	// neither the plan nor a context holds are noted (outsideSubnet).
	outsider Address
}

// known adds the instances of known ids; ids of resources this plan does
// not manage are ignored.
func (l *links) known(ids ...*string) {
	for _, id := range ids {
		if id != nil && *id != "" {
			found := l.b.linker.withID(*id, l.types)
			if len(found) == 0 && l.outsider != "" {
				l.b.outsideSubnet(l.outsider, *id)
			}
			l.found = append(l.found, found...)
		}
	}
}

// attr adds a top-level attribute of inst: its known ids, and what its
// expression refers to when some of it is unknown until apply.
func (l *links) attr(inst *instance, name string, ids ...*string) {
	l.known(ids...)
	if inst.Unknown.AnyIn(name) {
		l.add(l.b.linkerOf(inst).follow(inst, name))
	}
}

// nested adds attribute name of block number i of inst.
func (l *links) nested(inst *instance, block string, i int, name string, ids ...*string) {
	l.known(ids...)
	if inst.Unknown.Element(block, i).AnyIn(name) {
		l.add(l.b.linkerOf(inst).followNested(inst, block, i, name))
	}
}

func (l *links) add(got []*instance, err error) {
	l.found = append(l.found, got...)
	if err != nil {
		l.errs = append(l.errs, err)
	}
}

// result keeps the wanted types, sorted by address, each once.
func (l *links) result() ([]*instance, error) {
	found := ofTypes(l.found, l.types)
	slices.SortFunc(found, func(a, c *instance) int { return strings.Compare(string(a.Address), string(c.Address)) })
	return slices.Compact(found), errors.Join(l.errs...)
}

func (b *builder) newLinks(types ...string) *links { return &links{b: b, types: types} }

func (b *builder) placementSubnets(inst *instance, v *planjson.PlacementValues) ([]*instance, error) {
	l := b.newLinks(typeSubnet)
	l.outsider = inst.Address
	switch inst.Type {
	case typeInstance:
		if enis := b.instanceInterfaces(inst, v, l); enis != nil {
			for _, eni := range enis {
				var ev planjson.PlacementValues
				if b.dec.Values(string(eni.Address), eni.Values, &ev) == nil {
					l.attr(eni, "subnet_id", ev.SubnetID)
				}
			}
			break
		}
		l.attr(inst, "subnet_id", v.SubnetID)
	case typeNATGateway, typeENI, typeEFSMountTarget:
		l.attr(inst, "subnet_id", v.SubnetID)
	case typeEKSNodeGroup, typeVPCEndpoint:
		l.attr(inst, "subnet_ids", v.SubnetIDs...)
	case typeEKSCluster:
		for i, c := range v.VPCConfig {
			l.nested(inst, "vpc_config", i, "subnet_ids", c.SubnetIDs...)
		}
	case typeRDSInstance:
		for _, c := range b.clusterOf(inst, v, l) {
			var cv planjson.PlacementValues
			if b.dec.Values(string(c.Address), c.Values, &cv) == nil {
				b.subnetGroupSubnets(l, c, "db_subnet_group_name", cv.DBSubnetGroupName, typeDBSubnetGroup)
			}
		}
	case typeLB, typeALB:
		l.attr(inst, "subnets", v.Subnets...)
		for i, m := range v.SubnetMapping {
			l.nested(inst, "subnet_mapping", i, "subnet_id", m.SubnetID)
		}
	case typeLambda:
		for i, c := range v.VPCConfig {
			l.nested(inst, "vpc_config", i, "subnet_ids", c.SubnetIDs...)
		}
	case typeECSService:
		for i, c := range v.NetworkConfiguration {
			l.nested(inst, "network_configuration", i, "subnets", c.Subnets...)
		}
	case typeASG:
		l.attr(inst, "vpc_zone_identifier", v.VPCZoneIdentifier...)
	case typeDBInstance, typeRDSCluster:
		b.subnetGroupSubnets(l, inst, "db_subnet_group_name", v.DBSubnetGroupName, typeDBSubnetGroup)
	case typeCacheCluster, typeCacheReplication:
		b.subnetGroupSubnets(l, inst, "subnet_group_name", v.SubnetGroupName, typeCacheSubnetGroup)
	}
	return l.result()
}

// subnetGroupSubnets adds the subnets of the DB or cache subnet group a
// workload names (by name, which is also the group's id).
func (b *builder) subnetGroupSubnets(l *links, inst *instance, attr string, name *string, groupType string) {
	groups := b.newLinks(groupType)
	if name != nil && *name != "" {
		groups.found = append(groups.found, b.named(groupType, *name)...)
	}
	groups.attr(inst, attr)
	found, err := groups.result()
	l.add(nil, err)
	for _, g := range found {
		var sv planjson.SubnetGroupValues
		if b.dec.Values(string(g.Address), g.Values, &sv) != nil {
			l.add(nil, errors.New(string(g.Address)+" cannot be read"))
			continue
		}
		l.attr(g, "subnet_ids", sv.SubnetIDs...)
	}
}

// named finds the instances of a type by their name attribute.
func (b *builder) named(typ, name string) []*instance {
	if b.placed.names == nil {
		b.placed.names = map[string][]*instance{}
		for _, inst := range b.instances {
			switch inst.Type {
			case typeDBSubnetGroup, typeCacheSubnetGroup, typeLaunchTemplate, typeLaunchConfiguration:
				var v struct {
					Name *string `json:"name"`
				}
				if b.dec.Values(string(inst.Address), inst.Values, &v) == nil && v.Name != nil {
					b.placed.names[inst.Type+"|"+*v.Name] = append(b.placed.names[inst.Type+"|"+*v.Name], inst)
				}
			}
		}
	}
	return b.placed.names[typ+"|"+name]
}

// placementGroups links the security groups of a workload. named is false
// when the configuration names none, and AWS then uses the VPC's default
// group.
func (b *builder) placementGroups(inst *instance, v *planjson.PlacementValues) (groups []*SecurityGroup, named bool, err error) {
	l := b.newLinks(groupTypes...)
	var attr string
	// An attribute the configuration does not write is computed: unknown
	// on create, and AWS fills it with the default group.
	switch inst.Type {
	case typeInstance, typeDBInstance, typeRDSCluster:
		attr = "vpc_security_group_ids"
	case typeENI, typeLB, typeALB:
		attr = "security_groups"
	case typeCacheCluster, typeCacheReplication:
		attr = "security_group_ids"
	}
	switch inst.Type {
	case typeVPCEndpoint:
		attr = "security_group_ids"
	case typeEFSMountTarget:
		attr = "security_groups"
	case typeInstance:
		if enis := b.instanceInterfaces(inst, v, nil); enis != nil {
			for _, eni := range enis {
				var ev planjson.PlacementValues
				if b.dec.Values(string(eni.Address), eni.Values, &ev) == nil {
					l.attr(eni, "security_groups", ev.SecurityGroups...)
				}
			}
			found, err := l.result()
			return b.groupsOf(found), true, err
		}
	case typeRDSInstance:
		// the instances of an Aurora cluster have the cluster's groups
		for _, c := range b.clusterOf(inst, v, nil) {
			var cv planjson.PlacementValues
			if b.dec.Values(string(c.Address), c.Values, &cv) == nil {
				l.attr(c, "vpc_security_group_ids", cv.VPCSecurityGroupIDs...)
			}
		}
		found, err := l.result()
		return b.groupsOf(found), true, err
	}
	if attr != "" && !written(inst, attr) {
		return nil, false, nil
	}
	if inst.Type == typeECSService && !writtenNested(inst, "network_configuration", "security_groups") {
		return nil, false, nil
	}
	switch inst.Type {
	case typeInstance, typeDBInstance, typeRDSCluster:
		attr = "vpc_security_group_ids"
		l.attr(inst, attr, v.VPCSecurityGroupIDs...)
	case typeENI, typeLB, typeALB:
		attr = "security_groups"
		l.attr(inst, attr, v.SecurityGroups...)
	case typeCacheCluster, typeCacheReplication, typeVPCEndpoint:
		attr = "security_group_ids"
		l.attr(inst, attr, v.SecurityGroupIDs...)
	case typeEFSMountTarget:
		attr = "security_groups"
		l.attr(inst, attr, v.SecurityGroups...)
	case typeEKSCluster:
		// the groups of its control plane's interfaces; the cluster
		// security group EKS creates is not in the plan
		for i, c := range v.VPCConfig {
			l.nested(inst, "vpc_config", i, "security_group_ids", c.SecurityGroupIDs...)
		}
		found, err := l.result()
		return b.groupsOf(found), true, err
	case typeEKSNodeGroup:
		// nodes get the cluster security group EKS creates (not in the
		// plan), or their launch template's groups
		return b.launchTemplateGroups(inst, v)
	case typeLambda:
		attr = "vpc_config"
		for i, c := range v.VPCConfig {
			l.nested(inst, "vpc_config", i, "security_group_ids", c.SecurityGroupIDs...)
		}
	case typeECSService:
		for i, c := range v.NetworkConfiguration {
			l.nested(inst, "network_configuration", i, "security_groups", c.SecurityGroups...)
		}
		found, err := l.result()
		return b.groupsOf(found), writtenNested(inst, "network_configuration", "security_groups") || len(found) > 0, err
	case typeASG:
		return b.launchTemplateGroups(inst, v)
	default:
		return nil, true, nil
	}
	found, err := l.result()
	return b.groupsOf(found), written(inst, attr) || len(found) > 0, err
}

// written reports whether the configuration sets an attribute; without
// configuration (prior state) the values say everything.
func written(inst *instance, attr string) bool {
	if inst.Config == nil {
		return true
	}
	_, ok := inst.Config.Expressions[attr]
	return ok
}

// writtenNested reports whether any block of a nested block list sets an
// attribute in the configuration.
func writtenNested(inst *instance, block, attr string) bool {
	if inst.Config == nil {
		return true
	}
	expr := inst.Config.Expressions[block]
	if expr == nil || expr.ExpressionData == nil {
		return false
	}
	for _, nested := range expr.NestedBlocks {
		if _, ok := nested[attr]; ok {
			return true
		}
	}
	return false
}

// launchTemplateGroups links an autoscaling group's (or EKS node group's)
// launch template, also one named in a mixed_instances_policy, or its launch
// configuration, and through them the groups its instances get.
func (b *builder) launchTemplateGroups(inst *instance, v *planjson.PlacementValues) ([]*SecurityGroup, bool, error) {
	templates := b.newLinks(typeLaunchTemplate)
	for i, t := range v.LaunchTemplate {
		unknown := inst.Unknown.Element("launch_template", i)
		templates.nested(inst, "launch_template", i, "id", t.ID)
		if t.ID == nil && !unknown.AnyIn("id") {
			if t.Name != nil {
				templates.found = append(templates.found, b.named(typeLaunchTemplate, *t.Name)...)
			} else if unknown.AnyIn("name") {
				templates.add(b.linkerOf(inst).followNested(inst, "launch_template", i, "name"))
			}
		}
	}
	for i, p := range v.MixedInstancesPolicy {
		for j, lt := range p.LaunchTemplate {
			for k, spec := range lt.Specification {
				unknown := inst.Unknown.Element("mixed_instances_policy", i).Element("launch_template", j).Element("launch_template_specification", k)
				path := []nestedStep{{"mixed_instances_policy", i}, {"launch_template", j}, {"launch_template_specification", k}}
				switch {
				case deref(spec.ID) != "":
					templates.known(spec.ID)
				case unknown.AnyIn("launch_template_id"):
					templates.add(b.linkerOf(inst).followPath(inst, path, "launch_template_id"))
				case deref(spec.Name) != "":
					templates.found = append(templates.found, b.named(typeLaunchTemplate, *spec.Name)...)
				case unknown.AnyIn("launch_template_name"):
					templates.add(b.linkerOf(inst).followPath(inst, path, "launch_template_name"))
				}
			}
		}
	}
	found, err := templates.result()
	groups := b.newLinks(groupTypes...)
	groups.add(nil, err)
	for _, t := range found {
		var tv planjson.LaunchTemplateValues
		if b.dec.Values(string(t.Address), t.Values, &tv) != nil {
			groups.add(nil, errors.New(string(t.Address)+" cannot be read"))
			continue
		}
		groups.attr(t, "vpc_security_group_ids", tv.VPCSecurityGroupIDs...)
		for i, ni := range tv.NetworkInterfaces {
			groups.nested(t, "network_interfaces", i, "security_groups", ni.SecurityGroups...)
		}
	}
	if inst.Type == typeASG && (deref(v.LaunchConfiguration) != "" || inst.Unknown.AnyIn("launch_configuration")) {
		configs := b.newLinks(typeLaunchConfiguration)
		if name := deref(v.LaunchConfiguration); name != "" {
			configs.found = append(configs.found, b.named(typeLaunchConfiguration, name)...)
		} else {
			configs.attr(inst, "launch_configuration")
		}
		found, err := configs.result()
		groups.add(nil, err)
		for _, c := range found {
			var cv planjson.LaunchConfigurationValues
			if b.dec.Values(string(c.Address), c.Values, &cv) != nil {
				groups.add(nil, errors.New(string(c.Address)+" cannot be read"))
				continue
			}
			groups.attr(c, "security_groups", cv.SecurityGroups...)
		}
	}
	linked, err := groups.result()
	return b.groupsOf(linked), true, err
}

// nestedStep is one block of a path through nested blocks.
type nestedStep struct {
	block string
	index int
}

// followPath resolves an attribute of a block nested several levels deep
// (mixed_instances_policy[0].launch_template[0].launch_template_specification[0].launch_template_id).
func (l *linker) followPath(inst *instance, path []nestedStep, attr string) ([]*instance, error) {
	if inst.Config == nil {
		return nil, errors.New(attr + " is unknown until apply and the plan has no configuration to link it")
	}
	exprs := inst.Config.Expressions
	for _, step := range path {
		expr := exprs[step.block]
		if expr == nil || expr.ExpressionData == nil || step.index >= len(expr.NestedBlocks) {
			return nil, errors.New(step.block + " is not written in the configuration (a dynamic block?), so " + attr + " cannot be linked")
		}
		exprs = expr.NestedBlocks[step.index]
	}
	return l.followExpr(inst, attr, exprs[attr])
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
	path := l.paths.parseNamed(inst.Module)
	if path.err != nil {
		return nil, path.err
	}
	return l.resolve(path.steps, path.name, expr.References, origin{key: inst.Key, forEach: inst.Config.ForEachExpression}, "", 0)
}

// outsideSubnet notes that resource addr sits in subnet id, which neither
// the plan nor a context defines: its NACL was never looked at, and the
// report must say so rather than count "0 NACLs". A subnet that a NACL of
// the network is associated with is not one: that NACL's own notice
// already says its subnet is not defined here (associate runs first).
func (b *builder) outsideSubnet(addr Address, id string) {
	for _, n := range b.net.NACLs {
		if slices.Contains(n.OutsideSubnets, id) {
			return
		}
	}
	if !slices.Contains(b.net.UncheckedSubnets, id) {
		b.net.UncheckedSubnets = append(b.net.UncheckedSubnets, id)
	}
	b.informational(addr, "sits in subnet %s, which neither this plan nor a context defines: its NACL is not in this plan: pass the network stack's state with --context", id)
}
