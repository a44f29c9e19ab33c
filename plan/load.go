package plan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/returnpath-dev/returnpath/internal/planjson"
)

// InputError is a plan that cannot be read: it names the file and the
// problem in one line.
type InputError struct {
	File    string
	Problem string
}

// Error is one line whatever the file's name or the plan holds: control
// characters (an address with a newline) are escaped as in Go strings.
func (e *InputError) Error() string { return escapeControl(e.File + ": " + e.Problem) }

func escapeControl(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func inputErrorf(file, format string, args ...any) error {
	return &InputError{File: file, Problem: fmt.Sprintf(format, args...)}
}

// stdinName is how standard input is named in messages.
const stdinName = "<stdin>"

// terraformShowTimeout bounds `terraform show -json` on a binary plan.
const terraformShowTimeout = 5 * time.Minute

// DefaultMaxBytes is the largest plan Load reads: far above real plans
// (a plan of thousands of resources is tens of MB), far below what would
// exhaust a CI runner's memory, which holds the plan a few times over.
const DefaultMaxBytes int64 = 1 << 30

// sniffBytes is how much of the input is looked at before the rest is
// read: enough to see that it is text, or a binary plan file.
const sniffBytes = 64 << 10

// Load reads the plan named by name ("-" for standard input): the JSON of
// `terraform show -json`, or a binary plan file, which it converts with
// terraform. It reads at most DefaultMaxBytes. It returns the model or an
// *InputError.
func Load(name string, stdin io.Reader) (*Model, error) {
	return LoadIn(name, stdin, "")
}

// LoadIn is Load with the root configuration directory dir, whose module
// sources resolve the locals that references go through ("": none).
func LoadIn(name string, stdin io.Reader, dir string) (*Model, error) {
	return LoadWithContext(name, stdin, dir, nil)
}

// LoadLimited is LoadWithContext for plans of at most maxBytes: a larger
// input, or one whose start cannot be a plan (binary data, text that is
// not UTF-8), is an *InputError before the rest of it is read.
func LoadLimited(name string, stdin io.Reader, dir string, contexts []*Context, maxBytes int64) (*Model, error) {
	d, err := DecodeLimited(name, stdin, maxBytes)
	if err != nil {
		return nil, err
	}
	return d.Build(dir, contexts)
}

// input is a plan's bytes as read: on the heap, or a file mapped into
// memory, which release unmaps once the decoder has copied out what the
// model keeps (nil: nothing to release).
type input struct {
	data    []byte
	display string
	release func()
	// binary is a binary plan file (zip), for terraform to convert.
	binary bool
}

// readInput reads the plan named by name ("-": stdin) and converts a
// binary plan with terraform. A regular file is mapped into memory when
// mapping is set and the system allows it, else read.
func readInput(name string, stdin io.Reader, maxBytes int64, mapping bool) (input, error) {
	display := name
	if name == "-" {
		display = stdinName
	}
	if maxBytes < 1 {
		return input{display: display}, fmt.Errorf("the plan size limit must be at least 1 byte, got %d", maxBytes)
	}
	in, err := readRaw(name, display, stdin, maxBytes, mapping)
	if err != nil {
		return in, err
	}
	if in.binary {
		data, err := showBinaryPlan(name, display, in.data, maxBytes)
		in.free()
		if err != nil {
			return input{display: display}, err
		}
		in = input{data: data, display: display}
	}
	return in, nil
}

// free releases a mapped input; its data must not be read after it.
func (in *input) free() {
	if in.release != nil {
		in.release()
		in.release, in.data = nil, nil
	}
}

func readRaw(name, display string, stdin io.Reader, maxBytes int64, mapping bool) (input, error) {
	if name == "-" {
		data, err := readLimited(stdinName, stdin, -1, maxBytes)
		return input{data: data, display: display, binary: isBinaryPlan(data)}, err
	}
	info, err := os.Stat(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return input{display: display}, inputErrorf(name, "no such file")
		}
		return input{display: display}, inputErrorf(name, "cannot read: %v", unwrapPathError(err))
	}
	if info.IsDir() {
		return input{display: display}, inputErrorf(name, "is a directory, not a plan file (give the JSON of `terraform show -json PLANFILE`)")
	}
	size := int64(-1) // a pipe or device says nothing of its size
	if info.Mode().IsRegular() {
		size = info.Size()
		if size > maxBytes {
			return input{display: display}, tooLarge(name, size, maxBytes)
		}
	}
	f, err := os.Open(name)
	if err != nil {
		return input{display: display}, inputErrorf(name, "cannot read: %v", unwrapPathError(err))
	}
	defer f.Close()
	if mapping && size > 0 {
		if data, unmap, err := mapFile(f, size); err == nil {
			in := input{data: data, display: display, release: unmap}
			if err := guardFault(name, func() error {
				if problem := sniff(data[:min(len(data), sniffBytes)], len(data) <= sniffBytes); problem != "" {
					return inputErrorf(name, "%s", problem)
				}
				in.binary = isBinaryPlan(data)
				return nil
			}); err != nil {
				in.free()
				return input{display: display}, err
			}
			return in, nil
		}
		// A file system that cannot map files: read it.
	}
	data, err := readLimited(name, f, size, maxBytes)
	return input{data: data, display: display, binary: isBinaryPlan(data)}, err
}

// guardFault runs f, which reads a mapped file: if the file shrinks
// meanwhile (another process rewrites it), reading past its new end
// faults, and that becomes an *InputError instead of a crash.
func guardFault(name string, f func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if _, isFault := r.(interface{ Addr() uintptr }); !isFault {
				panic(r)
			}
			err = inputErrorf(name, "changed while it was read (was it rewritten during the check?)")
		}
	}()
	return f()
}

// readLimited reads a plan of at most maxBytes from r; size is its length
// when known, else -1. It looks at the start first, and gives up on input
// that cannot be a plan before reading more of it.
func readLimited(name string, r io.Reader, size, maxBytes int64) ([]byte, error) {
	limit := maxBytes + 1 // one byte more tells a plan of maxBytes from a larger one
	capacity := min(int64(sniffBytes), limit)
	if size >= 0 {
		capacity = min(size+1, limit) // +1: the read that sees the end
	}
	first, eof, err := fill(r, make([]byte, 0, capacity), min(sniffBytes, limit))
	if err != nil {
		return nil, inputErrorf(name, "cannot read: %v", unwrapPathError(err))
	}
	if problem := sniff(first, eof); problem != "" {
		return nil, inputErrorf(name, "%s", problem)
	}
	// The rest goes into the first block while it has room (a file of
	// known size), then into blocks that double up to blockMax: growing
	// one buffer would hold the old and the new one at once, three times
	// the input.
	blocks, total := [][]byte{first}, int64(len(first))
	for next := int64(cap(first)); !eof && total < limit; next = min(2*next, blockMax) {
		block := blocks[len(blocks)-1]
		if len(block) == cap(block) {
			block = make([]byte, 0, min(next, limit-total))
			blocks = append(blocks, block)
		}
		before := len(block)
		block, eof, err = fill(r, block, int64(len(block))+limit-total)
		if err != nil {
			return nil, inputErrorf(name, "cannot read: %v", unwrapPathError(err))
		}
		blocks[len(blocks)-1] = block
		total += int64(len(block) - before)
	}
	if total > maxBytes {
		return nil, tooLarge(name, -1, maxBytes)
	}
	if len(blocks) == 1 {
		return blocks[0], nil
	}
	data := make([]byte, 0, total)
	for _, b := range blocks {
		data = append(data, b...)
	}
	return data, nil
}

// blockMax is the largest block readLimited reads into.
const blockMax = 64 << 20

// fill reads from r into buf until it holds n bytes or has no room left,
// or r ends (eof).
func fill(r io.Reader, buf []byte, n int64) (_ []byte, eof bool, err error) {
	for int64(len(buf)) < n && len(buf) < cap(buf) {
		end := min(int64(cap(buf)), n)
		k, err := r.Read(buf[len(buf):end])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return buf, true, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
	return buf, false, nil
}

// tooLarge is the error for a plan over the limit; size is -1 when only
// reading found it out.
func tooLarge(name string, size, maxBytes int64) error {
	is := "is larger than"
	if size >= 0 {
		is = "is " + byteSize(size) + ", more than"
	}
	return inputErrorf(name, "%s the limit of %s for a plan (raise it with --max-plan-bytes)", is, byteSize(maxBytes))
}

// sniff names what makes the start of an input impossible as a plan:
// JSON is UTF-8 text without NUL bytes, and a binary plan is a zip
// archive. complete says whether start is the whole input; if not, its
// last character may be cut. "" means it may be a plan.
func sniff(start []byte, complete bool) string {
	start = bytes.TrimPrefix(start, []byte(bom))
	if isBinaryPlan(start) {
		return ""
	}
	if bytes.IndexByte(start, 0) >= 0 {
		return "is binary data, not the JSON of `terraform show -json PLANFILE`"
	}
	if !complete {
		// Leave out a character the sniffed part may cut in two.
		if i := lastRuneStart(start); i >= 0 && !utf8.FullRune(start[i:]) {
			start = start[:i]
		}
	}
	if !utf8.Valid(start) {
		return "is not UTF-8 text, so not the JSON of `terraform show -json PLANFILE`"
	}
	return ""
}

// bom is the UTF-8 byte order mark some editors write before the JSON.
const bom = "\xef\xbb\xbf"

// lastRuneStart is the index of the last byte that may start a UTF-8
// character, -1 when there is none.
func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return -1
}

// byteSize writes a size in the units of --max-plan-bytes; a size that
// is no whole number of them, in bytes below 1 MiB, with a decimal above.
func byteSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		switch {
		case n >= u.size && n%u.size == 0:
			return strconv.FormatInt(n/u.size, 10) + " " + u.name
		case n >= u.size && u.size >= 1<<20:
			return strconv.FormatFloat(float64(n)/float64(u.size), 'f', 1, 64) + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// isBinaryPlan recognises the zip archive `terraform plan -out` writes.
func isBinaryPlan(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// showBinaryPlan runs `terraform show -json` on a binary plan, in the plan
// file's directory, where terraform finds the initialised providers.
func showBinaryPlan(name, display string, data []byte, maxBytes int64) ([]byte, error) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		return nil, inputErrorf(display, "is a binary plan file and terraform is not on PATH to read it; run `terraform show -json PLANFILE > plan.json` and check that")
	}
	path, dir := name, filepath.Dir(name)
	if name == "-" {
		tmp, err := os.CreateTemp("", "returnpath-*.tfplan")
		if err != nil {
			return nil, inputErrorf(display, "is a binary plan file and cannot be saved for terraform: %v", err)
		}
		defer os.Remove(tmp.Name())
		_, werr := tmp.Write(data)
		if cerr := tmp.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, inputErrorf(display, "is a binary plan file and cannot be saved for terraform: %v", werr)
		}
		path, dir = tmp.Name(), "."
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	ctx, cancel := context.WithTimeout(context.Background(), terraformShowTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf, "show", "-json", "-no-color", path)
	cmd.Dir = dir
	stdout := &cappedBuffer{max: maxBytes}
	stderr := &cappedBuffer{max: 64 << 10, truncate: true} // its first lines are the message
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	if stdout.over {
		return nil, inputErrorf(display, "is a binary plan file whose JSON is larger than the limit of %s for a plan (raise it with --max-plan-bytes)", byteSize(maxBytes))
	}
	if err != nil {
		msg := firstLine(strings.TrimSpace(stderr.String()))
		if msg == "" {
			msg = err.Error()
		}
		return nil, inputErrorf(display, "is a binary plan file and `terraform show -json` failed: %s", msg)
	}
	return stdout.Bytes(), nil
}

// cappedBuffer keeps what a command writes, up to max bytes: past that,
// it drops the rest when truncate is set, else it fails the write (which
// ends the command) and records that the output was too large.
type cappedBuffer struct {
	bytes.Buffer
	max      int64
	truncate bool
	over     bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	room := c.max - int64(c.Len())
	if int64(len(p)) <= room {
		return c.Buffer.Write(p)
	}
	if c.truncate {
		c.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	c.over = true
	return 0, errors.New("output larger than the plan size limit")
}

// firstLine picks terraform's own error line from its stderr, skipping the
// box drawing and warnings (such as a missing CLI configuration) before it.
func firstLine(s string) string {
	var first string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.Trim(line, "│╷╵ "))
		if strings.HasPrefix(line, "Error: ") {
			return line
		}
		if first == "" && line != "" {
			first = line
		}
	}
	return first
}

// Parse reads the JSON of `terraform show -json` (name is only used in
// messages) and builds the model.
func Parse(name string, data []byte) (*Model, error) {
	return ParseIn(name, data, "")
}

// ParseIn is Parse with the root configuration directory dir (see LoadIn).
func ParseIn(name string, data []byte, dir string) (*Model, error) {
	return ParseWithContext(name, data, dir, nil)
}

// collectAfter is the input size from which Parse collects the input
// before building the model (a collection costs a few milliseconds).
const collectAfter = 4 << 20

// decode checks the input's shape and decodes the parts of the plan the
// model uses.
func decode(name string, data []byte, dec *planjson.Decoder) (*planjson.Plan, error) {
	doc, err := dec.Decode(data)
	if err != nil {
		return nil, &InputError{File: name, Problem: err.Error()}
	}
	return doc, nil
}
