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
	"strings"
)

// Error codes. Every error the domain or an adapter returns to a user carries one of them;
// the CLI maps them to exit statuses and the HTTP layer to status codes.
const (
	EINVALID      = "invalid"      // bad input: the request or file is wrong and nothing changed
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	ECONFLICT     = "conflict"     // the request contradicts the stored state (e.g. data dir exists)
	EUNAUTHORIZED = "unauthorized" // the actor may not do this
	EINTERNAL     = "internal"     // a fault of the system, not of the user
)

// Error is a user-facing error with a code and a message in Korean and English.
// User-facing text is Korean first; English is always available beside it.
type Error struct {
	Code string
	Ko   string
	En   string
}

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

// Errorf returns an *Error. The Korean and English formats take the same arguments.
func Errorf(code, ko, en string, args ...any) *Error {
	return &Error{Code: code, Ko: fmt.Sprintf(ko, args...), En: fmt.Sprintf(en, args...)}
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

// ValidationError lists every problem found in one piece of input. Its code is EINVALID.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	head := fmt.Sprintf("%d개의 문제가 있습니다 (%d problem(s))", len(e.Problems), len(e.Problems))
	return head + ":\n" + strings.Join(lines, "\n")
}
