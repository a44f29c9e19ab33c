package source

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// splitSummary lists what splitTopLevel finds: each block's type, labels,
// start and end, and each comment's line.
func splitSummary(src []byte) ([]string, error) {
	var out []string
	err := splitTopLevel(src, func(b topBlock) {
		out = append(out, fmt.Sprintf("%s %q %d:%d@%d-%d", b.Type, b.Labels, b.Start.Line, b.Start.Column, b.Start.Byte, b.End))
	}, func(c topComment) {})
	return out, err
}

// hclSummary lists the same from hcl/v2's syntax tree.
func hclSummary(f *hcl.File) []string {
	var out []string
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		r := b.Range()
		out = append(out, fmt.Sprintf("%s %q %d:%d@%d-%d", b.Type, b.Labels, r.Start.Line, r.Start.Column, r.Start.Byte, r.End.Byte))
	}
	return out
}

// checkSplitAgreesWithHCL: on a file hcl/v2 parses, the splitter finds the
// same top-level blocks at the same places.
func checkSplitAgreesWithHCL(t *testing.T, name string, src []byte) {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		return
	}
	got, err := splitSummary(src)
	if err != nil {
		t.Fatalf("%s: hcl/v2 parses it, the splitter says %v", name, err)
	}
	if want := hclSummary(f); !slices.Equal(got, want) {
		t.Fatalf("%s:\nsplitter %q\nhcl/v2   %q", name, got, want)
	}
}

func TestSplitAgreesWithHCLOnTheFixtures(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../fixtures/*/*.tf", "../fixtures/*/*/*.tf", "../fixtures/*/*/*/*.tf", "testdata/*/*.tf", "testdata/*/*/*/*.tf"} {
		found, _ := filepath.Glob(pattern)
		files = append(files, found...)
	}
	if len(files) < 50 {
		t.Fatalf("only %d .tf files found", len(files))
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checkSplitAgreesWithHCL(t, path, src)
	}
}

func TestSplitFollowsWhatHidesBraces(t *testing.T) {
	src := `# a } in a comment
resource "a" "one" {
  s  = "}"
  t  = "${ {x = "}"}.x }"
  u  = "$${not}"
  h  = <<-EOT
    }
    ${"}"}
  EOT
  /* } */
  // }
  l  = [for x in ["}"] : { y = x }]
}
module "b" { source = "./b" }
resource "c" "three" {
  h = <<EOT
EOT
}
`
	checkSplitAgreesWithHCL(t, "hides.tf", []byte(src))
	got, err := splitSummary([]byte(src))
	if err != nil || len(got) != 3 {
		t.Errorf("blocks %q, %v", got, err)
	}
	for _, broken := range []string{
		"resource \"a\" \"b\" {\n",
		"resource \"a\" \"b\" {\n  x = \"unterminated\n}\n",
		"resource \"a\" \"b\" }\n",
		"resource \"a\" \"b\" {\n  x = [)\n}\n",
		"/* never closed\n",
		"resource \"a\" \"b\" {\n  h = <<EOT\n  no end\n}\n",
		"= 1\n",
		strings.Repeat("x = [", 1000) + strings.Repeat("]", 1000) + "\n",
	} {
		if got, err := splitSummary([]byte(broken)); err == nil {
			t.Errorf("%q split as %q", broken, got)
		}
	}
}

func FuzzSplitTopLevel(f *testing.F) {
	for _, pattern := range []string{"../fixtures/*/main.tf", "testdata/*/*.tf"} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			if src, err := os.ReadFile(path); err == nil {
				f.Add(src)
			}
		}
	}
	f.Add([]byte("a \"b\" {\n  c = \"${\"}\"}\"\n}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		checkSplitAgreesWithHCL(t, "fuzz.tf", src)
	})
}
