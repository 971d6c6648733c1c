package custodian

import (
	"fmt"
	"time"
)

// Date is a calendar date in Korea Standard Time with no time of day: an announcement or
// effective date of a policy, the start or end of an agreement. The zero Date is "unset".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// KST is Korea Standard Time (UTC+9, no daylight saving). Policy dates are KST dates.
var KST = time.FixedZone("KST", 9*60*60)

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation("2006-01-02", s, KST)
	if err != nil {
		return Date{}, Errorf(EINVALID, "날짜 %q는 YYYY-MM-DD 형식이어야 합니다", "date %q must be YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the KST date of t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(KST).Date()
	return Date{y, m, d}
}

// Today returns the current KST date.
func Today() Date { return DateOf(time.Now()) }

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight KST at the start of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, KST) }

// AddDays returns d plus n days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.Time().After(e.Time()) }

// String returns "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Korean returns the date as a Korean policy writes it: "2022년 5월 9일".
func (d Date) Korean() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d년 %d월 %d일", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler ("2006-01-02").
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; the empty string is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes the date as a plain "2006-01-02" scalar.
func (d Date) MarshalYAML() (any, error) { return d.String(), nil }
