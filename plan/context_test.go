package plan

import (
	"os"
	"slices"
	"testing"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

func TestContextAddress(t *testing.T) {
	for _, tc := range []struct {
		addr   Address
		local  Address
		source string
	}{
		{"aws_subnet.a", "aws_subnet.a", ""},
		{ContextAddress("aws_subnet.a", ""), "aws_subnet.a", ""},
		{ContextAddress(`module.m["x (y)"].aws_subnet.a[0]`, "net/state.json"), `module.m["x (y)"].aws_subnet.a[0]`, "net/state.json"},
		{ContextAddress(`aws_subnet.a["b (c)"]`, "workspace net (prod)"), `aws_subnet.a["b (c)"]`, "workspace net (prod)"},
		{`aws_subnet.a["b (c)"]`, `aws_subnet.a["b (c)"]`, ""},
		{ContextAddress("aws_subnet.a[0]", "workspace net (prod)"), "aws_subnet.a[0]", "workspace net (prod)"},
		{"aws_subnet.a (x)y)", "aws_subnet.a", "x)y"},
	} {
		local, source := tc.addr.Split()
		if local != tc.local || source != tc.source {
			t.Errorf("%q: split into %q, %q; want %q, %q", tc.addr, local, source, tc.local, tc.source)
		}
		r, err := tc.addr.Parse()
		if err != nil || r.String() != string(tc.local) {
			t.Errorf("%q parses to %v, %v", tc.addr, r, err)
		}
	}
}

// TestContextKinds: the network stack's state as `terraform show -json`
// prints it and as the raw state file hold the same resources; its plan
// holds them too, with ids unknown until apply.
func TestContextKinds(t *testing.T) {
	read := func(name string) *Context {
		t.Helper()
		data, err := os.ReadFile("../fixtures/cross-stack/network/" + name)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseContext(name, data, "")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	dec := planjson.NewDecoder(modelled)
	summary := func(c *Context) (addrs, ids []string) {
		for _, inst := range c.instances {
			local, source := inst.Address.Split()
			if source != c.Info.Name || inst.Source != c.Info.Name {
				t.Errorf("%s: source %q/%q, want %q", inst.Address, source, inst.Source, c.Info.Name)
			}
			addrs = append(addrs, string(local))
			ids = append(ids, knownID(dec, inst))
		}
		slices.Sort(addrs)
		slices.Sort(ids)
		return addrs, ids
	}
	stateJSON, raw, planJSON := read("state.json"), read("terraform.tfstate"), read("plan.json")
	for c, kind := range map[*Context]string{stateJSON: "state JSON", raw: "raw state", planJSON: "plan JSON"} {
		if c.Info.Kind != kind || c.Info.Resources != len(c.instances) || c.Info.Resources == 0 {
			t.Errorf("%s: %+v, want kind %s", c.Info.Name, c.Info, kind)
		}
	}
	a1, i1 := summary(stateJSON)
	a2, i2 := summary(raw)
	a3, i3 := summary(planJSON)
	if !slices.Equal(a1, a2) || !slices.Equal(i1, i2) {
		t.Errorf("state JSON and raw state differ:\n%q %q\n%q %q", a1, i1, a2, i2)
	}
	if !slices.Equal(a1, a3) {
		t.Errorf("the plan holds %q, the state %q", a3, a1)
	}
	if slices.ContainsFunc(i1, func(id string) bool { return id == "" }) || slices.ContainsFunc(i3, func(id string) bool { return id != "" }) {
		t.Errorf("ids: state %q, plan %q; want all known in the state, unknown in a plan that creates them", i1, i3)
	}
}
