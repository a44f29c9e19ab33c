package plan

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// Route resource types the model reads.
const (
	typeRouteTable       = "aws_route_table"
	typeRoute            = "aws_route"
	typeRouteAssociation = "aws_route_table_association"
	// The VPC's main route table: the default one, or another made main.
	typeDefaultRouteTable    = "aws_default_route_table"
	typeMainRouteAssociation = "aws_main_route_table_association"
)

func routeModelled(typ string) bool {
	switch typ {
	case typeRouteTable, typeRoute, typeRouteAssociation, typeDefaultRouteTable, typeMainRouteAssociation:
		return true
	}
	return false
}

// addRoutes gives subnets the routes of their route table: inline route
// blocks and aws_route resources, through aws_route_table_association.
// Only which destinations go to a NAT gateway of the plan matters to the
// checks. A subnet without an association uses its VPC's main route table:
// aws_default_route_table, or the table aws_main_route_table_association
// makes main; when the plan manages neither, the subnet keeps no routes.
func (b *builder) addRoutes() error {
	tables := map[*instance]*[]Route{}
	for _, inst := range b.ofType(typeRouteTable, typeDefaultRouteTable) {
		var v planjson.RouteTableValues
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		routes := &[]Route{}
		tables[inst] = routes
		b.addInlineRoutes(inst, v.Route, routes)
	}
	for _, inst := range b.ofType(typeRoute) {
		var v planjson.RouteValues
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		found, err := b.linkerOf(inst).link(inst, "route_table_id", v.RouteTableID, typeRouteTable, typeDefaultRouteTable)
		if err != nil || len(found) != 1 {
			b.unresolved(inst.Address, "cannot be linked to a route table: %s", orNoMatch(err, found))
			continue
		}
		dest, ok := b.routeDestination(inst, inst.Unknown, v.DestinationCIDRBlock, v.DestinationIPv6CIDRBlock, "destination_cidr_block", "destination_ipv6_cidr_block")
		if !ok {
			continue
		}
		route := Route{Destination: dest, Source: inst.Address,
			EgressOnly: deref(v.EgressOnlyGatewayID) != "" || inst.Unknown.AnyIn("egress_only_gateway_id")}
		if deref(v.NATGatewayID) != "" || inst.Unknown.AnyIn("nat_gateway_id") {
			nat, err := b.linkerOf(inst).link(inst, "nat_gateway_id", v.NATGatewayID, typeNATGateway)
			switch {
			case len(nat) == 1:
				route.NATGateway = b.placed.workloads[nat[0]]
			case deref(v.NATGatewayID) != "":
				// A NAT gateway this plan does not manage.
			default:
				b.unresolved(inst.Address, "its NAT gateway cannot be linked: %s", orNoMatch(err, nat))
				continue
			}
		}
		*tables[found[0]] = append(*tables[found[0]], route)
	}
	assigned := map[*Subnet]Address{}
	for _, inst := range b.ofType(typeRouteAssociation) {
		var v planjson.RouteAssociationValues
		if err := b.decode(inst, &v); err != nil {
			return err
		}
		if v.SubnetID == nil && !inst.Unknown.AnyIn("subnet_id") {
			continue // a gateway association (edge route table)
		}
		subnets, err := b.linkerOf(inst).link(inst, "subnet_id", v.SubnetID, typeSubnet)
		if err != nil || len(subnets) != 1 {
			if v.SubnetID != nil && *v.SubnetID != "" {
				if len(subnets) == 0 {
					b.outsideSubnet(inst.Address, *v.SubnetID)
				}
				continue // a subnet this plan does not manage
			}
			b.unresolved(inst.Address, "subnet_id cannot be linked to a subnet: %s", orNoMatch(err, subnets))
			continue
		}
		found, err := b.linkerOf(inst).link(inst, "route_table_id", v.RouteTableID, typeRouteTable)
		if err != nil || len(found) != 1 {
			if v.RouteTableID != nil && *v.RouteTableID != "" {
				continue // a route table this plan does not manage
			}
			b.unresolved(inst.Address, "route_table_id cannot be linked to a route table: %s", orNoMatch(err, found))
			continue
		}
		s := b.subnets[subnets[0]]
		if other, ok := assigned[s]; ok {
			b.unresolved(inst.Address, "associates %s with a second route table (also %s); a subnet has exactly one", s.Address, other)
			continue
		}
		assigned[s] = inst.Address
		s.Routes = *tables[found[0]]
		if s.Routes == nil {
			s.Routes = []Route{}
		}
	}
	mains, err := b.mainRouteTables(tables)
	if err != nil {
		return err
	}
	for _, s := range b.net.Subnets {
		if _, ok := assigned[s]; ok || s.VPC == nil || mains[s.VPC] == nil {
			continue
		}
		s.Routes = *mains[s.VPC]
		if s.Routes == nil {
			s.Routes = []Route{}
		}
	}
	return nil
}

// mainRouteTables finds each VPC's main route table among the tables of
// the plan: the one an aws_main_route_table_association names, else its
// aws_default_route_table.
func (b *builder) mainRouteTables(tables map[*instance]*[]Route) (map[*VPC]*[]Route, error) {
	mains := map[*VPC]*[]Route{}
	for _, inst := range b.ofType(typeDefaultRouteTable) {
		var v planjson.DefaultRouteTableValues
		if err := b.decode(inst, &v); err != nil {
			return nil, err
		}
		vpc, err := b.vpcOfDefaultRouteTable(inst, v.DefaultRouteTableID)
		if err != nil {
			b.unresolved(inst.Address, "cannot be linked to its VPC: %v", err)
			continue
		}
		if vpc != nil {
			mains[vpc] = tables[inst]
		}
	}
	for _, inst := range b.ofType(typeMainRouteAssociation) {
		var v planjson.MainRouteAssociationValues
		if err := b.decode(inst, &v); err != nil {
			return nil, err
		}
		vpcs, err := b.linkerOf(inst).link(inst, "vpc_id", v.VPCID, typeVPC)
		if err != nil || len(vpcs) != 1 {
			if deref(v.VPCID) != "" {
				continue // a VPC this plan does not manage
			}
			b.unresolved(inst.Address, "vpc_id cannot be linked to a VPC: %s", orNoMatch(err, vpcs))
			continue
		}
		found, err := b.linkerOf(inst).link(inst, "route_table_id", v.RouteTableID, typeRouteTable, typeDefaultRouteTable)
		if err != nil || len(found) != 1 {
			if deref(v.RouteTableID) != "" {
				continue // a route table this plan does not manage
			}
			b.unresolved(inst.Address, "route_table_id cannot be linked to a route table: %s", orNoMatch(err, found))
			continue
		}
		if vpc := b.vpcs[vpcs[0]]; vpc != nil {
			mains[vpc] = tables[found[0]]
		}
	}
	return mains, nil
}

// vpcOfDefaultRouteTable links an aws_default_route_table to its VPC: by
// the VPC's default_route_table_id when it is known, else through the
// configuration (default_route_table_id = aws_vpc.main.default_route_table_id).
// nil and no error: a VPC this plan does not manage.
func (b *builder) vpcOfDefaultRouteTable(inst *instance, id *string) (*VPC, error) {
	if deref(id) != "" {
		for vi, vpc := range b.vpcs {
			var v struct {
				DefaultRouteTableID *string `json:"default_route_table_id"`
				MainRouteTableID    *string `json:"main_route_table_id"`
			}
			if b.dec.Values(string(vi.Address), vi.Values, &v) == nil && (deref(v.DefaultRouteTableID) == *id || deref(v.MainRouteTableID) == *id) {
				return vpc, nil
			}
		}
		return nil, nil
	}
	found, err := b.linkerOf(inst).follow(inst, "default_route_table_id")
	found = ofTypes(found, []string{typeVPC})
	if len(found) != 1 {
		return nil, fmt.Errorf("%s", orNoMatch(err, found))
	}
	return b.vpcs[found[0]], nil
}

// addInlineRoutes reads the route blocks of a route table. As for
// security-group rules, the configuration lists the references of all
// blocks together: a NAT gateway id unknown until apply is given to its
// block when one block has one or all name the same gateway.
func (b *builder) addInlineRoutes(inst *instance, values []planjson.InlineRoute, routes *[]Route) {
	if inst.Unknown.Whole("route") {
		if written(inst, "route") {
			b.unresolved(inst.Address, "its routes are unknown until apply")
		}
		return
	}
	var waiting []int
	for i, r := range values {
		unknown := inst.Unknown.Element("route", i)
		dest, ok := b.routeDestination(inst, unknown, r.CIDRBlock, r.IPv6CIDRBlock, "cidr_block", "ipv6_cidr_block")
		if !ok {
			continue
		}
		route := Route{Destination: dest, Source: inst.Address,
			EgressOnly: deref(r.EgressOnlyGatewayID) != "" || unknown.AnyIn("egress_only_gateway_id")}
		if id := deref(r.NATGatewayID); id != "" {
			if nat := b.linker.withID(id, []string{typeNATGateway}); len(nat) == 1 {
				route.NATGateway = b.placed.workloads[nat[0]]
			}
		}
		*routes = append(*routes, route)
		if unknown.AnyIn("nat_gateway_id") {
			waiting = append(waiting, len(*routes)-1)
		}
	}
	if len(waiting) == 0 {
		return
	}
	found, err := b.linkerOf(inst).follow(inst, "route")
	nats := ofTypes(found, []string{typeNATGateway})
	switch {
	case len(nats) == 0:
		b.unresolved(inst.Address, "the NAT gateways of its routes cannot be linked: %s", orNoMatch(err, nil))
	case len(nats) == 1:
		for _, i := range waiting {
			(*routes)[i].NATGateway = b.placed.workloads[nats[0]]
		}
	default:
		names := make([]string, len(nats))
		for i, n := range nats {
			names[i] = string(n.Address)
		}
		b.unresolved(inst.Address, "%d routes name NAT gateways known only at apply (%s), and the plan does not say which route names which (aws_route resources would)",
			len(waiting), strings.Join(names, ", "))
	}
}

// routeDestination reads a route's destination CIDR of either family.
func (b *builder) routeDestination(inst *instance, unknown planjson.Unknowns, v4, v6 *string, attr4, attr6 string) (netip.Prefix, bool) {
	if err := unknownIn(unknown, attr4, attr6); err != nil {
		b.unresolved(inst.Address, "its destination is unknown until apply: %v", err)
		return netip.Prefix{}, false
	}
	text := deref(v4)
	if text == "" {
		text = deref(v6)
	}
	if text == "" {
		return netip.Prefix{}, false // a prefix-list or other destination: not a CIDR to route by
	}
	p, err := netip.ParsePrefix(text)
	if err != nil {
		b.unresolved(inst.Address, "%s", fmt.Sprintf("destination %q is not a CIDR block", text))
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}
