package planjson

// Attribute values of the resource types the model reads, for
// Decoder.Values: VPCs, subnets, NACLs and their rules, security groups and
// their rules, workload placements and routes. Pointers are nil for null or
// unknown values; which of them are unknown comes from after_unknown.

type VPCValues struct {
	ID                  *string `json:"id"`
	CIDRBlock           *string `json:"cidr_block"`
	IPv6CIDRBlock       *string `json:"ipv6_cidr_block"`
	DefaultNetworkACLID *string `json:"default_network_acl_id"`
}

// SubnetValues is an aws_subnet.
type SubnetValues struct {
	ID            *string `json:"id"`
	VPCID         *string `json:"vpc_id"`
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
}

// NACLValues is an aws_network_acl or aws_default_network_acl.
type NACLValues struct {
	ID                  *string          `json:"id"`
	VPCID               *string          `json:"vpc_id"`
	DefaultNetworkACLID *string          `json:"default_network_acl_id"`
	SubnetIDs           []*string        `json:"subnet_ids"`
	Ingress             []NACLInlineRule `json:"ingress"`
	Egress              []NACLInlineRule `json:"egress"`
}

// NACLInlineRule is an ingress or egress block of aws_network_acl.
type NACLInlineRule struct {
	RuleNo *int64  `json:"rule_no"`
	Action *string `json:"action"`
	NACLRuleMatch
}

// NACLRuleValues is an aws_network_acl_rule.
type NACLRuleValues struct {
	ID           *string `json:"id"`
	NetworkACLID *string `json:"network_acl_id"`
	RuleNumber   *int64  `json:"rule_number"`
	Egress       *bool   `json:"egress"`
	RuleAction   *string `json:"rule_action"`
	NACLRuleMatch
}

// NACLRuleMatch is the traffic a NACL rule matches, in the attribute names
// inline and standalone rules share.
type NACLRuleMatch struct {
	Protocol      *string `json:"protocol"`
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
	FromPort      *int64  `json:"from_port"`
	ToPort        *int64  `json:"to_port"`
	ICMPType      *int64  `json:"icmp_type"`
	ICMPCode      *int64  `json:"icmp_code"`
}

// AssociationValues is an aws_network_acl_association.
type AssociationValues struct {
	NetworkACLID *string `json:"network_acl_id"`
	SubnetID     *string `json:"subnet_id"`
}

// SecurityGroupValues is an aws_security_group or aws_default_security_group.
type SecurityGroupValues struct {
	ID      *string        `json:"id"`
	VPCID   *string        `json:"vpc_id"`
	Ingress []SGInlineRule `json:"ingress"`
	Egress  []SGInlineRule `json:"egress"`
}

// SGInlineRule is an inline ingress/egress block of aws_security_group.
type SGInlineRule struct {
	Protocol       *string   `json:"protocol"`
	FromPort       *int64    `json:"from_port"`
	ToPort         *int64    `json:"to_port"`
	CIDRBlocks     []*string `json:"cidr_blocks"`
	IPv6CIDRBlocks []*string `json:"ipv6_cidr_blocks"`
	PrefixListIDs  []*string `json:"prefix_list_ids"`
	SecurityGroups []*string `json:"security_groups"`
	Self           *bool     `json:"self"`
}

// SGRuleValues is an aws_security_group_rule.
type SGRuleValues struct {
	Type                  *string `json:"type"`
	SecurityGroupID       *string `json:"security_group_id"`
	SourceSecurityGroupID *string `json:"source_security_group_id"`
	SGInlineRule
}

// VPCSGRuleValues is an aws_vpc_security_group_ingress_rule or
// aws_vpc_security_group_egress_rule: one peer per rule.
type VPCSGRuleValues struct {
	SecurityGroupID           *string `json:"security_group_id"`
	IPProtocol                *string `json:"ip_protocol"`
	FromPort                  *int64  `json:"from_port"`
	ToPort                    *int64  `json:"to_port"`
	CIDRIPv4                  *string `json:"cidr_ipv4"`
	CIDRIPv6                  *string `json:"cidr_ipv6"`
	PrefixListID              *string `json:"prefix_list_id"`
	ReferencedSecurityGroupID *string `json:"referenced_security_group_id"`
}

// PlacementValues holds every attribute by which a workload names its
// subnets and security groups; each resource type uses some of them.
type PlacementValues struct {
	SubnetID      *string   `json:"subnet_id"`
	Subnets       []*string `json:"subnets"`
	SubnetMapping []struct {
		SubnetID *string `json:"subnet_id"`
	} `json:"subnet_mapping"`
	VPCConfig []struct {
		SubnetIDs        []*string `json:"subnet_ids"`
		SecurityGroupIDs []*string `json:"security_group_ids"`
	} `json:"vpc_config"`
	NetworkConfiguration []struct {
		Subnets        []*string `json:"subnets"`
		SecurityGroups []*string `json:"security_groups"`
	} `json:"network_configuration"`
	VPCSecurityGroupIDs []*string `json:"vpc_security_group_ids"`
	SecurityGroups      []*string `json:"security_groups"`
	SecurityGroupIDs    []*string `json:"security_group_ids"`
	DBSubnetGroupName   *string   `json:"db_subnet_group_name"`
	SubnetGroupName     *string   `json:"subnet_group_name"`
	VPCZoneIdentifier   []*string `json:"vpc_zone_identifier"`
	LaunchTemplate      []struct {
		ID   *string `json:"id"`
		Name *string `json:"name"`
	} `json:"launch_template"`
	// aws_instance attached through its network interfaces
	NetworkInterface []struct {
		NetworkInterfaceID *string `json:"network_interface_id"`
	} `json:"network_interface"`
	// aws_eks_node_group, aws_vpc_endpoint
	SubnetIDs []*string `json:"subnet_ids"`
	// aws_autoscaling_group
	LaunchConfiguration  *string `json:"launch_configuration"`
	MixedInstancesPolicy []struct {
		LaunchTemplate []struct {
			Specification []struct {
				ID   *string `json:"launch_template_id"`
				Name *string `json:"launch_template_name"`
			} `json:"launch_template_specification"`
		} `json:"launch_template"`
	} `json:"mixed_instances_policy"`
	// aws_rds_cluster_instance
	ClusterIdentifier *string `json:"cluster_identifier"`
}

// LaunchConfigurationValues is an aws_launch_configuration.
type LaunchConfigurationValues struct {
	Name           *string   `json:"name"`
	SecurityGroups []*string `json:"security_groups"`
}

// SubnetGroupValues is an aws_db_subnet_group or aws_elasticache_subnet_group.
type SubnetGroupValues struct {
	Name      *string   `json:"name"`
	SubnetIDs []*string `json:"subnet_ids"`
}

// LaunchTemplateValues is an aws_launch_template.
type LaunchTemplateValues struct {
	ID                  *string   `json:"id"`
	Name                *string   `json:"name"`
	VPCSecurityGroupIDs []*string `json:"vpc_security_group_ids"`
	NetworkInterfaces   []struct {
		SecurityGroups []*string `json:"security_groups"`
	} `json:"network_interfaces"`
}

// RouteTableValues is an aws_route_table.
type RouteTableValues struct {
	ID    *string       `json:"id"`
	Route []InlineRoute `json:"route"`
}

// InlineRoute is a route block of aws_route_table.
type InlineRoute struct {
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
	NATGatewayID  *string `json:"nat_gateway_id"`
	GatewayID     *string `json:"gateway_id"`
	// EgressOnlyGatewayID names an egress-only internet gateway (IPv6).
	EgressOnlyGatewayID *string `json:"egress_only_gateway_id"`
}

// RouteValues is an aws_route.
type RouteValues struct {
	RouteTableID             *string `json:"route_table_id"`
	DestinationCIDRBlock     *string `json:"destination_cidr_block"`
	DestinationIPv6CIDRBlock *string `json:"destination_ipv6_cidr_block"`
	NATGatewayID             *string `json:"nat_gateway_id"`
	GatewayID                *string `json:"gateway_id"`
	EgressOnlyGatewayID      *string `json:"egress_only_gateway_id"`
}

// RouteAssociationValues is an aws_route_table_association.
type RouteAssociationValues struct {
	SubnetID     *string `json:"subnet_id"`
	RouteTableID *string `json:"route_table_id"`
}

// DefaultRouteTableValues is an aws_default_route_table: the VPC's main
// route table as created with the VPC.
type DefaultRouteTableValues struct {
	DefaultRouteTableID *string       `json:"default_route_table_id"`
	Route               []InlineRoute `json:"route"`
}

// MainRouteAssociationValues is an aws_main_route_table_association.
type MainRouteAssociationValues struct {
	VPCID        *string `json:"vpc_id"`
	RouteTableID *string `json:"route_table_id"`
}
