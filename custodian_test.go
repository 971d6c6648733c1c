package custodian_test

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"custodian"
)

// A cause given with %w stays in the chain: errors.Is and errors.As find it, and the
// message reads as with %v.
func TestErrorfWrapsCause(t *testing.T) {
	cause := fmt.Errorf("open x: %w", fs.ErrNotExist)
	err := custodian.Errorf(custodian.EINTERNAL, "열 수 없습니다: %w", "cannot open: %w", cause)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false; the cause is lost")
	}
	if err.Err != cause {
		t.Errorf("Err = %v, want the cause", err.Err)
	}
	if err.En != "cannot open: open x: file does not exist" || err.Ko != "열 수 없습니다: open x: file does not exist" {
		t.Errorf("messages %q / %q", err.Ko, err.En)
	}
	// Without %w nothing is kept.
	if e := custodian.Errorf(custodian.EINVALID, "%v", "%v", cause); e.Err != nil || errors.Is(e, fs.ErrNotExist) {
		t.Errorf("%%v kept the cause")
	}
	// The code of a wrapping *Error is its own, not the cause's.
	inner := custodian.Errorf(custodian.ENOTFOUND, "없음", "none")
	outer := custodian.Errorf(custodian.EUNAVAILABLE, "실패: %w", "failed: %w", inner)
	if c := custodian.ErrorCode(outer); c != custodian.EUNAVAILABLE {
		t.Errorf("code %q", c)
	}
}

// A huge value is never echoed whole: Errorf cuts string arguments and says how long they were.
func TestErrorfClipsHugeValues(t *testing.T) {
	huge := strings.Repeat("가", 10<<20/3)
	err := custodian.Errorf(custodian.EINVALID, "이름 %q이(가) 깁니다", "the name %q is long", huge)
	if len(err.En) > 1200 || len(err.Ko) > 1200 {
		t.Fatalf("message of %d bytes echoes the value", len(err.En))
	}
	want := fmt.Sprintf("…\" (%d bytes)", len(huge))
	if !strings.Contains(err.En, want) {
		t.Errorf("message %q does not say the value's length (%s)", err.En, want)
	}
	// Short values are untouched.
	if e := custodian.Errorf(custodian.EINVALID, "%q", "%q", "abc"); e.En != `"abc"` {
		t.Errorf("short value: %s", e.En)
	}
	if s := fmt.Sprintf("%s", custodian.Clip("abcdef", 3)); s != "abc… (6 bytes)" {
		t.Errorf("Clip %%s: %q", s)
	}
}

// A validation error lists at most MaxProblems problems and counts the rest.
func TestValidationErrorCapsProblems(t *testing.T) {
	var ps []custodian.Problem
	for i := range 1000 {
		ps = append(ps, custodian.Problem{Path: fmt.Sprintf("sites[%d].name", i), Ko: "없음", En: "missing"})
	}
	ve := custodian.NewValidationError(ps)
	if len(ve.Problems) != custodian.MaxProblems+1 || ve.Count() != 1000 {
		t.Fatalf("%d listed, count %d", len(ve.Problems), ve.Count())
	}
	msg := ve.Error()
	if !strings.Contains(msg, "1000 problem(s)") || !strings.Contains(msg, "and 950 more") || strings.Contains(msg, "sites[50]") {
		t.Errorf("message:\n%s", msg)
	}
	if few := custodian.NewValidationError(ps[:3]); len(few.Problems) != 3 || few.Count() != 3 {
		t.Errorf("3 problems: %d listed, count %d", len(few.Problems), few.Count())
	}
}
