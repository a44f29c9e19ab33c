package source

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/returnpath-dev/returnpath/plan"
)

// tree writes files (path → content) under a new directory and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func notices(ix *Index) []string {
	var out []string
	for _, n := range ix.Notices() {
		out = append(out, n.Subject+": "+n.Reason)
	}
	return out
}

func TestModuleCallingItselfIsReadOnce(t *testing.T) {
	// Two module blocks with source "./" made 2^32 module paths.
	root := tree(t, map[string]string{
		"main.tf": "module \"a\" {\n  source = \"./\"\n}\nmodule \"b\" {\n  source = \"./\"\n}\nresource \"aws_vpc\" \"v\" {\n}\n",
	})
	done := make(chan *Index, 1)
	go func() { done <- Load(root, root) }()
	var ix *Index
	select {
	case ix = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Load of a module that calls itself twice did not end in 20 s")
	}
	if ix.Len() != 1 {
		t.Errorf("%d resource blocks, want 1", ix.Len())
	}
	if b, ok := ix.Lookup("aws_vpc.v"); !ok || b.String() != "main.tf:7" {
		t.Errorf("aws_vpc.v at %q", b)
	}
	var got []string
	for addr := range ix.Blocks() {
		got = append(got, addr)
	}
	if !slices.Equal(got, []string{"aws_vpc.v"}) {
		t.Errorf("blocks %q", got)
	}
}

func TestModuleBreadthIsBounded(t *testing.T) {
	// m0 calls m1 twice, m1 calls m2 twice, …: 2^20 module paths over
	// 21 directories.
	files := map[string]string{"main.tf": "module \"m\" {\n  source = \"./m0\"\n}\n"}
	for i := range 20 {
		files[fmt.Sprintf("m%d/main.tf", i)] = fmt.Sprintf("module \"a\" {\n  source = \"../m%d\"\n}\nmodule \"b\" {\n  source = \"../m%d\"\n}\nresource \"aws_vpc\" \"v%d\" {\n}\n", i+1, i+1, i)
	}
	files["m20/main.tf"] = "resource \"aws_vpc\" \"last\" {\n}\n"
	root := tree(t, files)
	start := time.Now()
	ix := Load(root, root)
	if ix.Len() != 21 {
		t.Errorf("%d resource blocks, want 21 (each directory once)", ix.Len())
	}
	deep := "module.m" + strings.Repeat(".module.b", 20) + ".aws_vpc.last"
	if b, ok := ix.Lookup(plan.Address(deep)); !ok || b.String() != "m20/main.tf:1" {
		t.Errorf("%s at %q", deep, b)
	}
	listed := 0
	for range ix.Blocks() {
		listed++
	}
	if listed == 0 || listed > 2*maxModuleInstances {
		t.Errorf("Blocks listed %d blocks", listed)
	}
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Errorf("Load and Blocks took %s", elapsed)
	}
	if n := notices(ix); len(n) != 1 || !strings.Contains(n[0], "call each other in more than 1000 ways") {
		t.Errorf("notices %q", n)
	}
}

func TestNothingOutsideTheRepositoryIsRead(t *testing.T) {
	top := tree(t, map[string]string{
		"repo/infra/main.tf":   "module \"x\" {\n  source = \"../../shared\"\n}\nmodule \"in\" {\n  source = \"../modules/in\"\n}\n",
		"repo/modules/in/a.tf": "resource \"aws_vpc\" \"in\" {\n}\n",
		"shared/main.tf":       "# returnpath:ignore RP001 from outside\nresource \"aws_network_acl\" \"web\" {\n}\n",
		"secret/nacl.tf":       "resource \"aws_network_acl\" \"linked\" {\n}\n",
		"repo/modules/real.tf": "resource \"aws_subnet\" \"real\" {\n}\n",
	})
	repo := filepath.Join(top, "repo")
	if err := os.Symlink(filepath.Join(top, "secret", "nacl.tf"), filepath.Join(repo, "infra", "linked.tf")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.Symlink(filepath.Join("..", "modules", "real.tf"), filepath.Join(repo, "infra", "inside.tf")); err != nil {
		t.Fatal(err)
	}
	ix := Load(filepath.Join(repo, "infra"), repo)
	for _, addr := range []plan.Address{"module.x.aws_network_acl.web", "aws_network_acl.linked"} {
		if b, ok := ix.Lookup(addr); ok {
			t.Errorf("%s found outside the repository at %s", addr, b)
		}
	}
	if l, ok := ix.ModuleCall("module.x.aws_network_acl.web"); !ok || l.String() != "infra/main.tf:1" {
		t.Errorf("module.x's call at %q", l)
	}
	if b, ok := ix.Lookup("module.in.aws_vpc.in"); !ok || b.String() != "modules/in/a.tf:1" {
		t.Errorf("a module inside the repository: %q", b)
	}
	// A link within the repository is read, under its own path.
	if b, ok := ix.Lookup("aws_subnet.real"); !ok || b.String() != "infra/inside.tf:1" {
		t.Errorf("a link inside the repository: %q", b)
	}
	for addr, b := range ix.Blocks() {
		if len(b.Comments) > 0 {
			t.Errorf("%s has comments %q from outside the repository", addr, b.Comments)
		}
	}
	want := []string{
		"infra/linked.tf: is a symbolic link to a file outside the repository: it is not read, and its resources have no source locations",
		`module.x: its source "../../shared" is outside the repository: it is not read, and its resources have no source locations`,
	}
	if got := notices(ix); !slices.Equal(got, want) {
		t.Errorf("notices:\n got %q\nwant %q", got, want)
	}
	for _, n := range notices(ix) {
		if strings.Contains(n, top) {
			t.Errorf("a notice shows an absolute path: %s", n)
		}
	}
	// A configuration directory outside the repository is not read.
	outside := Load(filepath.Join(top, "shared"), repo)
	if outside.Len() != 0 || len(outside.Notices()) != 1 {
		t.Errorf("outside: %d blocks, notices %q", outside.Len(), notices(outside))
	}
}

func TestFilesThatAreNotReadSayWhy(t *testing.T) {
	big := strings.Repeat("# padding\n", MaxFileBytes/10+1)
	root := tree(t, map[string]string{
		"main.tf":   "resource \"aws_vpc\" \"v\" {\n}\n",
		"big.tf":    big + "resource \"aws_vpc\" \"big\" {\n}\n",
		"binary.tf": "resource \"aws_vpc\" \"bin\" {\n}\n\xff\xfe\x00\x01",
	})
	ix := Load(root, root)
	if _, ok := ix.Lookup("aws_vpc.v"); !ok {
		t.Error("the ordinary file was not read")
	}
	for _, addr := range []plan.Address{"aws_vpc.big", "aws_vpc.bin"} {
		if _, ok := ix.Lookup(addr); ok {
			t.Errorf("%s was read", addr)
		}
	}
	want := []string{
		"big.tf: is 8 MiB, more than the 8 MiB a .tf file may have to be read for source locations and returnpath:ignore comments: it is not read",
		"binary.tf: is not UTF-8 text, so no Terraform configuration: it is not read",
	}
	if got := notices(ix); !slices.Equal(got, want) {
		t.Errorf("notices:\n got %q\nwant %q", got, want)
	}
}

// TestLargeFileCostsLittle: a 20 MB valid .tf file cost 1.97 GB and 7 s
// when hcl/v2 parsed all of it (and lexed it again for comments).
func TestLargeFileCostsLittle(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 6<<20; i++ {
		fmt.Fprintf(&b, "# rule %d\nresource \"aws_security_group_rule\" \"r%d\" {\n  type        = \"ingress\"\n  from_port   = %d\n  to_port     = %d\n  protocol    = \"tcp\"\n  cidr_blocks = [\"10.0.0.0/16\", \"${var.extra}\"]\n  description = <<-EOT\n    rule } %d\n  EOT\n}\n\n", i, i, i%65535, i%65535, i)
	}
	b.WriteString("resource \"aws_network_acl\" \"last\" {\n  ingress {\n    rule_no = 100\n  }\n}\n")
	root := tree(t, map[string]string{"main.tf": b.String()})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix := Load(root, root)
	runtime.ReadMemStats(&after)
	size := uint64(b.Len())
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("reading a %d MB file allocated %d MB", size>>20, allocated>>20)
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 5*size {
		t.Errorf("reading a %d MB file allocated %d MB, want at most 5 times the file", size>>20, allocated>>20)
	}
	last, ok := ix.Lookup("aws_network_acl.last")
	if !ok {
		t.Fatal("the last block of a large file was not found")
	}
	if l, ok := last.InlineRule("ingress", 100); !ok || l.Line == 0 {
		t.Errorf("its inline rule at %q", l)
	}
	if r, ok := ix.Lookup("aws_security_group_rule.r7"); !ok || !slices.Equal(r.Comments, []string{"rule 7"}) {
		t.Errorf("r7: %+v", r)
	}
}
