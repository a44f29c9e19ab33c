package plan

import (
	"slices"
	"testing"
)

func TestParseModulePath(t *testing.T) {
	tests := map[string][]moduleStep{
		"":                            nil,
		"module.vpc":                  {{Name: "vpc"}},
		"module.net[1]":               {{Name: "net", Key: "1"}},
		`module.a["x.y[0]"].module.b`: {{Name: "a", Key: `"x.y[0]"`}, {Name: "b"}},
		`module.vpc.module.vpc`:       {{Name: "vpc"}, {Name: "vpc"}},
		`module.m["with \"quote\""]`:  {{Name: "m", Key: `"with \"quote\""`}},
		`module.with-dash_and_1["k"]`: {{Name: "with-dash_and_1", Key: `"k"`}},
	}
	for addr, want := range tests {
		got, err := parseModulePath(addr)
		if err != nil {
			t.Errorf("%q: %v", addr, err)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %+v want %+v", addr, got, want)
		}
		if formatModulePath(got) != addr {
			t.Errorf("%q formats back as %q", addr, formatModulePath(got))
		}
	}
	for _, bad := range []string{"vpc", "module.", "module.a[", `module.a["x]`, "module.a[x]", "module.a.b"} {
		if _, err := parseModulePath(bad); err == nil {
			t.Errorf("%q accepted", bad)
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
