package plan

import (
	"encoding/json"
	"fmt"
	"strconv"

	tfjson "github.com/hashicorp/terraform-json"
)

// rawPlan is the part of `terraform show -json` the model uses; every other
// field is skipped by the decoder.
type rawPlan struct {
	FormatVersion    *string             `json:"format_version"`
	TerraformVersion string              `json:"terraform_version"`
	ResourceChanges  []rawResourceChange `json:"resource_changes"`
	PriorState       *rawState           `json:"prior_state"`
	Configuration    *tfjson.Config      `json:"configuration"`
	PlannedValues    presence            `json:"planned_values"`
	Values           presence            `json:"values"` // only in state JSON
}

// presence records that a field exists without building its value.
type presence bool

func (p *presence) UnmarshalJSON([]byte) error { *p = true; return nil }

type rawResourceChange struct {
	Address       string          `json:"address"`
	ModuleAddress string          `json:"module_address"`
	Mode          string          `json:"mode"`
	Type          string          `json:"type"`
	Name          string          `json:"name"`
	Index         json.RawMessage `json:"index"`
	Deposed       string          `json:"deposed"`
	Change        rawChange       `json:"change"`
}

type rawChange struct {
	Actions      tfjson.Actions  `json:"actions"`
	Before       json.RawMessage `json:"before"`
	After        json.RawMessage `json:"after"`
	AfterUnknown json.RawMessage `json:"after_unknown"`
}

type rawState struct {
	Values *rawStateValues `json:"values"`
}

type rawStateValues struct {
	RootModule rawStateModule `json:"root_module"`
}

type rawStateModule struct {
	Address      string             `json:"address"`
	Resources    []rawStateResource `json:"resources"`
	ChildModules []rawStateModule   `json:"child_modules"`
}

type rawStateResource struct {
	Address    string          `json:"address"`
	Mode       string          `json:"mode"`
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Index      json.RawMessage `json:"index"`
	DeposedKey string          `json:"deposed_key"`
	Values     json.RawMessage `json:"values"`
}

// Attribute values of the resource types the model reads. Pointers are nil
// for null or unknown values.

type vpcValues struct {
	ID                  *string `json:"id"`
	CIDRBlock           *string `json:"cidr_block"`
	IPv6CIDRBlock       *string `json:"ipv6_cidr_block"`
	DefaultNetworkACLID *string `json:"default_network_acl_id"`
}

type subnetValues struct {
	ID            *string `json:"id"`
	VPCID         *string `json:"vpc_id"`
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
}

type naclValues struct {
	ID                  *string           `json:"id"`
	VPCID               *string           `json:"vpc_id"`
	DefaultNetworkACLID *string           `json:"default_network_acl_id"`
	SubnetIDs           []*string         `json:"subnet_ids"`
	Ingress             []inlineRuleValue `json:"ingress"`
	Egress              []inlineRuleValue `json:"egress"`
}

type inlineRuleValue struct {
	RuleNo        *int64  `json:"rule_no"`
	Action        *string `json:"action"`
	Protocol      *string `json:"protocol"`
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
	FromPort      *int64  `json:"from_port"`
	ToPort        *int64  `json:"to_port"`
	ICMPType      *int64  `json:"icmp_type"`
	ICMPCode      *int64  `json:"icmp_code"`
}

type naclRuleValues struct {
	ID            *string `json:"id"`
	NetworkACLID  *string `json:"network_acl_id"`
	RuleNumber    *int64  `json:"rule_number"`
	Egress        *bool   `json:"egress"`
	Protocol      *string `json:"protocol"`
	RuleAction    *string `json:"rule_action"`
	CIDRBlock     *string `json:"cidr_block"`
	IPv6CIDRBlock *string `json:"ipv6_cidr_block"`
	FromPort      *int64  `json:"from_port"`
	ToPort        *int64  `json:"to_port"`
	ICMPType      *int64  `json:"icmp_type"`
	ICMPCode      *int64  `json:"icmp_code"`
}

type associationValues struct {
	NetworkACLID *string `json:"network_acl_id"`
	SubnetID     *string `json:"subnet_id"`
}

// fieldError is a value of the wrong type inside one resource.
type fieldError struct {
	Address string
	Err     error
}

func (e *fieldError) Error() string {
	var typ *json.UnmarshalTypeError
	if ok := asTypeError(e.Err, &typ); ok && typ.Field != "" {
		return fmt.Sprintf("%s: attribute %s is a JSON %s, expected %s", e.Address, typ.Field, typ.Value, goTypeName(typ.Type.String()))
	}
	return fmt.Sprintf("%s: %v", e.Address, e.Err)
}

func asTypeError(err error, target **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = t
	}
	return ok
}

// decodeValues decodes one resource's attribute values; null stays zero.
func decodeValues(address string, raw json.RawMessage, into any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return &fieldError{Address: address, Err: err}
	}
	return nil
}

// unknowns is a resource's after_unknown: which attributes are unknown until
// apply.
type unknowns map[string]json.RawMessage

func decodeUnknowns(address string, raw json.RawMessage) (unknowns, error) {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "false" {
		return nil, nil
	}
	var u unknowns
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, &fieldError{Address: address, Err: fmt.Errorf("after_unknown is not an object")}
	}
	return u, nil
}

// whole reports whether the attribute is unknown as a whole.
func (u unknowns) whole(attr string) bool { return string(u[attr]) == "true" }

// anyIn reports whether the attribute or any part of it is unknown.
func (u unknowns) anyIn(attr string) bool {
	raw := u[attr]
	return len(raw) > 0 && containsTrue(raw)
}

// element returns the unknowns of element i of a list attribute.
func (u unknowns) element(attr string, i int) unknowns {
	var list []json.RawMessage
	if json.Unmarshal(u[attr], &list) != nil || i >= len(list) {
		return nil
	}
	var e unknowns
	if json.Unmarshal(list[i], &e) != nil {
		return nil
	}
	return e
}

func containsTrue(raw json.RawMessage) bool {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case bool:
			return v
		case []any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// instanceKey renders a resource's "index" (count number or for_each key) as
// it appears in an address: 0 or "a"; "" when the resource has neither.
func instanceKey(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("index is not a valid string")
		}
		return strconv.Quote(s), nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return "", fmt.Errorf("index %s is neither an integer nor a string", raw)
	}
	return strconv.FormatInt(n, 10), nil
}
