package plan

import (
	"reflect"
	"slices"
	"testing"
)

func TestParseModulePath(t *testing.T) {
	tests := map[string]ModulePath{
		"":                            nil,
		"module.vpc":                  {{Name: "vpc"}},
		"module.net[1]":               {{Name: "net", Key: "1"}},
		`module.a["x.y[0]"].module.b`: {{Name: "a", Key: `"x.y[0]"`}, {Name: "b"}},
		`module.vpc.module.vpc`:       {{Name: "vpc"}, {Name: "vpc"}},
		`module.m["with \"quote\""]`:  {{Name: "m", Key: `"with \"quote\""`}},
		`module.with-dash_and_1["k"]`: {{Name: "with-dash_and_1", Key: `"k"`}},
	}
	for addr, want := range tests {
		got, err := ParseModulePath(addr)
		if err != nil {
			t.Errorf("%q: %v", addr, err)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %+v want %+v", addr, got, want)
		}
		if got.String() != addr {
			t.Errorf("%q formats back as %q", addr, got.String())
		}
	}
	for _, bad := range []string{"vpc", "module.", "module.a[", `module.a["x]`, "module.a[x]", "module.a.b"} {
		if _, err := ParseModulePath(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseResourceAddress(t *testing.T) {
	tests := map[string]ResourceAddress{
		"aws_vpc.main": {Mode: ManagedResource, Type: "aws_vpc", Name: "main"},
		"module.vpc.aws_network_acl.public[0]": {
			Module: ModulePath{{Name: "vpc"}}, Mode: ManagedResource, Type: "aws_network_acl", Name: "public", Key: "0",
		},
		`module.vpc["eu.west"].module.net[2].aws_network_acl.private["a.b"]`: {
			Module: ModulePath{{Name: "vpc", Key: `"eu.west"`}, {Name: "net", Key: "2"}},
			Mode:   ManagedResource, Type: "aws_network_acl", Name: "private", Key: `"a.b"`,
		},
		`data.aws_vpc.this["x"]`:             {Mode: DataResource, Type: "aws_vpc", Name: "this", Key: `"x"`},
		`module.m.data.aws_subnet.s`:         {Module: ModulePath{{Name: "m"}}, Mode: DataResource, Type: "aws_subnet", Name: "s"},
		`aws_subnet.s["tab\there \"q\" \\"]`: {Mode: ManagedResource, Type: "aws_subnet", Name: "s", Key: `"tab\there \"q\" \\"`},
		`aws_subnet.s["$${x} %%{y} $ % é"]`:  {Mode: ManagedResource, Type: "aws_subnet", Name: "s", Key: `"$${x} %%{y} $ % é"`},
		`aws_subnet.s["\u0001"]`:             {Mode: ManagedResource, Type: "aws_subnet", Name: "s", Key: `"\u0001"`},
	}
	for addr, want := range tests {
		got, err := ParseResourceAddress(addr)
		if err != nil {
			t.Errorf("%q: %v", addr, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\n got %+v\nwant %+v", addr, got, want)
		}
		// Terraform's canonical form, byte for byte.
		if got.String() != addr {
			t.Errorf("%q formats back as %q", addr, got.String())
		}
	}
	for _, bad := range []string{"", "aws_vpc", "aws_vpc.a.b", "aws_vpc[0].a", "module.m", "module.m.aws_vpc", "aws_vpc.a[count.index]", "aws_vpc.a[1.5]", "aws_vpc.a[*]", "aws_vpc.a[0][1]", "data.aws_vpc", "not an address"} {
		if got, err := ParseResourceAddress(bad); err == nil {
			t.Errorf("%q accepted as %+v", bad, got)
		}
	}
}

func TestResourceAddressParts(t *testing.T) {
	r, err := Address(`module.net[1].module.x["k"].aws_network_acl.y[0]`).Parse()
	if err != nil {
		t.Fatal(err)
	}
	for got, want := range map[string]string{
		r.Local():         "aws_network_acl.y[0]",
		r.Config():        "module.net.module.x.aws_network_acl.y",
		r.Module.String(): `module.net[1].module.x["k"]`,
		r.Module.Config(): "module.net.module.x",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestInstanceKey(t *testing.T) {
	for raw, want := range map[string]string{
		``: "", `null`: "", `0`: "0", `12`: "12", `"a"`: `"a"`, `"a.b[0]"`: `"a.b[0]"`,
		`"q\"uote"`: `"q\"uote"`, `"${x}"`: `"$${x}"`, `"\u0001"`: `"\u0001"`,
		// read without encoding/json when there is no escape, with it otherwise
		`"é"`: `"é"`, `"\u00e9"`: `"é"`, "\"\xff\"": "\"\uFFFD\"", `"t001-web"`: `"t001-web"`,
	} {
		got, err := instanceKey([]byte(raw))
		if err != nil || got != want {
			t.Errorf("instanceKey(%s) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, bad := range []string{`1.5`, `true`, `"\x"`, `{}`} {
		if got, err := instanceKey([]byte(bad)); err == nil {
			t.Errorf("instanceKey(%s) = %q, want an error", bad, got)
		}
	}
}

func TestParseReference(t *testing.T) {
	tests := []struct {
		raw  string
		want reference
	}{
		{"aws_network_acl.this", reference{Kind: refResource, Type: "aws_network_acl", Name: "this"}},
		{"aws_network_acl.this[0].id", reference{Kind: refResource, Type: "aws_network_acl", Name: "this", Key: "0", HasKey: true, Attr: "id"}},
		{`aws_network_acl.this["b"]`, reference{Kind: refResource, Type: "aws_network_acl", Name: "this", Key: `"b"`, HasKey: true}},
		{"aws_vpc.main.default_network_acl_id", reference{Kind: refResource, Type: "aws_vpc", Name: "main", Attr: "default_network_acl_id"}},
		{"var.network_acl_id", reference{Kind: refVariable, Name: "network_acl_id"}},
		{"local.acl_id", reference{Kind: refLocal, Name: "acl_id"}},
		{"module.nacl.id", reference{Kind: refModuleOutput, Name: "nacl", Attr: "id"}},
		{"module.nacl[1].id", reference{Kind: refModuleOutput, Name: "nacl", Key: "1", HasKey: true, Attr: "id"}},
		{"data.aws_vpc.main.id", reference{Kind: refData}},
		{"count.index", reference{Kind: refCountIndex}},
		{"each.key", reference{Kind: refEachKey}},
		{"each.value", reference{Kind: refEachValue}},
		{"each.value.id", reference{Kind: refOther}},
		{"path.module", reference{Kind: refOther}},
		{"aws_network_acl.this[count.index]", reference{Kind: refOther}},
	}
	for _, tt := range tests {
		tt.want.Raw = tt.raw
		if got := parseReference(tt.raw); got != tt.want {
			t.Errorf("%q:\n got %+v\nwant %+v", tt.raw, got, tt.want)
		}
	}
}

func TestParseProtocol(t *testing.T) {
	tests := map[string]Protocol{
		"tcp": ProtocolTCP, "6": ProtocolTCP, "udp": ProtocolUDP, "17": ProtocolUDP,
		"icmp": ProtocolICMP, "1": ProtocolICMP, "icmpv6": ProtocolICMPv6, "58": ProtocolICMPv6,
		"-1": ProtocolAll, "all": ProtocolAll, "47": Protocol(47),
	}
	for in, want := range tests {
		got, err := ParseProtocol(in)
		if err != nil || got != want {
			t.Errorf("%q: got %v, %v want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "TCP?", "256", "-2", "gre"} {
		if _, err := ParseProtocol(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzTraversalSteps checks that the plain reader of addresses reads what
// HCL's parser reads, wherever it reads anything.
func FuzzTraversalSteps(f *testing.F) {
	for _, s := range []string{
		`module.tier["t001-high-return"]`, `aws_network_acl.this[0].id`, `module.a[0].module.b["x"]`, `var.x`,
		`a[01]`, `a[-1]`, `a["${x}"]`, `a["$${x}"]`, `a["%{"]`, `a["é"]`, `a[0][1]`, `a.b.`, `.a`, `a..b`, `a[]`,
		`a["x"]b`, `a[9223372036854775807]`, `a[99999999999999999999]`, `a-b.c_d`, `_a`, `a["\""]`, `a b`, `1a`,
		`a["x]"]`, `a[0x1]`, `a[1.0]`, `a["a\\b"]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := plainTraversal(s)
		if !ok {
			return
		}
		slow, err := hclTraversalSteps(s)
		if err != nil {
			t.Fatalf("%q: the plain reader reads %v, HCL fails: %v", s, fast, err)
		}
		if !slices.Equal(fast, slow) {
			t.Fatalf("%q: the plain reader reads %v, HCL %v", s, fast, slow)
		}
	})
}
