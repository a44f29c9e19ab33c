package source

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/returnpath-dev/returnpath/plan"
)

func TestLookup(t *testing.T) {
	ix := Load("testdata/config", "testdata")
	tests := map[plan.Address]string{
		"aws_vpc.main":                              "config/main.tf:3",
		"aws_network_acl.web":                       "config/main.tf:9",
		"aws_subnet.a":                              "config/main.tf:32",
		"module.net[0].aws_network_acl.this":        "config/modules/net/main.tf:5",
		`module.net["x.y[1]"].aws_network_acl.this`: "config/modules/net/main.tf:5",
	}
	for addr, want := range tests {
		b, ok := ix.Lookup(addr)
		if !ok || b.String() != want {
			t.Errorf("%s: got %q (found %v), want %s", addr, b.String(), ok, want)
		}
	}
	for _, addr := range []plan.Address{"aws_instance.broken", "module.remote.aws_vpc.this", "aws_network_acl.missing", "not an address", "module.net"} {
		if b, ok := ix.Lookup(addr); ok {
			t.Errorf("%s found at %s", addr, b)
		}
	}
}

func TestCommentsAboveABlock(t *testing.T) {
	ix := Load("testdata/config", "testdata")
	b, _ := ix.Lookup("aws_network_acl.web")
	want := []string{"returnpath:ignore RP001 legacy VPC, replaced in Q3", "second comment line"}
	if !slices.Equal(b.Comments, want) {
		t.Errorf("comments %q, want %q", b.Comments, want)
	}
	// The file's header comment is separated from the VPC by a blank line.
	if vpc, _ := ix.Lookup("aws_vpc.main"); len(vpc.Comments) != 0 {
		t.Errorf("aws_vpc.main comments %q, want none", vpc.Comments)
	}
	// "x = 1 # code then comment" is not a comment line above aws_subnet.a.
	if subnet, _ := ix.Lookup("aws_subnet.a"); len(subnet.Comments) != 0 {
		t.Errorf("aws_subnet.a comments %q, want none", subnet.Comments)
	}
}

func TestCommentRanges(t *testing.T) {
	ix := Load("testdata/config", "testdata")
	b, _ := ix.Lookup("aws_network_acl.web")
	var got []string
	for _, r := range b.CommentRanges {
		got = append(got, r.String())
	}
	// "# returnpath:ignore RP001 legacy VPC, replaced in Q3" is 52
	// characters on line 7; "// second comment line" 22 on line 8.
	want := []string{"config/main.tf:7,1-53", "config/main.tf:8,1-23"}
	if !slices.Equal(got, want) {
		t.Errorf("comment ranges %q, want %q", got, want)
	}
}

func TestBlocks(t *testing.T) {
	ix := Load("testdata/config", "testdata")
	var got []string
	for addr, b := range ix.Blocks() {
		got = append(got, addr+" "+b.String())
	}
	want := []string{
		"aws_network_acl.web config/main.tf:9",
		"aws_subnet.a config/main.tf:32",
		"aws_vpc.main config/main.tf:3",
		"module.net.aws_network_acl.this config/modules/net/main.tf:5",
	}
	if !slices.Equal(got, want) {
		t.Errorf("blocks %q, want %q", got, want)
	}
	for range ix.Blocks() {
		break // stopping early must not panic
	}
	var none *Index
	for addr := range none.Blocks() {
		t.Errorf("nil index lists %s", addr)
	}
}

func TestConfigAddress(t *testing.T) {
	for addr, want := range map[plan.Address]string{
		"aws_network_acl.web":                              "aws_network_acl.web",
		`aws_network_acl.this["a.b"]`:                      "aws_network_acl.this",
		`module.net[1].module.x["k"].aws_network_acl.y[0]`: "module.net.module.x.aws_network_acl.y",
	} {
		if got, ok := ConfigAddress(addr); !ok || got != want {
			t.Errorf("ConfigAddress(%s) = %q, %v; want %s", addr, got, ok, want)
		}
	}
	if got, ok := ConfigAddress("module.net"); ok {
		t.Errorf("ConfigAddress(module.net) = %q", got)
	}
}

func TestInlineRules(t *testing.T) {
	ix := Load("testdata/config", "testdata")
	web, _ := ix.Lookup("aws_network_acl.web")
	if l, ok := web.InlineRule("egress", 110); !ok || l.String() != "config/main.tf:21" {
		t.Errorf("egress 110 at %q", l)
	}
	if l, ok := web.InlineRule("ingress", 999); ok {
		t.Errorf("ingress 999 found at %s", l)
	}
	dyn, _ := ix.Lookup("module.net[1].aws_network_acl.this")
	if l, ok := dyn.InlineRule("ingress", 100); !ok || l.String() != "config/modules/net/main.tf:8" {
		t.Errorf("dynamic ingress at %q", l)
	}
}

func TestFixturesWithModules(t *testing.T) {
	root := filepath.Join("..", "fixtures")
	ix := Load(filepath.Join(root, "vpc-module-style"), root)
	b, ok := ix.Lookup("module.vpc.aws_network_acl.private[0]")
	if !ok || b.File != "vpc-module-style/modules/vpc/main.tf" {
		t.Errorf("module.vpc.aws_network_acl.private[0] at %q", b)
	}
}

func TestMissingConfiguration(t *testing.T) {
	ix := Load(filepath.Join(t.TempDir(), "nowhere"), ".")
	if ix.Len() != 0 {
		t.Errorf("%d blocks from nowhere", ix.Len())
	}
	var none *Index
	if _, ok := none.Lookup("aws_vpc.main"); ok {
		t.Error("nil index found a block")
	}
}

func TestConfigDirAndRepoRoot(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := ConfigDir("", filepath.Join(dir, "plan.json")); got != dir {
		t.Errorf("ConfigDir = %s, want the plan's directory %s", got, dir)
	}
	if got := ConfigDir("elsewhere", filepath.Join(dir, "plan.json")); got != "elsewhere" {
		t.Errorf("--chdir ignored: %s", got)
	}
	if got := ConfigDir("", "-"); got != "." {
		t.Errorf("stdin plan: %s", got)
	}
	if got := ConfigDir("", filepath.Join(t.TempDir(), "plan.json")); got != "." {
		t.Errorf("plan dir without .tf: %s", got)
	}
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "infra", "prod")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := RepoRoot(sub); got != dir {
		t.Errorf("RepoRoot = %s, want %s", got, dir)
	}
}

func TestModuleCall(t *testing.T) {
	ix := Load("testdata/config", "testdata")
	tests := map[plan.Address]string{
		"module.remote.aws_network_acl.private[0]":     "config/main.tf:42",
		`module.remote.module.deep["k"].aws_vpc.this`:  "config/main.tf:42",
		"module.net[1].aws_network_acl.this":           "config/main.tf:37",
		"module.net[1].module.inner.aws_network_acl.x": "config/main.tf:37",
	}
	for addr, want := range tests {
		l, ok := ix.ModuleCall(addr)
		if !ok || l.String() != want {
			t.Errorf("%s: got %q (found %v), want %s", addr, l.String(), ok, want)
		}
	}
	for _, addr := range []plan.Address{"aws_network_acl.web", "module.other.aws_vpc.this", "not an address"} {
		if l, ok := ix.ModuleCall(addr); ok {
			t.Errorf("%s: module call at %s", addr, l)
		}
	}
	var none *Index
	if _, ok := none.ModuleCall("module.net[0].aws_vpc.this"); ok {
		t.Error("nil index found a module call")
	}
}
