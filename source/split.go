package source

import (
	"bytes"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// topBlock is a block of a file's top level, found without parsing its
// body: hcl/v2 builds a syntax tree of 90 to 145 times the file's size, and
// locations need only the blocks' headers (and the bodies of a few).
type topBlock struct {
	Type   string
	Labels []string
	Start  hcl.Pos // of the block type
	// LineStart is where the line of Start begins; End is just after the
	// closing brace: src[LineStart:End] parses as the block alone.
	LineStart, End int
}

// topComment is a comment of the top level alone on its line: nothing but
// blanks before it on that line.
type topComment struct {
	Start hcl.Pos
	Raw   string // the comment from its marker, without the newline
}

// maxNesting bounds how deep brackets, templates and interpolations may
// nest (the splitter recurses on them).
const maxNesting = 500

var errSplit = errors.New("the file's top level cannot be followed")

// splitTopLevel calls block and comment, in file order, with the blocks
// and the comments of a .tf file's top level (HCL native syntax). It
// follows strings, templates, heredocs and comments only to find where
// each block ends; an error means the file is not valid HCL where it could
// tell (what was passed on before it stands).
func splitTopLevel(src []byte, block func(topBlock), comment func(topComment)) error {
	s := &splitter{src: src}
	lines := lineCounter{src: src, line: 1}
	codeLine := 0 // the last line with code on it, 0 for none
	for {
		s.blanks(true)
		if s.eof() {
			return nil
		}
		if s.atComment() {
			start := s.pos
			if err := s.comment(); err != nil {
				return err
			}
			if line, lineStart := lines.at(start); line != codeLine {
				raw, _, _ := strings.Cut(string(src[start:s.pos]), "\n")
				comment(topComment{
					Start: hcl.Pos{Line: line, Column: utf8.RuneCount(src[lineStart:start]) + 1, Byte: start},
					Raw:   strings.TrimRight(raw, "\r"),
				})
			}
			continue
		}
		start := s.pos
		typ := s.identifier()
		if typ == "" {
			return errSplit
		}
		s.blanks(false)
		if s.peek() == '=' {
			// An attribute (not valid at a .tf file's top level, but
			// HCL): its expression ends at the end of the line.
			s.pos++
			if err := s.expression(0); err != nil {
				return err
			}
			codeLine, _ = lines.at(s.pos)
			continue
		}
		var labels []string
		for {
			s.blanks(false)
			if s.peek() == '"' {
				label, err := s.label()
				if err != nil {
					return err
				}
				labels = append(labels, label)
			} else if label := s.identifier(); label != "" {
				labels = append(labels, label)
			} else {
				break
			}
		}
		if s.peek() != '{' {
			return errSplit
		}
		s.pos++
		if err := s.nested('}', 1); err != nil {
			return err
		}
		line, lineStart := lines.at(start)
		block(topBlock{
			Type: typ, Labels: labels, LineStart: lineStart, End: s.pos,
			Start: hcl.Pos{Line: line, Column: utf8.RuneCount(src[lineStart:start]) + 1, Byte: start},
		})
		codeLine, _ = lines.at(s.pos - 1)
	}
}

type splitter struct {
	src []byte
	pos int
}

func (s *splitter) eof() bool { return s.pos >= len(s.src) }

// peek is the byte at pos, 0 at the end.
func (s *splitter) peek() byte {
	if s.eof() {
		return 0
	}
	return s.src[s.pos]
}

func (s *splitter) at(prefix string) bool {
	if len(s.src)-s.pos < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if s.src[s.pos+i] != prefix[i] {
			return false
		}
	}
	return true
}

// blanks skips spaces and tabs, and newlines too when newlines is set.
func (s *splitter) blanks(newlines bool) {
	for !s.eof() {
		switch s.src[s.pos] {
		case ' ', '\t', '\r':
		case '\n':
			if !newlines {
				return
			}
		default:
			return
		}
		s.pos++
	}
}

func (s *splitter) atComment() bool { return s.at("#") || s.at("//") || s.at("/*") }

// comment skips a comment; a line comment ends before its newline.
func (s *splitter) comment() error {
	if s.at("/*") {
		end := bytes.Index(s.src[s.pos+2:], []byte("*/"))
		if end < 0 {
			return errSplit
		}
		s.pos += 2 + end + 2
		return nil
	}
	for !s.eof() && s.src[s.pos] != '\n' {
		s.pos++
	}
	return nil
}

// identifier reads an HCL identifier (letters, digits, "_" and "-", not
// starting with a digit or "-"), "" when there is none at pos.
func (s *splitter) identifier() string {
	start := s.pos
	for !s.eof() {
		r, size := utf8.DecodeRune(s.src[s.pos:])
		if !(unicode.IsLetter(r) || r == '_' || s.pos > start && (unicode.IsDigit(r) || r == '-')) {
			break
		}
		s.pos += size
	}
	return string(s.src[start:s.pos])
}

// label reads a quoted block label, which has no template sequences.
func (s *splitter) label() (string, error) {
	start := s.pos
	if err := s.quoted(0); err != nil {
		return "", err
	}
	var b strings.Builder
	raw := string(s.src[start+1 : s.pos-1])
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) {
			i++
			switch raw[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(raw[i]) // \" and \\; labels need no more
			}
			continue
		}
		b.WriteByte(raw[i])
	}
	return b.String(), nil
}

// nested skips to just after the closer of a bracket whose opener was just
// read, following what may hold a stray closer: strings, heredocs,
// comments and inner brackets.
func (s *splitter) nested(closer byte, depth int) error {
	if depth > maxNesting {
		return errSplit
	}
	for !s.eof() {
		switch c := s.src[s.pos]; {
		case c == closer:
			s.pos++
			return nil
		case c == '}' || c == ']' || c == ')':
			return errSplit // closes a bracket that is not open
		case c == '{' || c == '[' || c == '(':
			s.pos++
			if err := s.nested(closerOf(c), depth+1); err != nil {
				return err
			}
		default:
			if err := s.other(depth); err != nil {
				return err
			}
		}
	}
	return errSplit
}

// expression skips a top-level attribute's expression, to the end of its
// line (newlines inside brackets belong to the expression).
func (s *splitter) expression(depth int) error {
	for !s.eof() {
		switch c := s.src[s.pos]; {
		case c == '\n':
			return nil
		case c == '}' || c == ']' || c == ')':
			return errSplit
		case c == '{' || c == '[' || c == '(':
			s.pos++
			if err := s.nested(closerOf(c), depth+1); err != nil {
				return err
			}
		default:
			if err := s.other(depth); err != nil {
				return err
			}
		}
	}
	return nil
}

// other skips one piece of an expression or body that is no bracket: a
// string, a heredoc, a comment or a byte.
func (s *splitter) other(depth int) error {
	switch {
	case s.peek() == '"':
		return s.quoted(depth)
	case s.atComment():
		return s.comment()
	case s.at("<<"):
		if s.heredoc() {
			return nil
		}
	}
	s.pos++
	return nil
}

func closerOf(opener byte) byte {
	switch opener {
	case '{':
		return '}'
	case '[':
		return ']'
	}
	return ')'
}

// quoted skips a quoted template: escapes, and the interpolations and
// directives ("${…}", "%{…}") that may hold strings and braces of their own.
func (s *splitter) quoted(depth int) error {
	s.pos++ // the opening quote
	for !s.eof() {
		switch {
		case s.src[s.pos] == '\\':
			s.pos += 2
		case s.src[s.pos] == '"':
			s.pos++
			return nil
		case s.src[s.pos] == '\n':
			return errSplit // a quoted string does not span lines
		case s.at("$${") || s.at("%%{"):
			s.pos += 3 // escaped: literal text
		case s.at("${") || s.at("%{"):
			s.pos += 2
			if err := s.nested('}', depth+1); err != nil {
				return err
			}
		default:
			s.pos++
		}
	}
	return errSplit
}

// heredoc skips a heredoc ("<<EOT" or "<<-EOT", its lines, and the line
// that closes it) and reports whether pos was at one.
func (s *splitter) heredoc() bool {
	i := s.pos + 2
	if i < len(s.src) && s.src[i] == '-' {
		i++
	}
	save := s.pos
	s.pos = i
	marker := s.identifier()
	rest := s.pos
	if rest < len(s.src) && s.src[rest] == '\r' {
		rest++
	}
	if marker == "" || rest >= len(s.src) || s.src[rest] != '\n' {
		s.pos = save
		return false
	}
	for line := rest + 1; line < len(s.src); {
		end := line
		for end < len(s.src) && s.src[end] != '\n' {
			end++
		}
		if string(bytes.TrimRight(bytes.TrimLeft(s.src[line:end], " \t"), "\r")) == marker {
			s.pos = end
			return true
		}
		line = end + 1
	}
	s.pos = len(s.src) // unterminated: nested then fails at the end
	return true
}

// lineCounter turns byte offsets that never decrease into line numbers.
type lineCounter struct {
	src       []byte
	offset    int // counted up to here
	line      int
	lineStart int
}

// at is the 1-based line of offset and where that line starts.
func (c *lineCounter) at(offset int) (line, lineStart int) {
	for ; c.offset < offset && c.offset < len(c.src); c.offset++ {
		if c.src[c.offset] == '\n' {
			c.line++
			c.lineStart = c.offset + 1
		}
	}
	return c.line, c.lineStart
}
