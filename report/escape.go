package report

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/returnpath-dev/returnpath/plan"
)

// Text from the plan (addresses, CIDRs, keys, file names) may hold any
// character: terraform quotes control characters in the addresses it
// writes, but a hostile plan.json need not. In text written for people
// and logs, a raw line break could start a line of its own (a GitHub
// Actions workflow command such as "::error file=x::…", even indented),
// and an escape sequence could rewrite the terminal. These functions
// make such characters visible as Go escapes (\n, \x1b, \u202e); the JSON
// formats keep the text as it is, since JSON escapes them itself.

// escapeControl writes every control character of s as a Go escape, line
// breaks included: for text that is one line by design.
func escapeControl(s string) string {
	if !hasControl(s, "") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		writeRune(&b, r)
	}
	return b.String()
}

// escapeControlLines is escapeControl for text whose lines are its
// structure (a suggested HCL block): "\n" stays; everything else, "\r"
// included, is escaped. embedded are plan strings the text may quote
// (addresses): their line breaks are not structure, so they are escaped
// wherever they appear.
func escapeControlLines(s string, embedded ...string) string {
	for _, e := range embedded {
		if e != "" && hasControl(e, "") {
			s = strings.ReplaceAll(s, e, escapeControl(e))
		}
	}
	if !hasControl(s, "\n") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == '\n' {
			b.WriteByte('\n')
			continue
		}
		writeRune(&b, r)
	}
	return b.String()
}

// escapeControlKeepBreaks escapes what escapeControl does but tabs, line
// feeds and carriage returns: for formats that encode those themselves
// (XML, workflow-command data). It leaves nothing XML 1.0 forbids, which
// encoding/xml would replace with U+FFFD, losing what the plan held.
func escapeControlKeepBreaks(s string) string {
	if !hasControl(s, "\t\n\r") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			b.WriteRune(r)
			continue
		}
		writeRune(&b, r)
	}
	return b.String()
}

// hasControl reports whether s holds a character that writeRune escapes,
// other than those in kept.
func hasControl(s, kept string) bool {
	for _, r := range s {
		if needsEscape(r) && !strings.ContainsRune(kept, r) {
			return true
		}
	}
	return false
}

// needsEscape: C0, DEL and C1 controls, U+2028 and U+2029 (line breaks to
// some readers), the bidirectional embeddings, overrides and isolates
// that display text in another order than it is read, and the
// noncharacters U+FFFE and U+FFFF (not XML).
func needsEscape(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029', r == '\ufffe' || r == '\uffff':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

func writeRune(b *strings.Builder, r rune) {
	if !needsEscape(r) {
		b.WriteRune(r)
		return
	}
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		if r < 0x80 {
			fmt.Fprintf(b, `\x%02x`, r)
		} else {
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
}

// suggestionText is the finding's suggested HCL with its control
// characters escaped: the addresses it quotes (the resource, module
// relative or whole, the deny rule, the subnets) keep their line breaks
// escaped, so that only the suggestion's own lines remain lines.
func suggestionText(f Finding) string {
	if f.Flow == nil {
		return ""
	}
	var embedded []string
	addAddress := func(addr string) {
		embedded = append(embedded, addr)
		// A reference inside the module is the local address.
		if r, err := plan.Address(addr).Parse(); err == nil {
			embedded = append(embedded, r.Local())
		}
	}
	addAddress(string(f.Resource))
	if br := f.Flow.BlockingRule; br != nil {
		addAddress(string(br.Address))
	}
	for _, s := range f.Subnets {
		addAddress(string(s.Address))
	}
	// Longest first: a module-relative address is part of the whole one.
	slices.SortStableFunc(embedded, func(a, b string) int { return len(b) - len(a) })
	return escapeControlLines(f.Flow.Suggestion, embedded...)
}
