package accounts_test

import (
	"context"
	"strings"
	"testing"

	"custodian"
	"custodian/accounts"
)

// An account's name takes no direction controls, zero-width or control characters: a name
// shown in the console and the access log must read as what it is.
func TestAccountNameRefusesInvisibleCharacters(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"관리\u202E자", "김\u200B철수", "\uFEFF이영희", "박\u2067민수\u2069", "최\x07", "정\u00AD수"} {
		_, _, err := e.m.Create(context.Background(), accounts.NewAccount{Username: "user", Name: name, Password: password}, "test", "test")
		if custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "name: ") || !strings.Contains(err.Error(), "U+") {
			t.Errorf("name %q: %v", name, err)
		}
	}
	if _, _, err := e.m.Create(context.Background(), accounts.NewAccount{Username: "user", Name: "Zoë 김철수", Password: password}, "test", "test"); err != nil {
		t.Errorf("a plain name: %v", err)
	}
}
