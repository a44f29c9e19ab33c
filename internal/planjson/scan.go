package planjson

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// scanner walks JSON in place, validating as it goes: what the model does
// not use is skipped without being built, and what it keeps is a slice of
// the input (no copy). One pass of it over a plan costs less than
// json.Valid's; encoding/json then decodes only the small values that are
// kept.
//
// Its errors only say that the input is not what the fast path expects:
// Parse then decodes the input again with encoding/json, whose messages
// (with line and column) users and tests rely on.
type scanner struct {
	data  []byte
	pos   int
	depth int
	arena *arena // where decodePlan copies what it keeps
	// validated is set for data the plan's decoder validated (attribute
	// values): skip then only finds a value's end, not checking it again.
	validated bool
	// names are the strings decodePlan decoded that repeat (see name).
	names map[string]string
	// modelled reports whether decodePlan keeps the resources of a type.
	modelled func(typ string) bool
}

// maxNesting is encoding/json's limit on nested arrays and objects.
const maxNesting = 10000

// scanError is input the scanner rejects: a syntax error, or a value of
// another JSON type than the plan's shape has there.
type scanError struct {
	Offset int
	Msg    string
}

func (e *scanError) Error() string { return e.Msg }

func (s *scanner) fail(format string, args ...any) error {
	return &scanError{Offset: s.pos, Msg: fmt.Sprintf(format, args...)}
}

// unexpected reports a value of the wrong JSON type at the current position.
func (s *scanner) unexpected(want string) error {
	return s.fail("expected %s, found %s", want, kindName(s.peek()))
}

func kindName(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c == 0:
		return "the end of the input"
	}
	return fmt.Sprintf("%q", c)
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (s *scanner) peek() byte {
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return c
		}
	}
	return 0
}

// end checks that only whitespace follows the top-level value.
func (s *scanner) end() error {
	if s.peek() != 0 || s.pos < len(s.data) {
		return s.fail("invalid character after top-level value")
	}
	return nil
}

// value skips one value and returns its bytes.
func (s *scanner) value() ([]byte, error) {
	s.peek()
	start := s.pos
	if err := s.skip(); err != nil {
		return nil, err
	}
	return s.data[start:s.pos], nil
}

// skip validates and skips one value.
func (s *scanner) skip() error {
	switch c := s.peek(); {
	case c == '"':
		_, _, err := s.stringToken()
		return err
	case (c == '{' || c == '[') && s.validated:
		s.pos, _ = valueEnd(s.data, s.pos)
		return nil
	case c == '{' || c == '[':
		return s.skipContainer()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case s.pos >= len(s.data):
		return s.fail("unexpected end of JSON input")
	default:
		return s.fail("invalid character %q looking for beginning of value", c)
	}
}

// skipContainer validates and skips the object or array at the scanner in
// one loop, not recursing through members and elements: most of a plan
// is skipped so. open holds, for each container it is in, whether it is
// an object.
func (s *scanner) skipContainer() error {
	var buf [64]bool
	open := buf[:0]
	for {
		// At the start of a value.
		switch c := s.peek(); {
		case c == '{' || c == '[':
			if s.depth++; s.depth > maxNesting {
				return s.fail("exceeded max depth")
			}
			s.pos++
			open = append(open, c == '{')
			if end := s.peek(); end == '}' && c == '{' || end == ']' && c == '[' {
				s.pos++
				open = open[:len(open)-1]
				s.depth--
				break
			}
			if c == '{' {
				if err := s.skipKey(); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			if _, _, err := s.stringToken(); err != nil {
				return err
			}
		case c == 't':
			if err := s.literal("true"); err != nil {
				return err
			}
		case c == 'f':
			if err := s.literal("false"); err != nil {
				return err
			}
		case c == 'n':
			if err := s.literal("null"); err != nil {
				return err
			}
		case c == '-' || c >= '0' && c <= '9':
			if err := s.number(); err != nil {
				return err
			}
		case s.pos >= len(s.data):
			return s.fail("unexpected end of JSON input")
		default:
			return s.fail("invalid character %q looking for beginning of value", c)
		}
		// After a value: a comma, or the ends of the containers it closes.
		for {
			if len(open) == 0 {
				return nil
			}
			object := open[len(open)-1]
			c := s.peek()
			if c == ',' {
				s.pos++
				if object {
					if err := s.skipKey(); err != nil {
						return err
					}
				}
				break
			}
			if object && c != '}' {
				return s.fail("invalid character %q after object key:value pair", s.at())
			}
			if !object && c != ']' {
				return s.fail("invalid character %q after array element", s.at())
			}
			s.pos++
			open = open[:len(open)-1]
			s.depth--
		}
	}
}

// skipKey validates and skips an object key and its colon.
func (s *scanner) skipKey() error {
	if s.peek() != '"' {
		return s.fail("invalid character %q looking for beginning of object key string", s.at())
	}
	if _, _, err := s.stringToken(); err != nil {
		return err
	}
	if s.peek() != ':' {
		return s.fail("invalid character %q after object key", s.at())
	}
	s.pos++
	return nil
}

func (s *scanner) literal(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return s.fail("invalid literal, expected %s", word)
	}
	s.pos += len(word)
	return nil
}

// null consumes a null literal if one comes next.
func (s *scanner) null() bool {
	if s.peek() == 'n' && s.literal("null") == nil {
		return true
	}
	return false
}

func (s *scanner) number() error {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i++; i < len(d) && d[i] >= '0' && d[i] <= '9'; i++ {
		}
	default:
		s.pos = i
		return s.fail("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.pos = i
			return s.fail("invalid number")
		}
		for ; i < len(d) && d[i] >= '0' && d[i] <= '9'; i++ {
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.pos = i
			return s.fail("invalid number")
		}
		for ; i < len(d) && d[i] >= '0' && d[i] <= '9'; i++ {
		}
	}
	s.pos = i
	return nil
}

// plainByte marks the bytes a string holds as they are: not the closing
// quote, not a backslash, not a control character.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// stringToken consumes a string and returns it with its quotes, and
// whether it holds escapes.
func (s *scanner) stringToken() (tok []byte, escaped bool, err error) {
	d, start := s.data, s.pos
	i := start + 1
	for {
		// Eight bytes at a time while none is a quote, a backslash or a
		// control character.
		for i+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[i:])
			if hasByte(x, '"')|hasByte(x, '\\')|hasLess(x, 0x20) != 0 {
				break
			}
			i += 8
		}
		for i < len(d) && plainByte[d[i]] {
			i++
		}
		if i >= len(d) {
			s.pos = i
			return nil, false, s.fail("unexpected end of JSON input")
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return d[start:s.pos], escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				s.pos = i + 1
				return nil, false, s.fail("unexpected end of JSON input")
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(d)-i < 6 || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					s.pos = i
					return nil, false, s.fail("invalid \\u escape in string")
				}
				i += 6
			default:
				s.pos = i + 1
				return nil, false, s.fail("invalid character %q in string escape code", d[i+1])
			}
		default:
			s.pos = i
			return nil, false, s.fail("invalid character %q in string literal", c)
		}
	}
}

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasByte is non-zero when one of the eight bytes of x is c.
func hasByte(x uint64, c byte) uint64 {
	y := x ^ (lows * uint64(c))
	return (y - lows) &^ y & highs
}

// hasLess is non-zero when one of the eight bytes of x is below n (n <= 128).
func hasLess(x uint64, n byte) uint64 {
	return (x - lows*uint64(n)) &^ x & highs
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// unquote turns a string token into its value.
func unquote(tok []byte, escaped bool) (string, error) {
	inner := tok[1 : len(tok)-1]
	if !escaped && utf8.Valid(inner) {
		return string(inner), nil
	}
	if v, ok := unescape(inner); ok {
		return v, nil
	}
	var v string
	err := json.Unmarshal(tok, &v)
	return v, err
}

// str reads a string or null (""); another type is an error.
func (s *scanner) str() (string, error) {
	switch s.peek() {
	case '"':
		tok, escaped, err := s.stringToken()
		if err != nil {
			return "", err
		}
		return unquote(tok, escaped)
	case 'n':
		return "", s.literal("null")
	}
	return "", s.unexpected("a string")
}

// members walks an object, calling fn with each key (without quotes;
// escapes decoded) positioned at its value, which fn must consume.
func (s *scanner) members(fn func(key []byte) error) error {
	if s.peek() != '{' {
		return s.unexpected("an object")
	}
	if s.depth++; s.depth > maxNesting {
		return s.fail("exceeded max depth")
	}
	s.pos++
	if s.peek() == '}' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.fail("invalid character %q looking for beginning of object key string", s.at())
		}
		tok, escaped, err := s.stringToken()
		if err != nil {
			return err
		}
		key := tok[1 : len(tok)-1]
		if escaped {
			k, err := unquote(tok, true)
			if err != nil {
				return s.fail("invalid object key")
			}
			key = []byte(k)
		}
		if s.peek() != ':' {
			return s.fail("invalid character %q after object key", s.at())
		}
		s.pos++
		if err := fn(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return nil
		default:
			return s.fail("invalid character %q after object key:value pair", s.at())
		}
	}
}

// elements walks an array, calling fn at each element, which fn must
// consume.
func (s *scanner) elements(fn func() error) error {
	if s.peek() != '[' {
		return s.unexpected("an array")
	}
	if s.depth++; s.depth > maxNesting {
		return s.fail("exceeded max depth")
	}
	s.pos++
	if s.peek() == ']' {
		s.pos++
		s.depth--
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return nil
		default:
			return s.fail("invalid character %q after array element", s.at())
		}
	}
}

// at is the byte at the current position, 0 at the end.
func (s *scanner) at() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}
