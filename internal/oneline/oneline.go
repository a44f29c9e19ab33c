// Package oneline keeps a message on one line, for the places that show it
// in a row: an error on stderr, a run-task status, an outcome's description.
//
// plan/ keeps its own variant (it also drops repeated lines of a joined
// error); everything above plan uses this one.
package oneline

import "strings"

// Of joins the lines of s with "; ", each trimmed, blank ones dropped. A
// carriage return ends a line too: a lone "\r" would let a message
// overwrite what a terminal showed before it.
func Of(s string) string {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	kept := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "; ")
}
