package planjson

import "encoding/json"

// The value structs of which a plan has thousands of values decode their
// members themselves: for them, reflection (the fillers of values.go) cost
// more than reading the JSON. Each decodeMember follows the struct's json
// tags, which TestMemberDecodersMatchTags keeps in step, and decodes as
// encoding/json does (see the fillers).

// memberDecoder is a value struct that decodes its own members.
type memberDecoder interface {
	// decodeMember reads the value of the member named key at the
	// scanner; known is false for a key the struct has no field for
	// (nothing is read), ok false for a value it does not handle.
	decodeMember(d *Decoder, s *scanner, key []byte) (known, ok bool)
}

// IDValues is any resource's id.
type IDValues struct {
	ID *string `json:"id"`
}

// ID is Values into an IDValues: a resource's id, "" when it has none or
// it is null.
func (d *Decoder) ID(address string, raw json.RawMessage) (string, error) {
	d.id = IDValues{}
	if err := d.Values(address, raw, &d.id); err != nil || d.id.ID == nil {
		return "", err
	}
	return *d.id.ID, nil
}

func (v *IDValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	if string(key) == "id" {
		return true, d.stringPtr(s, &v.ID)
	}
	return false, false
}

func (v *VPCValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "id":
		return true, d.stringPtr(s, &v.ID)
	case "cidr_block":
		return true, d.stringPtr(s, &v.CIDRBlock)
	case "ipv6_cidr_block":
		return true, d.stringPtr(s, &v.IPv6CIDRBlock)
	case "default_network_acl_id":
		return true, d.stringPtr(s, &v.DefaultNetworkACLID)
	}
	return false, false
}

func (v *SubnetValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "id":
		return true, d.stringPtr(s, &v.ID)
	case "vpc_id":
		return true, d.stringPtr(s, &v.VPCID)
	case "cidr_block":
		return true, d.stringPtr(s, &v.CIDRBlock)
	case "ipv6_cidr_block":
		return true, d.stringPtr(s, &v.IPv6CIDRBlock)
	}
	return false, false
}

func (v *NACLValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "id":
		return true, d.stringPtr(s, &v.ID)
	case "vpc_id":
		return true, d.stringPtr(s, &v.VPCID)
	case "default_network_acl_id":
		return true, d.stringPtr(s, &v.DefaultNetworkACLID)
	case "subnet_ids":
		return true, d.stringPtrList(s, &v.SubnetIDs)
	case "ingress":
		return true, structList(d, s, &v.Ingress)
	case "egress":
		return true, structList(d, s, &v.Egress)
	}
	return false, false
}

func (v *NACLInlineRule) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "rule_no":
		return true, d.intPtr(s, &v.RuleNo)
	case "action":
		return true, d.stringPtr(s, &v.Action)
	}
	return v.NACLRuleMatch.decodeMember(d, s, key)
}

func (v *NACLRuleValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "id":
		return true, d.stringPtr(s, &v.ID)
	case "network_acl_id":
		return true, d.stringPtr(s, &v.NetworkACLID)
	case "rule_number":
		return true, d.intPtr(s, &v.RuleNumber)
	case "egress":
		return true, d.boolPtr(s, &v.Egress)
	case "rule_action":
		return true, d.stringPtr(s, &v.RuleAction)
	}
	return v.NACLRuleMatch.decodeMember(d, s, key)
}

func (v *NACLRuleMatch) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "protocol":
		return true, d.stringPtr(s, &v.Protocol)
	case "cidr_block":
		return true, d.stringPtr(s, &v.CIDRBlock)
	case "ipv6_cidr_block":
		return true, d.stringPtr(s, &v.IPv6CIDRBlock)
	case "from_port":
		return true, d.intPtr(s, &v.FromPort)
	case "to_port":
		return true, d.intPtr(s, &v.ToPort)
	case "icmp_type":
		return true, d.intPtr(s, &v.ICMPType)
	case "icmp_code":
		return true, d.intPtr(s, &v.ICMPCode)
	}
	return false, false
}

func (v *AssociationValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "network_acl_id":
		return true, d.stringPtr(s, &v.NetworkACLID)
	case "subnet_id":
		return true, d.stringPtr(s, &v.SubnetID)
	}
	return false, false
}

func (v *SecurityGroupValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "id":
		return true, d.stringPtr(s, &v.ID)
	case "vpc_id":
		return true, d.stringPtr(s, &v.VPCID)
	case "ingress":
		return true, structList(d, s, &v.Ingress)
	case "egress":
		return true, structList(d, s, &v.Egress)
	}
	return false, false
}

func (v *SGInlineRule) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "protocol":
		return true, d.stringPtr(s, &v.Protocol)
	case "from_port":
		return true, d.intPtr(s, &v.FromPort)
	case "to_port":
		return true, d.intPtr(s, &v.ToPort)
	case "cidr_blocks":
		return true, d.stringPtrList(s, &v.CIDRBlocks)
	case "ipv6_cidr_blocks":
		return true, d.stringPtrList(s, &v.IPv6CIDRBlocks)
	case "prefix_list_ids":
		return true, d.stringPtrList(s, &v.PrefixListIDs)
	case "security_groups":
		return true, d.stringPtrList(s, &v.SecurityGroups)
	case "self":
		return true, d.boolPtr(s, &v.Self)
	}
	return false, false
}

func (v *SGRuleValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "type":
		return true, d.stringPtr(s, &v.Type)
	case "security_group_id":
		return true, d.stringPtr(s, &v.SecurityGroupID)
	case "source_security_group_id":
		return true, d.stringPtr(s, &v.SourceSecurityGroupID)
	}
	return v.SGInlineRule.decodeMember(d, s, key)
}

func (v *VPCSGRuleValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "security_group_id":
		return true, d.stringPtr(s, &v.SecurityGroupID)
	case "ip_protocol":
		return true, d.stringPtr(s, &v.IPProtocol)
	case "from_port":
		return true, d.intPtr(s, &v.FromPort)
	case "to_port":
		return true, d.intPtr(s, &v.ToPort)
	case "cidr_ipv4":
		return true, d.stringPtr(s, &v.CIDRIPv4)
	case "cidr_ipv6":
		return true, d.stringPtr(s, &v.CIDRIPv6)
	case "prefix_list_id":
		return true, d.stringPtr(s, &v.PrefixListID)
	case "referenced_security_group_id":
		return true, d.stringPtr(s, &v.ReferencedSecurityGroupID)
	}
	return false, false
}

func (v *RouteTableValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "id":
		return true, d.stringPtr(s, &v.ID)
	case "route":
		return true, structList(d, s, &v.Route)
	}
	return false, false
}

func (v *InlineRoute) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "cidr_block":
		return true, d.stringPtr(s, &v.CIDRBlock)
	case "ipv6_cidr_block":
		return true, d.stringPtr(s, &v.IPv6CIDRBlock)
	case "nat_gateway_id":
		return true, d.stringPtr(s, &v.NATGatewayID)
	case "gateway_id":
		return true, d.stringPtr(s, &v.GatewayID)
	case "egress_only_gateway_id":
		return true, d.stringPtr(s, &v.EgressOnlyGatewayID)
	}
	return false, false
}

func (v *RouteValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "route_table_id":
		return true, d.stringPtr(s, &v.RouteTableID)
	case "destination_cidr_block":
		return true, d.stringPtr(s, &v.DestinationCIDRBlock)
	case "destination_ipv6_cidr_block":
		return true, d.stringPtr(s, &v.DestinationIPv6CIDRBlock)
	case "nat_gateway_id":
		return true, d.stringPtr(s, &v.NATGatewayID)
	case "gateway_id":
		return true, d.stringPtr(s, &v.GatewayID)
	case "egress_only_gateway_id":
		return true, d.stringPtr(s, &v.EgressOnlyGatewayID)
	}
	return false, false
}

func (v *RouteAssociationValues) decodeMember(d *Decoder, s *scanner, key []byte) (bool, bool) {
	switch string(key) {
	case "subnet_id":
		return true, d.stringPtr(s, &v.SubnetID)
	case "route_table_id":
		return true, d.stringPtr(s, &v.RouteTableID)
	}
	return false, false
}

// fillMembers decodes an object into a struct that decodes its own
// members, skipping the others as the struct fillers do.
func (d *Decoder) fillMembers(s *scanner, into memberDecoder) bool {
	if s.peek() != '{' {
		return false
	}
	err := s.members(func(key []byte) error {
		known, ok := into.decodeMember(d, s, key)
		switch {
		case !known && !plainKey(key):
			// encoding/json matches keys without regard to case
			// (Unicode folding included): let it decide.
			return errNotHandled
		case !known:
			return s.skip()
		case !ok:
			return errNotHandled
		}
		return nil
	})
	return err == nil
}

// stringPtr decodes a *string field.
func (d *Decoder) stringPtr(s *scanner, p **string) bool {
	if s.null() {
		*p = nil
		return true
	}
	if s.peek() != '"' {
		return false
	}
	tok, escaped, err := s.stringToken()
	if err != nil {
		return false
	}
	inner := tok[1 : len(tok)-1]
	// The short values repeat ("tcp", "allow", "0.0.0.0/0"): one string
	// each serves all the fields that hold it.
	if str, seen := d.short[string(inner)]; seen && !escaped {
		*p = d.strings.new(str)
		return true
	}
	str, ok := unescape(inner)
	if !ok {
		return false
	}
	if !escaped && len(str) <= maxShort {
		d.short[str] = str
	}
	*p = d.strings.new(str)
	return true
}

// maxShort is the longest string value Decoder.short keeps: protocols,
// actions and CIDR blocks, not ids (unique, and longer).
const maxShort = 18

// intPtr decodes a *int64 field.
func (d *Decoder) intPtr(s *scanner, p **int64) bool {
	if s.null() {
		*p = nil
		return true
	}
	n, ok := fillInt(s, 64)
	if ok {
		*p = d.ints.new(n)
	}
	return ok
}

// boolPtr decodes a *bool field.
func (d *Decoder) boolPtr(s *scanner, p **bool) bool {
	if s.null() {
		*p = nil
		return true
	}
	b, ok := fillBool(s)
	if ok {
		*p = d.bools.new(b)
	}
	return ok
}

// stringPtrList decodes a []*string field.
func (d *Decoder) stringPtrList(s *scanner, p *[]*string) bool {
	return fillList(s, p, func(elem **string) bool { return d.stringPtr(s, elem) })
}

// structList decodes a list of structs that decode their own members; a
// null element leaves its struct as it is.
func structList[T any, P interface {
	*T
	memberDecoder
}](d *Decoder, s *scanner, p *[]T) bool {
	return fillList(s, p, func(elem *T) bool { return s.null() || d.fillMembers(s, P(elem)) })
}

// fillList decodes an array as sliceFiller does: null is nil, [] an empty
// slice, and the elements the slice already has are decoded into.
func fillList[T any](s *scanner, p *[]T, fillElem func(*T) bool) bool {
	if s.null() {
		*p = nil
		return true
	}
	if s.peek() != '[' {
		return false
	}
	list := *p
	n := 0
	err := s.elements(func() error {
		if n < len(list) {
			// decode into it, as encoding/json does
		} else if n < cap(list) {
			list = list[:n+1]
		} else {
			var zero T
			list = append(list, zero)
		}
		if !fillElem(&list[n]) {
			return errNotHandled
		}
		n++
		return nil
	})
	if err != nil {
		return false
	}
	if n == 0 {
		list = make([]T, 0)
	}
	*p = list[:n]
	return true
}
