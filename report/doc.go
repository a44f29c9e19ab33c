// Package report turns the findings of one run into output: a Report holds
// the facts every format shows (the plan, a summary, the findings in a
// stable order, each with where it is configured), and one Formatter per
// format writes it.
//
// Each format lives in its own file and is listed once in Formats; the CLI
// validates --format and writes its help text from that list. Formatters
// only read the Report: they never reorder or filter findings, so every
// format shows the same facts. Markdown is the one markdown renderer: the
// pull-request comment body and a run-task outcome's body share its
// escaping, code spans and fix blocks, and it draws the broken paths of
// the findings (markdown_paths.go) with Mermaid (mermaid.go).
//
// A TraceReport is what `returnpath trace` found; its formats (text, json,
// markdown) are the trace_*.go files, listed in TraceFormats.
package report
