package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/returnpath-dev/returnpath/internal/largeplan"
)

// releaseServer stands in for GitHub's release downloads: it serves files
// from dir at /TAG/NAME on 127.0.0.1 and counts the requests.
type releaseServer struct {
	*httptest.Server
	dir string
	mu  sync.Mutex
	got []string
}

func newReleaseServer(t *testing.T) *releaseServer {
	s := &releaseServer{dir: t.TempDir()}
	files := http.FileServer(http.Dir(s.dir))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.got = append(s.got, r.URL.Path)
		s.mu.Unlock()
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *releaseServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// publish writes a release: the archives (name → the bytes of the
// returnpath binary inside) and a checksums.txt that lists them, with the
// checksum of archive wrong when it is named in corrupt.
func (s *releaseServer) publish(t *testing.T, tag string, archives map[string][]byte, corrupt string) {
	t.Helper()
	dir := filepath.Join(s.dir, tag)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var sums strings.Builder
	for name, binary := range archives {
		data := archiveOf(t, name, binary)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if name == corrupt {
			sum[0] ^= 0xff
		}
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	if err := os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(sums.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// archiveOf is a .tar.gz or .zip, as GoReleaser makes them: the binary
// with the licence and the README beside it.
func archiveOf(t *testing.T, name string, binary []byte) []byte {
	t.Helper()
	var buf strings.Builder
	files := []struct {
		name string
		data []byte
		mode int64
	}{{"LICENSE", []byte("Apache-2.0"), 0o644}, {"README.md", []byte("# returnpath"), 0o644}}
	if strings.HasSuffix(name, ".zip") {
		files = append(files, struct {
			name string
			data []byte
			mode int64
		}{"returnpath.exe", binary, 0o755})
		z := zip.NewWriter(&buf)
		for _, f := range files {
			w, err := z.Create(f.name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(f.data)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return []byte(buf.String())
	}
	files = append(files, struct {
		name string
		data []byte
		mode int64
	}{"returnpath", binary, 0o755})
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return []byte(buf.String())
}

// installEnv is the environment action.yml gives install.sh on a runner.
type installEnv struct {
	root, runner, cache, output string
	ref, version, os, arch, url string
}

func newInstallEnv(t *testing.T, url string) installEnv {
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	runner := t.TempDir()
	return installEnv{
		root: root, runner: runner, cache: filepath.Join(runner, "tool-cache"), output: filepath.Join(runner, "output"),
		os: "Linux", arch: "X64", url: url,
	}
}

func (e installEnv) vars() []string {
	return []string{
		"GITHUB_ACTION_PATH=" + e.root, "RUNNER_TEMP=" + e.runner, "RUNNER_TOOL_CACHE=" + e.cache,
		"RUNNER_OS=" + e.os, "RUNNER_ARCH=" + e.arch, "GITHUB_OUTPUT=" + e.output,
		"ACTION_REF=" + e.ref, "INPUT_VERSION=" + e.version, "RETURNPATH_DOWNLOAD_URL=" + e.url,
	}
}

// testActionRelease runs install.sh against a stand-in release server: a
// release tag downloads, verifies and caches the archive; the cache is
// used the next time; a checksum that does not match is refused and
// nothing is installed.
func testActionRelease(t *testing.T, binary string) {
	real, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	srv := newReleaseServer(t)
	// The archives .goreleaser.yaml makes, by their names there: the
	// real binary for linux/amd64, stand-ins for the others.
	published := map[string][]byte{}
	for platform, name := range releaseArchives(t, "1.2.3") {
		published[name] = []byte("#!/bin/sh\necho " + platform + "\n")
		if platform == "linux/amd64" {
			published[name] = real
		}
	}
	srv.publish(t, "v1.2.3", published, "")
	broken := releaseArchives(t, "1.2.4")["linux/amd64"]
	srv.publish(t, "v1.2.4", map[string][]byte{broken: real}, broken)

	e := newInstallEnv(t, srv.URL)
	e.ref = "v1.2.3"
	start := time.Now()
	r := runScript(t, e.vars(), "action/install.sh")
	first := time.Since(start)
	out := outputs(t, e.output)
	want := filepath.Join(e.cache, "returnpath", "1.2.3", "amd64", "returnpath")
	if r.code != 0 || out["binary"] != want || out["installed"] != "release" {
		t.Fatalf("exit %d, outputs %v (want binary %s)\n%s%s", r.code, out, want, r.stdout, r.stderr)
	}
	if got := srv.requests(); strings.Join(got, " ") != "/v1.2.3/checksums.txt /v1.2.3/returnpath_1.2.3_linux_amd64.tar.gz" {
		t.Errorf("requests %v", got)
	}
	if !strings.Contains(r.stdout, "SHA-256 verified against checksums.txt") {
		t.Errorf("stdout %q", r.stdout)
	}
	if v, err := exec.Command(out["binary"], "version").Output(); err != nil || !strings.HasPrefix(string(v), "returnpath v9.8.7\n") {
		t.Errorf("the installed binary: %q, %v", v, err)
	}
	if _, err := os.Stat(filepath.Dir(want) + ".complete"); err != nil {
		t.Errorf("no tool-cache marker: %v", err)
	}

	// Again, on the same runner: from the tool cache, no download.
	start = time.Now()
	r = runScript(t, e.vars(), "action/install.sh")
	cached := time.Since(start)
	if r.code != 0 || len(srv.requests()) != 2 || !strings.Contains(r.stdout, "from the tool cache") {
		t.Errorf("second run: exit %d, %d requests, stdout %q", r.code, len(srv.requests()), r.stdout)
	}

	// check.sh with the downloaded binary, as the action's next step.
	ce := newActionEnv(t, "fixtures/web-missing-return/plan.json")
	start = time.Now()
	cr := runScript(t, ce.vars(want), "action/check.sh")
	check := time.Since(start)
	if cr.code != 0 || outputs(t, ce.output)["exit-code"] != "1" {
		t.Errorf("check.sh with the release binary: exit %d, outputs %v", cr.code, outputs(t, ce.output))
	}
	t.Logf("release path: install (download + verify + extract) %v, install from the tool cache %v, check %v",
		first.Round(time.Millisecond), cached.Round(time.Millisecond), check.Round(time.Millisecond))

	// Every runner OS and architecture gets its archive.
	for _, p := range []struct{ os, arch, path string }{
		{"Linux", "ARM64", "returnpath/1.2.3/arm64/returnpath"},
		{"macOS", "ARM64", "returnpath/1.2.3/arm64/returnpath"},
		{"macOS", "X64", "returnpath/1.2.3/amd64/returnpath"},
		{"Windows", "X64", "returnpath/1.2.3/amd64/returnpath.exe"},
	} {
		pe := newInstallEnv(t, srv.URL)
		pe.ref, pe.os, pe.arch = "v1.2.3", p.os, p.arch
		r := runScript(t, pe.vars(), "action/install.sh")
		if r.code != 0 {
			t.Errorf("%s %s: exit %d\n%s", p.os, p.arch, r.code, r.stderr)
			continue
		}
		if got := outputs(t, pe.output)["binary"]; got != filepath.Join(pe.cache, p.path) {
			t.Errorf("%s %s: exit %d, binary %q\n%s", p.os, p.arch, r.code, got, r.stderr)
		}
	}

	// The version input downloads a release whatever the ref.
	ve := newInstallEnv(t, srv.URL)
	ve.ref, ve.version = "main", "v1.2.3"
	if r := runScript(t, ve.vars(), "action/install.sh"); r.code != 0 || outputs(t, ve.output)["installed"] != "release" {
		t.Errorf("version input: exit %d, outputs %v\n%s", r.code, outputs(t, ve.output), r.stderr)
	}

	for name, tc := range map[string]struct {
		ref, version, os, arch, url string
		stderr                      string
	}{
		"checksum mismatch": {ref: "v1.2.4", os: "Linux", arch: "X64", stderr: "returnpath_1.2.4_linux_amd64.tar.gz: SHA-256 "},
		"no such release":   {ref: "v9.9.9", os: "Linux", arch: "X64", stderr: "could not download " + srv.URL + "/v9.9.9/checksums.txt (HTTP 404)"},
		"not in checksums":  {ref: "v1.2.4", os: "macOS", arch: "ARM64", stderr: "checksums.txt of v1.2.4 does not list returnpath_1.2.4_darwin_arm64.tar.gz"},
		"server down":       {ref: "v1.2.3", os: "Linux", arch: "X64", url: "http://127.0.0.1:1", stderr: "could not download http://127.0.0.1:1/v1.2.3/checksums.txt (HTTP 000)"},
		"bad version input": {ref: "main", version: "latest", os: "Linux", arch: "X64", stderr: `version input "latest": want a release tag`},
		"unknown runner":    {ref: "v1.2.3", os: "FreeBSD", arch: "X64", stderr: `no release binary for the runner OS "FreeBSD"`},
	} {
		t.Run(name, func(t *testing.T) {
			be := newInstallEnv(t, srv.URL)
			be.ref, be.version, be.os, be.arch = tc.ref, tc.version, tc.os, tc.arch
			if tc.url != "" {
				be.url = tc.url
			}
			r := runScript(t, be.vars(), "action/install.sh")
			if r.code == 0 || !strings.HasPrefix(r.stderr, "returnpath: ") || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q (want it to contain %q)", r.code, r.stderr, tc.stderr)
			}
			if _, err := os.Stat(be.output); err == nil && outputs(t, be.output)["binary"] != "" {
				t.Errorf("a binary was installed: %v", outputs(t, be.output))
			}
			if entries, _ := filepath.Glob(filepath.Join(be.cache, "returnpath", "*", "*", "returnpath*")); len(entries) > 0 {
				t.Errorf("the tool cache holds %v", entries)
			}
		})
	}
}

// testActionSource: a ref that is not a release builds from source and
// leaves the workflow's Go as it was for later steps: nothing in
// GITHUB_ENV or GITHUB_PATH, and go version and GOTOOLCHAIN unchanged
// (setup-go sets GOTOOLCHAIN=local, which the build must not need to
// change for the steps after it).
func testActionSource(t *testing.T) {
	e := newInstallEnv(t, "http://127.0.0.1:1") // nothing may be downloaded
	e.ref = "0123456789abcdef0123456789abcdef01234567"
	githubEnv, githubPath := filepath.Join(e.runner, "env"), filepath.Join(e.runner, "path")
	for _, f := range []string{githubEnv, githubPath} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(e.vars(), "GITHUB_ENV="+githubEnv, "GITHUB_PATH="+githubPath, "GOTOOLCHAIN=local")
	goState := func() string {
		cmd := exec.Command("bash", "-c", "go version; go env GOTOOLCHAIN GOROOT; command -v go")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	before := goState()
	r := runScript(t, env, "action/install.sh")
	out := outputs(t, e.output)
	if r.code != 0 || out["installed"] != "source" || !strings.Contains(r.stdout, "building from source") {
		t.Fatalf("exit %d, outputs %v\n%s%s", r.code, out, r.stdout, r.stderr)
	}
	if v, err := exec.Command(out["binary"], "version").Output(); err != nil ||
		!strings.HasPrefix(string(v), "returnpath "+e.ref+"\ncommit: "+e.ref+"\n") {
		t.Errorf("built binary: %q, %v", v, err)
	}
	for _, f := range []string{githubEnv, githubPath} {
		if data, _ := os.ReadFile(f); len(data) != 0 {
			t.Errorf("%s changed for later steps: %q", filepath.Base(f), data)
		}
	}
	if after := goState(); after != before {
		t.Errorf("the workflow's Go changed:\nbefore %safter  %s", before, after)
	}

	// action.yml sets up no Go of its own (actions/setup-go would put its
	// Go first on PATH and set GOTOOLCHAIN for every later step).
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Runs struct {
			Steps []map[string]any `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	for _, step := range action.Runs.Steps {
		if uses, ok := step["uses"]; ok {
			t.Errorf("action.yml step %v uses %v: the action must not change the workflow's tools", step["name"], uses)
		}
	}
}

// testActionSummaryLimit: the job summary of the large plan is whole
// under GitHub's 1 MiB; under a smaller limit it is cut at a line, with a
// note, and stays under the limit. The log's annotations stay capped
// while the outputs count every finding.
func testActionSummaryLimit(t *testing.T, binary string) {
	plan := largeplan.File(t)
	e := newActionEnv(t, plan)
	r := runScript(t, e.vars(binary), "action/check.sh")
	out := outputs(t, e.output)
	if r.code != 0 || out["findings"] != "1030" || out["exit-code"] != "1" {
		t.Fatalf("exit %d, outputs %v\n%s", r.code, out, r.stderr)
	}
	if n := strings.Count(r.stdout, "\n::") + 1; n != 30 {
		t.Errorf("%d annotations in the log, want 30 (10 per severity)", n)
	}
	summary, err := os.ReadFile(e.summary)
	if err != nil {
		t.Fatal(err)
	}
	if len(summary) >= 1<<20 || strings.Contains(string(summary), "The report is cut") {
		t.Errorf("large plan: summary of %d bytes, cut: %v", len(summary), strings.Contains(string(summary), "The report is cut"))
	}

	const limit = 64 << 10
	e = newActionEnv(t, plan)
	if err := os.WriteFile(e.summary, []byte(strings.Repeat("x", 1000)+"\n"), 0o644); err != nil { // an earlier write in this step
		t.Fatal(err)
	}
	r = runScript(t, append(e.vars(binary), fmt.Sprintf("RETURNPATH_SUMMARY_LIMIT=%d", limit)), "action/check.sh")
	summary, err = os.ReadFile(e.summary)
	if err != nil {
		t.Fatal(err)
	}
	text := string(summary)
	if r.code != 0 || len(summary) > limit || !strings.Contains(text, "\n```\n\nThe report is cut to ") ||
		!strings.Contains(text, "GitHub keeps at most 1 MiB of summary per step") {
		t.Errorf("limit %d: exit %d, summary of %d bytes:\n%s", limit, r.code, len(summary), text[max(0, len(text)-600):])
	}
	body := text[strings.Index(text, "```text\n")+len("```text\n") : strings.LastIndex(text, "\n```\n")]
	if last := body[strings.LastIndex(body, "\n")+1:]; strings.Contains(string(summaryFullText(t, binary, plan)), body+"\n") == false {
		t.Errorf("the cut report is not a run of whole lines of the report; last line %q", last)
	}
}

// summaryFullText is the text report check.sh puts in the summary.
func summaryFullText(t *testing.T, binary, plan string) []byte {
	out, err := exec.Command(binary, "check", "--format", "text", "--no-color", "--fail-on", "never", plan).Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
