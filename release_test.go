package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"

	"go.yaml.in/yaml/v3"
)

// goreleaserConfig is the part of .goreleaser.yaml that the action, the
// version command and the docs rely on. goreleaser check and a snapshot
// build run in the GitHub workflow (installing goreleaser took 47 minutes
// here); these tests keep the same promises in go test.
type goreleaserConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID      string   `yaml:"id"`
		Env     []string `yaml:"env"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	SBOMs []struct {
		Artifacts string `yaml:"artifacts"`
	} `yaml:"sboms"`
	DockersV2 []struct {
		Dockerfile string   `yaml:"dockerfile"`
		Images     []string `yaml:"images"`
		Platforms  []string `yaml:"platforms"`
	} `yaml:"dockers_v2"`
}

func readGoreleaser(t *testing.T) goreleaserConfig {
	t.Helper()
	data, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// render executes a GoReleaser template with the fields it uses.
func render(t *testing.T, text string, fields map[string]string) string {
	t.Helper()
	tmpl, err := template.New("").Option("missingkey=error").Parse(text)
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, fields); err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	return b.String()
}

// releaseArchives are the archive names of release version (without the
// v) for every platform of the configuration, as GoReleaser names them:
// what action/install.sh must download.
func releaseArchives(t *testing.T, version string) map[string]string {
	t.Helper()
	c := readGoreleaser(t)
	if len(c.Builds) != 1 || len(c.Archives) != 1 {
		t.Fatalf("%d builds, %d archives: want one of each", len(c.Builds), len(c.Archives))
	}
	archive := c.Archives[0]
	names := map[string]string{} // "linux/amd64" → name
	for _, goos := range c.Builds[0].Goos {
		for _, goarch := range c.Builds[0].Goarch {
			formats := archive.Formats
			for _, o := range archive.FormatOverrides {
				if o.Goos == goos {
					formats = o.Formats
				}
			}
			if len(formats) != 1 {
				t.Fatalf("%s/%s: formats %v, want one", goos, goarch, formats)
			}
			name := render(t, archive.NameTemplate, map[string]string{"ProjectName": c.ProjectName, "Version": version, "Os": goos, "Arch": goarch})
			names[goos+"/"+goarch] = name + "." + formats[0]
		}
	}
	return names
}

func TestGoreleaserConfig(t *testing.T) {
	c := readGoreleaser(t)
	if c.Version != 2 || c.ProjectName != "returnpath" {
		t.Errorf("version %d, project_name %q", c.Version, c.ProjectName)
	}
	b := c.Builds[0]
	if !slices.Equal(b.Goos, []string{"linux", "darwin", "windows"}) || !slices.Equal(b.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("platforms %v × %v, want linux, darwin, windows × amd64, arm64", b.Goos, b.Goarch)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") || !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("env %v, flags %v: want CGO_ENABLED=0 and -trimpath", b.Env, b.Flags)
	}
	want := map[string]string{
		"linux/amd64": "returnpath_1.2.3_linux_amd64.tar.gz", "linux/arm64": "returnpath_1.2.3_linux_arm64.tar.gz",
		"darwin/amd64": "returnpath_1.2.3_darwin_amd64.tar.gz", "darwin/arm64": "returnpath_1.2.3_darwin_arm64.tar.gz",
		"windows/amd64": "returnpath_1.2.3_windows_amd64.zip", "windows/arm64": "returnpath_1.2.3_windows_arm64.zip",
	}
	if got := releaseArchives(t, "1.2.3"); len(got) != len(want) {
		t.Errorf("archives %v, want %v", got, want)
	} else {
		for p, name := range want {
			if got[p] != name {
				t.Errorf("%s: archive %q, want %q (the name action/install.sh downloads)", p, got[p], name)
			}
		}
	}
	for _, f := range c.Archives[0].Files {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("archives hold %s: %v", f, err)
		}
	}
	if c.Checksum.NameTemplate != "checksums.txt" || c.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum %+v: action/install.sh reads a sha256 checksums.txt", c.Checksum)
	}
	if len(c.SBOMs) != 1 || c.SBOMs[0].Artifacts != "archive" {
		t.Errorf("sboms %+v: want one per archive", c.SBOMs)
	}
	if len(c.DockersV2) != 1 || !slices.Equal(c.DockersV2[0].Platforms, []string{"linux/amd64", "linux/arm64"}) ||
		!slices.Equal(c.DockersV2[0].Images, []string{"ghcr.io/returnpath-dev/returnpath"}) {
		t.Errorf("dockers_v2 %+v: want a linux/amd64 + linux/arm64 image on ghcr.io", c.DockersV2)
	}
	dockerfile, err := os.ReadFile(c.DockersV2[0].Dockerfile)
	if err != nil || !strings.Contains(string(dockerfile), "COPY $TARGETPLATFORM/returnpath ") {
		t.Errorf("%s: %v; want it to copy the release binary of $TARGETPLATFORM", c.DockersV2[0].Dockerfile, err)
	}
}

// TestReleaseStamps builds with the configuration's flags and ldflags (the
// templates filled in) and runs `returnpath version`: an -X that names no
// variable would be silently ignored by the linker.
func TestReleaseStamps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	b := readGoreleaser(t).Builds[0]
	fields := map[string]string{"Version": "1.2.3", "FullCommit": "0123456789abcdef0123456789abcdef01234567", "CommitDate": "2026-12-06T16:00:00Z"}
	var ldflags []string
	for _, l := range b.Ldflags {
		ldflags = append(ldflags, render(t, l, fields))
	}
	binary := filepath.Join(t.TempDir(), "returnpath")
	cmd := exec.Command("go", append(append([]string{"build"}, b.Flags...), "-ldflags", strings.Join(ldflags, " "), "-o", binary, ".")...)
	cmd.Env = append(os.Environ(), b.Env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(binary, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(out), "\n")
	want := []string{"returnpath v1.2.3", "commit: 0123456789abcdef0123456789abcdef01234567", "date: 2026-12-06T16:00:00Z"}
	if len(lines) < 4 || !slices.Equal(lines[:3], want) || !strings.HasPrefix(lines[3], "go: go1.") {
		t.Errorf("version:\n%s\nwant:\n%s\ngo: …", out, strings.Join(want, "\n"))
	}
}
