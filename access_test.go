package custodian_test

import (
	"strings"
	"testing"

	"custodian"
)

func TestStatedPurpose(t *testing.T) {
	ps := []custodian.Purpose{{ID: "crime", Name: "범죄 예방 및 수사"}, {ID: "facility", Name: "시설안전 및 화재예방"}}
	for _, c := range []struct{ id, text, want string }{
		{"crime", "", "범죄 예방 및 수사"},
		{" facility ", " 누수 확인 ", "시설안전 및 화재예방 — 누수 확인"},
		{"other", "분실물 확인 요청", "기타: 분실물 확인 요청"},
	} {
		got, err := custodian.StatedPurpose(ps, c.id, c.text)
		if err != nil || got != c.want {
			t.Errorf("StatedPurpose(%q, %q) = %q, %v; want %q", c.id, c.text, got, err, c.want)
		}
	}
	for _, c := range []struct{ id, text, msg string }{
		{"", "", "choose the purpose"},
		{"other", "확인", "at least 4 characters"},
		{"curiosity", "", "not in the registry (one of crime, facility, other)"},
		{"crime", strings.Repeat("가", 201), "at most 200 characters"},
		{"crime", "a\nb", "control characters"},
		{"crime", "a\u202eb", "control characters"},
	} {
		_, err := custodian.StatedPurpose(ps, c.id, c.text)
		if custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("StatedPurpose(%q, %q): %v; want %q", c.id, c.text, err, c.msg)
		}
	}
}
