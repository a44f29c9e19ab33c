// Package redact keeps secrets (the GitHub token, run task access tokens,
// the HMAC key) out of everything returnpath writes: it replaces them in
// strings, and in what passes through a Writer (the process's stdout and
// stderr, and the log handler writing to them), wherever the text came
// from: an API's error body that echoes the token, an html_url, a message.
package redact

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// Placeholder replaces a secret.
const Placeholder = "[REDACTED]"

// String is s with every secret (empty ones aside) replaced.
func String(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, Placeholder)
		}
	}
	return s
}

// Set is a changing set of secrets, safe for concurrent use: a server adds
// a task's token while the task runs. A secret added twice must be removed
// twice.
type Set struct {
	mu      sync.RWMutex
	secrets map[string]int
	longest int
}

// NewSet makes a set holding secrets (empty ones are ignored).
func NewSet(secrets ...string) *Set {
	s := &Set{secrets: map[string]int{}}
	for _, secret := range secrets {
		s.Add(secret)
	}
	return s
}

// Add puts secret in the set; an empty one is ignored.
func (s *Set) Add(secret string) {
	if secret == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[secret]++
	s.longest = max(s.longest, len(secret))
}

// Remove takes one Add of secret back.
func (s *Set) Remove(secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secrets[secret] <= 1 {
		delete(s.secrets, secret)
		return
	}
	s.secrets[secret]--
}

// String is text with the secrets of the set replaced; a nil set has
// none.
func (s *Set) String(text string) string {
	if s == nil {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for secret := range s.secrets {
		text = strings.ReplaceAll(text, secret, Placeholder)
	}
	return text
}

func (s *Set) longestSecret() int {
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.longest
}

// Writer writes to an underlying writer with the secrets of a Set
// replaced. It passes on whole lines (secrets hold no line breaks, so none
// is split across them); of a line longer than maxLine it passes on all
// but what could be the start of a secret. Flush writes what is left of
// an unfinished last line.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	set     *Set
	pending string
}

// maxLine bounds what Writer holds back.
const maxLine = 64 << 10

// NewWriter redacts the secrets of set from what is written to w.
func NewWriter(w io.Writer, set *Set) *Writer { return &Writer{w: w, set: set} }

// Write takes p whole; its error is the underlying writer's.
func (rw *Writer) Write(p []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	redacted := rw.set.String(rw.pending + string(p))
	cut := strings.LastIndexByte(redacted, '\n') + 1
	if cut == 0 && len(redacted) > maxLine {
		// Every whole secret is replaced; only the start of one may be
		// in the last longest-1 bytes.
		cut = len(redacted) - max(rw.set.longestSecret()-1, 0)
	}
	rw.pending = redacted[cut:]
	if cut == 0 {
		return len(p), nil
	}
	if _, err := io.WriteString(rw.w, redacted[:cut]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back.
func (rw *Writer) Flush() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if len(rw.pending) == 0 {
		return nil
	}
	out := rw.set.String(rw.pending)
	rw.pending = ""
	_, err := io.WriteString(rw.w, out)
	return err
}

// Handler is a slog.Handler that replaces the secrets of a set in the
// message and every string attribute (in groups and LogValuers too) before
// the next handler formats the record.
type Handler struct {
	next slog.Handler
	set  *Set
}

// NewHandler redacts the secrets of set from the records passed to next.
func NewHandler(next slog.Handler, set *Set) *Handler { return &Handler{next: next, set: set} }

func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.set.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	redacted := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		redacted[i] = h.attr(a)
	}
	return &Handler{next: h.next.WithAttrs(redacted), set: h.set}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), set: h.set}
}

func (h *Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.set.String(v.String()))
	case slog.KindGroup:
		group := v.Group()
		redacted := make([]any, len(group))
		for i, g := range group {
			redacted[i] = h.attr(g)
		}
		return slog.Group(a.Key, redacted...)
	case slog.KindAny:
		// Errors and other values print as text: redact that text.
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.set.String(err.Error()))
		}
		if s, ok := v.Any().(fmt.Stringer); ok {
			return slog.String(a.Key, h.set.String(s.String()))
		}
		// Other values keep their type unless their text holds a secret.
		if text := fmt.Sprintf("%+v", v.Any()); h.set.String(text) != text {
			return slog.String(a.Key, h.set.String(text))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
