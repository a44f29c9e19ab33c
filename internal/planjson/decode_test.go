package planjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/returnpath-dev/returnpath/internal/largeplan"
)

// modelled stands for plan's list of the types it models: the network's
// types are kept, the others (aws_instance, providers' other types)
// skipped, so that the tests see both.
func modelled(typ string) bool {
	for _, part := range []string{"vpc", "subnet", "network_acl", "security_group", "route"} {
		if strings.Contains(typ, part) {
			return true
		}
	}
	return false
}

func newTestDecoder() *Decoder { return NewDecoder(modelled) }

// scanValid is the scanner's verdict on a whole input.
func scanValid(data []byte) bool {
	s := &scanner{data: data}
	return s.skip() == nil && s.end() == nil
}

func TestScannerAgreesWithJSONValid(t *testing.T) {
	inputs := []string{
		``, ` `, `{}`, `[]`, `null`, `true`, `false`, `nul`, `tru`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `1e5`, `1E+5`, `1e`, `.5`,
		`"a"`, `"a`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9"`, `"\u00g9"`, `"\x"`, "\"a\tb\"", "\"a\x01\"", "\"\xff\"",
		`{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`, `[1,2]`, `[1,]`, `[1 2]`, `[`, `]`, `{"a":[{"b":null}]}`,
		`{} {}`, ` {} `, "{}\n", `[{"a":"b"}]x`,
	}
	for _, in := range inputs {
		if got, want := scanValid([]byte(in)), json.Valid([]byte(in)); got != want {
			t.Errorf("%q: scanner says valid=%v, encoding/json %v", in, got, want)
		}
	}
	deep := []byte(fmt.Sprintf("%s%s", repeat("[", maxNesting+1), repeat("]", maxNesting+1)))
	if scanValid(deep) {
		t.Errorf("nesting deeper than %d accepted", maxNesting)
	}
}

func repeat(s string, n int) string {
	out := make([]byte, 0, len(s)*n)
	for range n {
		out = append(out, s...)
	}
	return string(out)
}

// FuzzScan checks that the scanner accepts exactly the JSON that
// encoding/json accepts.
func FuzzScan(f *testing.F) {
	for _, s := range []string{`{"a":[1,-2.5e3,"x\u00e9\n",true,false,null]}`, `[`, `"\ud800"`, `{"a":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := scanValid(data), json.Valid(data); got != want {
			t.Fatalf("%q: scanner says valid=%v, encoding/json %v", data, got, want)
		}
	})
}

// fixturePlans are the bytes of every committed real plan and the large one.
func fixturePlans(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "fixtures", "*", "plan.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture plans: %v", err)
	}
	plans := map[string][]byte{"large-monorepo": largeplan.Bytes(t)}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		plans[filepath.Base(filepath.Dir(f))] = data
	}
	return plans
}

// TestDecodePlanKeepsWhatEncodingJSONReads compares the one-pass decoder
// with encoding/json reading the whole plan, on every real plan: the same
// changes and prior-state resources of modelled types, the same count of
// managed changes, and the same configuration of modelled resources, module
// calls and outputs.
func TestDecodePlanKeepsWhatEncodingJSONReads(t *testing.T) {
	for name, data := range fixturePlans(t) {
		t.Run(name, func(t *testing.T) {
			got, err := newTestDecoder().decodePlan(data)
			if err != nil {
				t.Fatal(err)
			}
			var want Plan
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if *got.FormatVersion != *want.FormatVersion || got.TerraformVersion != want.TerraformVersion ||
				got.PlannedValues != want.PlannedValues || got.Values != want.Values {
				t.Errorf("header: got %s %s %v %v", *got.FormatVersion, got.TerraformVersion, got.PlannedValues, got.Values)
			}
			var kept []ResourceChange
			managed := 0
			for _, rc := range want.ResourceChanges {
				if rc.Mode != "managed" || rc.Deposed != "" {
					continue
				}
				managed++
				if modelled(rc.Type) {
					kept = append(kept, rc)
				}
			}
			if got.ManagedChanges != managed {
				t.Errorf("%d managed changes, want %d", got.ManagedChanges, managed)
			}
			if !reflect.DeepEqual(got.ResourceChanges, kept) {
				t.Errorf("resource changes differ: got %d, want %d", len(got.ResourceChanges), len(kept))
			}
			if want.PriorState != nil && want.PriorState.Values != nil {
				filterState(&want.PriorState.Values.RootModule)
			}
			if !reflect.DeepEqual(got.PriorState, want.PriorState) {
				t.Errorf("prior state differs:\n got %+v\nwant %+v", got.PriorState, want.PriorState)
			}
			if want.Configuration != nil {
				want.Configuration.ProviderConfigs = nil
				if want.Configuration.RootModule != nil {
					filterConfig(want.Configuration.RootModule)
				}
			}
			g, _ := json.Marshal(got.Configuration)
			w, _ := json.Marshal(want.Configuration)
			if string(g) != string(w) {
				t.Errorf("configuration differs:\n got %s\nwant %s", g, w)
			}
		})
	}
}

// filterState keeps the resources decodePlan keeps.
func filterState(m *StateModule) {
	for _, r := range m.Resources {
		if r.Mode == "managed" && r.DeposedKey == "" {
			m.Managed++
			if strings.HasPrefix(r.Type, "aws_") {
				m.AWS++
			}
		}
	}
	m.Resources = slices.DeleteFunc(m.Resources, func(r StateResource) bool {
		return r.Mode != "managed" || r.DeposedKey != "" || !modelled(r.Type)
	})
	if len(m.Resources) == 0 {
		m.Resources = nil
	}
	for i := range m.ChildModules {
		filterState(&m.ChildModules[i])
	}
}

// filterConfig keeps what decodePlan reads of a module's configuration.
func filterConfig(m *tfjson.ConfigModule) {
	var kept []*tfjson.ConfigResource
	for _, r := range m.Resources {
		if r == nil || r.Mode != tfjson.ManagedResourceMode || !modelled(r.Type) {
			continue
		}
		kept = append(kept, &tfjson.ConfigResource{
			Address: r.Address, Mode: r.Mode, Type: r.Type, Name: r.Name,
			Expressions: r.Expressions, CountExpression: r.CountExpression, ForEachExpression: r.ForEachExpression,
		})
	}
	m.Resources = kept
	m.Variables = nil
	for name, out := range m.Outputs {
		if out != nil {
			m.Outputs[name] = &tfjson.ConfigOutput{Expression: out.Expression}
		}
	}
	for name, call := range m.ModuleCalls {
		if call == nil {
			continue
		}
		m.ModuleCalls[name] = &tfjson.ModuleCall{
			Source: call.Source, Expressions: call.Expressions, CountExpression: call.CountExpression,
			ForEachExpression: call.ForEachExpression, Module: call.Module,
		}
		if call.Module != nil {
			filterConfig(call.Module)
		}
	}
}

// valueTypes are the value structs the builder decodes.
func valueTypes() []any {
	return []any{
		&VPCValues{}, &SubnetValues{}, &NACLValues{}, &NACLRuleValues{}, &AssociationValues{},
		&SecurityGroupValues{}, &SGRuleValues{}, &VPCSGRuleValues{}, &PlacementValues{}, &SubnetGroupValues{},
		&LaunchTemplateValues{}, &RouteTableValues{}, &RouteValues{}, &RouteAssociationValues{}, &IDValues{},
		&SGRuleValues{}, &DefaultRouteTableValues{}, &MainRouteAssociationValues{}, &LaunchConfigurationValues{},
		&struct {
			ID *string `json:"id"`
		}{},
		// Plain (not pointer) fields, as value structs may have them.
		&struct {
			ID     string   `json:"id"`
			Port   int      `json:"from_port"`
			Number int64    `json:"rule_no"`
			Egress bool     `json:"egress"`
			CIDRs  []string `json:"subnet_ids"`
			Nested []struct {
				Proto string `json:"protocol"`
				To    *int64 `json:"to_port"`
			} `json:"ingress"`
			// Decoded by their own methods.
			Actions tfjson.Actions  `json:"action"`
			Prefix  *netip.Prefix   `json:"cidr_block"`
			Raw     json.RawMessage `json:"ipv6_cidr_block"`
		}{},
	}
}

// checkDecodeValues compares decodeValues with encoding/json on one value:
// the same result, or the same error.
func checkDecodeValues(t *testing.T, raw []byte) {
	t.Helper()
	for _, typ := range valueTypes() {
		got := reflect.New(reflect.TypeOf(typ).Elem()).Interface()
		want := reflect.New(reflect.TypeOf(typ).Elem()).Interface()
		gotErr := newTestDecoder().Values("a.b", raw, got)
		var wantErr error
		if len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, want); err != nil {
				wantErr = &FieldError{Address: "a.b", Err: err}
			}
		}
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("%T of %q: error %v, encoding/json: %v", typ, raw, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%T of %q:\n got %s\nwant %s", typ, raw, dump(got), dump(want))
		}
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestDecodeValuesMatchesEncodingJSON decodes every planned and prior value
// of every real plan into every value struct, both ways.
func TestDecodeValuesMatchesEncodingJSON(t *testing.T) {
	for name, data := range fixturePlans(t) {
		if testing.Short() && name == "large-monorepo" {
			continue
		}
		doc, err := newTestDecoder().decodePlan(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, rc := range doc.ResourceChanges {
			checkDecodeValues(t, rc.Change.After)
		}
	}
	for _, raw := range []string{
		`{"cidr_block":7}`, `{"ingress":[{"rule_no":"x"}]}`, `{"ingress":{}}`, `[1]`, `"x"`, `{"id":"a\"b\u00e9"}`,
		`{"ID":"upper"}`, `{"ſubnet_id":"folded"}`, `{"id":"a","id":"b"}`, `{"rule_no":1.5}`, `{"rule_no":1e2}`,
		`{"rule_no":99999999999999999999}`, `{"egress":"true"}`, `{"subnet_ids":["a",null,"b"]}`, "{\"id\":\"\xff\"}",
		`{"subnet_mapping":[{"subnet_id":"s"},null]}`, `{"vpc_config":[{"subnet_ids":null}]}`,
		// A repeated key decodes into what the first one decoded.
		`{"id":"a","id":null}`, `{"ingress":[{"rule_no":1,"protocol":"6"},{"rule_no":2}],"ingress":[{"action":"allow"}]}`,
		`{"subnet_ids":["a"],"subnet_ids":null}`, `{"ingress":[{"protocol":"tcp"}],"ingress":[]}`,
		`{"ingress":[{"protocol":"tcp"}],"ingress":null}`, `{"from_port":1,"from_port":null}`,
	} {
		checkDecodeValues(t, []byte(raw))
	}
}

// FuzzDecodeValues checks that decodeValues decodes what encoding/json
// decodes, and fails where it fails, with its message.
func FuzzDecodeValues(f *testing.F) {
	for _, s := range []string{
		`{"id":"acl-1","ingress":[{"rule_no":100,"action":"allow","protocol":"6","cidr_block":"0.0.0.0/0","from_port":0,"to_port":0}],"subnet_ids":["s"]}`,
		`{"subnet_mapping":[{"subnet_id":"s"}],"vpc_config":[{"subnet_ids":["a"]}],"egress":true}`,
		// aws_security_group_rule: its value struct embeds the inline rule's
		`{"type":"ingress","security_group_id":"sg-1","protocol":"tcp","from_port":443,"to_port":443,"cidr_blocks":["0.0.0.0/0"],"self":false}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return // values come from a validated plan
		}
		checkDecodeValues(t, data)
	})
}

func TestUnknowns(t *testing.T) {
	u, err := DecodeUnknowns("a.b", []byte(`{"id":true,"ingress":[{},{"cidr_block":true}],"tags":{"a":false},"egress":false,"list":[false,[true]]}`))
	if err != nil {
		t.Fatal(err)
	}
	for attr, want := range map[string][2]bool{ // whole, anyIn
		"id": {true, true}, "ingress": {false, true}, "tags": {false, false}, "egress": {false, false},
		"list": {false, true}, "missing": {false, false},
	} {
		if got := [2]bool{u.Whole(attr), u.AnyIn(attr)}; got != want {
			t.Errorf("%s: whole, anyIn = %v, want %v", attr, got, want)
		}
	}
	if e := u.Element("ingress", 1); !e.Whole("cidr_block") {
		t.Errorf("ingress[1] = %v, want cidr_block unknown", e)
	}
	if e := u.Element("ingress", 0); e.AnyIn("cidr_block") {
		t.Errorf("ingress[0] = %v, want known", e)
	}
	if e := u.Element("ingress", 2); len(e.attrs()) != 0 {
		t.Errorf("ingress[2] = %v, want nothing unknown", e)
	}
	if e := u.Element("list", 1); len(e.attrs()) != 0 {
		t.Errorf("list[1] = %v, want nothing unknown: it is not an object", e)
	}
	dup, err := DecodeUnknowns("a.b", []byte(`{"id":true,"id":false,"cidr":false,"cidr":{"x":[true]}}`))
	if err != nil {
		t.Fatal(err)
	}
	escaped, err := DecodeUnknowns("a.b", []byte(`{"a\"b" : true, "c\\":{"d":true}, "e\u0066":true, "\\":false}`))
	if err != nil {
		t.Fatal(err)
	}
	if !escaped.Whole(`a"b`) || !escaped.AnyIn(`c\`) || escaped.Whole(`c\`) || !escaped.Whole("ef") || escaped.AnyIn(`\`) || escaped.AnyIn("a") {
		t.Errorf("escaped keys are not read as their values")
	}
	if dup.Whole("id") || dup.AnyIn("id") || !dup.AnyIn("cidr") {
		t.Errorf("duplicate members: the last one is not the one read (as encoding/json does)")
	}
	if _, err := DecodeUnknowns("a.b", []byte(`[1]`)); err == nil {
		t.Error("after_unknown [1] accepted")
	}
	var fe *FieldError
	if _, err := DecodeUnknowns("a.b", []byte(`"x"`)); !errors.As(err, &fe) {
		t.Errorf("after_unknown \"x\": %v", err)
	}
}

func TestUnescape(t *testing.T) {
	for _, tok := range []string{`"module.m[\"k\"].x"`, `"a\\b\/c\b\f\n\r\t"`, `"plain"`, `""`} {
		var want string
		if err := json.Unmarshal([]byte(tok), &want); err != nil {
			t.Fatal(err)
		}
		got, ok := unescape([]byte(tok[1 : len(tok)-1]))
		if !ok || got != want {
			t.Errorf("unescape(%s) = %q, %v; want %q", tok, got, ok, want)
		}
	}
	for _, inner := range []string{`\u00e9`, "\xff", `a\`} {
		if _, ok := unescape([]byte(inner)); ok {
			t.Errorf("unescape(%q) handled, want it left to encoding/json", inner)
		}
	}
}

// Terraform writes a change after the resource's type; decodePlan keeps
// it in any order of keys.
func TestDecodePlanAnyKeyOrder(t *testing.T) {
	change := `"change":{"actions":["create"],"before":null,"after":{"cidr_block":"10.0.0.0/16"},"after_unknown":{"id":true}}`
	for _, rc := range []string{
		`{"address":"aws_vpc.a","mode":"managed","type":"aws_vpc","name":"a",` + change + `}`,
		`{` + change + `,"address":"aws_vpc.a","mode":"managed","type":"aws_vpc","name":"a"}`,
		`{"address":"aws_vpc.a","mode":"managed",` + change + `,"type":"aws_vpc","name":"a"}`,
	} {
		doc, err := newTestDecoder().decodePlan([]byte(`{"format_version":"1.2","resource_changes":[` + rc + `]}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.ResourceChanges) != 1 {
			t.Fatalf("%s: %d changes kept, want 1", rc, len(doc.ResourceChanges))
		}
		c := doc.ResourceChanges[0].Change
		if string(c.After) != `{"cidr_block":"10.0.0.0/16"}` || string(c.AfterUnknown) != `{"id":true}` || !c.Actions.Create() {
			t.Errorf("%s: change %+v", rc, c)
		}
	}
}

// The root module's variable values are kept as JSON; a member of another
// shape is skipped (the locals that read it stay unresolved), never an
// error, as before the values were read.
func TestDecodeVariables(t *testing.T) {
	for _, tc := range []struct {
		variables string
		want      map[string]string
	}{
		{`{"tiers":{"value":["web","app"]},"on":{"value":true},"nothing":{"value":null}}`,
			map[string]string{"tiers": `["web","app"]`, "on": "true", "nothing": "null"}},
		{`{"sensitive":{},"odd":"x","also":{"value":{"a":1},"other":2}}`, map[string]string{"also": `{"a":1}`}},
		{`null`, nil},
		{`"not an object"`, nil},
	} {
		doc, err := NewDecoder(func(string) bool { return true }).Decode([]byte(`{"format_version":"1.2","resource_changes":[],"variables":` + tc.variables + `}`))
		if err != nil {
			t.Errorf("variables %s: %v", tc.variables, err)
			continue
		}
		got := map[string]string{}
		for name, raw := range doc.Variables {
			got[name] = string(raw)
		}
		if len(got) != len(tc.want) || !maps.Equal(got, tc.want) {
			t.Errorf("variables %s: got %v, want %v", tc.variables, got, tc.want)
		}
	}
}
