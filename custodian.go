// Package custodian is the domain of Custodian: the organisation registry that an
// operation & management policy (영상정보처리기기 운영·관리 방침) states, the policy
// versions published from it, and the rules Korea's Personal Information Protection Act
// (개인정보 보호법, PIPA) Article 25 sets on them.
//
// The package holds plain types, their validation and the service interfaces that the
// adapters implement (sqlite/ for storage, yaml/ for the registry file, publish/ and pdf/
// for rendering, web/ for HTTP). It imports no adapter. See docs/ARCHITECTURE.md.
package custodian

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Error codes. Every error the domain or an adapter returns to a user carries one of them;
// the CLI maps them to exit statuses and the HTTP layer to status codes.
const (
	EINVALID      = "invalid"      // bad input: the request or file is wrong and nothing changed
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	ECONFLICT     = "conflict"     // the request contradicts the stored state (e.g. data dir exists)
	EUNAUTHORIZED = "unauthorized" // the actor may not do this
	ERATELIMIT    = "rate_limited" // too many requests or attempts: try again later
	EUNAVAILABLE  = "unavailable"  // something needed (a camera, a disk, a service) did not answer: try again
	EINTERNAL     = "internal"     // a fault of the system, not of the user
)

// Codes lists every error code, in the order of the table in docs/ARCHITECTURE.md. The CLI
// (cmd/custodian: finish) and the HTTP layer (web: httpStatus) map each of them.
var Codes = []string{EINVALID, ENOTFOUND, ECONFLICT, EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE, EINTERNAL}

// Error is a user-facing error with a code and a message in Korean and English.
// User-facing text is Korean first; English is always available beside it.
type Error struct {
	Code string
	Ko   string
	En   string
	// Err is the cause, when the error was made from another (Errorf with %w); errors.Is
	// and errors.As see it through Unwrap.
	Err error
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Error returns "Korean (English)", the form the CLI prints.
func (e *Error) Error() string {
	switch {
	case e.Ko == "":
		return e.En
	case e.En == "":
		return e.Ko
	}
	return e.Ko + " (" + e.En + ")"
}

// Errorf returns an *Error. The Korean and English formats take the same arguments. As in
// fmt.Errorf, a %w verb formats an error argument and keeps it as the cause (Error.Err), so
// that errors.Is and errors.As still find it. A string argument longer than MaxEchoArg
// bytes is shortened (Clip): a message never echoes a huge value back.
func Errorf(code, ko, en string, args ...any) *Error {
	args = clipArgs(args, MaxEchoArg)
	e := &Error{Code: code}
	if wrapf := en; strings.Contains(en, "%w") || strings.Contains(ko, "%w") {
		if !strings.Contains(en, "%w") {
			wrapf = ko
		}
		w := fmt.Errorf(wrapf, args...)
		e.Err = errors.Unwrap(w)
		if e.Err == nil {
			if ws, ok := w.(interface{ Unwrap() []error }); ok && len(ws.Unwrap()) > 0 {
				e.Err = ws.Unwrap()[0]
			}
		}
		ko, en = strings.ReplaceAll(ko, "%w", "%v"), strings.ReplaceAll(en, "%w", "%v")
	}
	e.Ko, e.En = fmt.Sprintf(ko, args...), fmt.Sprintf(en, args...)
	return e
}

// MaxEchoArg is the longest string argument Errorf echoes whole; MaxEcho is the longest a
// validation problem echoes. Longer values are shown cut, with their length (Clip).
const (
	MaxEchoArg = 256
	MaxEcho    = 80
)

// Clip returns s for formatting in a message: s itself when it has at most max runes,
// otherwise its first max runes and "…", followed by its length in bytes. Formatted with
// %q the quotes close before the length: "abc…" (10485760 bytes).
func Clip(s string, max int) fmt.Formatter {
	return clipped{s: s, max: max}
}

type clipped struct {
	s   string
	max int
}

func (c clipped) Format(f fmt.State, verb rune) {
	s, cut := c.s, false
	if utf8.RuneCountInString(s) > c.max {
		n := 0
		for i := range s {
			if n == c.max {
				s, cut = s[:i], true
				break
			}
			n++
		}
	}
	switch {
	case verb == 'q' && cut:
		fmt.Fprintf(f, "%q (%d bytes)", s+"…", len(c.s))
	case verb == 'q':
		fmt.Fprintf(f, "%q", s)
	case cut:
		fmt.Fprintf(f, "%s… (%d bytes)", s, len(c.s))
	default:
		io.WriteString(f, s)
	}
}

// clipArgs replaces string arguments longer than max bytes with Clip(s, max).
func clipArgs(args []any, max int) []any {
	var out []any
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > max {
			if out == nil {
				out = append([]any(nil), args...)
			}
			out[i] = Clip(s, max)
		}
	}
	if out == nil {
		return args
	}
	return out
}

// ErrorCode returns the code of err: the code of the first *Error or *ValidationError in
// its chain, EINTERNAL for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return EINVALID
	}
	return EINTERNAL
}

// Problem is one thing wrong with a registry: where (a field path such as
// "sites[2].camera_groups[0].locations[1]", and when it came from a file, the file, line
// and column) and what, in Korean and English.
type Problem struct {
	Path   string `json:"path"`
	Ko     string `json:"ko"`
	En     string `json:"en"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// String formats the problem as "file:line:col: path: 한국어 (English)".
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteByte(':')
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", p.Line, p.Column)
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Ko)
	if p.En != "" {
		b.WriteString(" (")
		b.WriteString(p.En)
		b.WriteString(")")
	}
	return b.String()
}

// ValidationError lists the problems found in one piece of input. Its code is EINVALID.
// Made by NewValidationError, it lists at most MaxProblems of them, then one line saying
// how many more there are; Count is the whole number.
type ValidationError struct {
	Problems []Problem
	// Total is the number of problems found when more than MaxProblems were (0: as many
	// as are listed).
	Total int
}

// MaxProblems is how many problems a ValidationError lists; the rest are counted.
const MaxProblems = 50

// NewValidationError returns a ValidationError listing the first MaxProblems problems and,
// when there are more, a last line "and N more problem(s)".
func NewValidationError(problems []Problem) *ValidationError {
	if len(problems) <= MaxProblems {
		return &ValidationError{Problems: problems}
	}
	more := len(problems) - MaxProblems
	shown := append(problems[:MaxProblems:MaxProblems], Problem{
		Ko: fmt.Sprintf("… 그 밖에 문제가 %d개 더 있습니다", more),
		En: fmt.Sprintf("… and %d more problem(s)", more),
	})
	return &ValidationError{Problems: shown, Total: len(problems)}
}

// Count returns how many problems were found.
func (e *ValidationError) Count() int {
	if e.Total > 0 {
		return e.Total
	}
	return len(e.Problems)
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	head := fmt.Sprintf("%d개의 문제가 있습니다 (%d problem(s))", e.Count(), e.Count())
	return head + ":\n" + strings.Join(lines, "\n")
}
