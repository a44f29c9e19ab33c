package plan

// Attribute values of security groups, their rules, workload placements
// and routes. Pointers are nil for null or unknown values; which of them are
// unknown comes from after_unknown.

type securityGroupValues struct {
	ID      *string         `json:"id"`
	VPCID   *string         `json:"vpc_id"`
	Ingress []sgInlineValue `json:"ingress"`
	Egress  []sgInlineValue `json:"egress"`
}

// sgInlineValue is an inline ingress/egress block of aws_security_group.
type sgInlineValue struct {
	Protocol       *string   `json:"protocol"`
	FromPort       *int64    `json:"from_port"`
	ToPort         *int64    `json:"to_port"`
	CIDRBlocks     []*string `json:"cidr_blocks"`
	IPv6CIDRBlocks []*string `json:"ipv6_cidr_blocks"`
	PrefixListIDs  []*string `json:"prefix_list_ids"`
	SecurityGroups []*string `json:"security_groups"`
	Self           *bool     `json:"self"`
}

// sgRuleValues is an aws_security_group_rule.
type sgRuleValues struct {
	Type                  *string `json:"type"`
	SecurityGroupID       *string `json:"security_group_id"`
	SourceSecurityGroupID *string `json:"source_security_group_id"`
	sgInlineValue
}

// vpcSGRuleValues is an aws_vpc_security_group_ingress_rule or
// aws_vpc_security_group_egress_rule: one peer per rule.
type vpcSGRuleValues struct {
	SecurityGroupID           *string `json:"security_group_id"`
	IPProtocol                *string `json:"ip_protocol"`
	FromPort                  *int64  `json:"from_port"`
	ToPort                    *int64  `json:"to_port"`
	CIDRIPv4                  *string `json:"cidr_ipv4"`
	CIDRIPv6                  *string `json:"cidr_ipv6"`
	PrefixListID              *string `json:"prefix_list_id"`
	ReferencedSecurityGroupID *string `json:"referenced_security_group_id"`
}

// placementValues holds every attribute by which a workload names its
// subnets and security groups; each resource type uses some of them.
type placementValues struct {
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
}

// subnetGroupValues is an aws_db_subnet_group or aws_elasticache_subnet_group.
type subnetGroupValues struct {
	Name      *string   `json:"name"`
	SubnetIDs []*string `json:"subnet_ids"`
}

type launchTemplateValues struct {
	ID                  *string   `json:"id"`
	Name                *string   `json:"name"`
	VPCSecurityGroupIDs []*string `json:"vpc_security_group_ids"`
	NetworkInterfaces   []struct {
		SecurityGroups []*string `json:"security_groups"`
	} `json:"network_interfaces"`
}

type routeTableValues struct {
	ID    *string            `json:"id"`
	Route []inlineRouteValue `json:"route"`
}

// inlineRouteValue is a route block of aws_route_table.
type inlineRouteValue struct {
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
	NATGatewayID  *string `json:"nat_gateway_id"`
	GatewayID     *string `json:"gateway_id"`
}

type routeValues struct {
	RouteTableID             *string `json:"route_table_id"`
	DestinationCIDRBlock     *string `json:"destination_cidr_block"`
	DestinationIPv6CIDRBlock *string `json:"destination_ipv6_cidr_block"`
	NATGatewayID             *string `json:"nat_gateway_id"`
	GatewayID                *string `json:"gateway_id"`
}

type routeAssociationValues struct {
	SubnetID     *string `json:"subnet_id"`
	RouteTableID *string `json:"route_table_id"`
}
