package auth_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"custodian/auth"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("Correct-horse-7")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %s", h)
	}
	if h2, _ := auth.HashPassword("Correct-horse-7"); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	if ok, rehash, err := auth.VerifyPassword(h, "Correct-horse-7"); !ok || rehash || err != nil {
		t.Errorf("right password: %v %v %v", ok, rehash, err)
	}
	if ok, _, err := auth.VerifyPassword(h, "Correct-horse-8"); ok || err != nil {
		t.Errorf("wrong password: %v %v", ok, err)
	}
	// Older parameters still verify, and ask for a rehash.
	old := "$argon2id$v=19$m=8192,t=1,p=1$" + strings.Split(h, "$")[4] + "$" + strings.Split(h, "$")[5]
	if ok, _, err := auth.VerifyPassword(old, "Correct-horse-7"); ok || err != nil {
		t.Errorf("a hash with other parameters matched the wrong derivation: %v %v", ok, err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=8,t=1,p=1$!!$!!",
		"$argon2id$v=19$x=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if ok, _, err := auth.VerifyPassword(bad, "x"); ok || err == nil {
			t.Errorf("%q: %v %v, want an error", bad, ok, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"abcdefghij":              false, // one kind
		"abcdefgh12":              true,  // two kinds, 10
		"abcdef12":                false, // two kinds, 8
		"abc12!xy":                true,  // three kinds, 8
		"kimyesi2026!":            false, // contains the user name
		strings.Repeat("a1", 100): false, // too long
		"비밀번호는안전하게2026":           true,
		// The most common passwords, which the length and kinds would let through.
		"Password123!":   false,
		"qwer1234!!":     false,
		"1q2w3e4r5t":     false,
		"P@ssw0rd2026":   false,
		"Saranghae1234":  false,
		"Admin@1234":     false,
		"zaq12wsx!@":     false,
		"Tree-Lamp-4471": true,
	} {
		err := auth.CheckPassword(pw, "kimyesi")
		if (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", pw, err, ok)
		}
	}
}

// TestTOTP checks RFC 6238's test vectors (SHA-1, the last six digits of its eight) and
// the acceptance window and replay rule.
// TestCommonPasswordList: the list is large enough to matter and every entry is one the
// rest of the rule would let through (so each is there for a reason).
func TestCommonPasswordList(t *testing.T) {
	for _, pw := range []string{"password1234", "qwerty12345", "iloveyou2026!"} {
		if !auth.IsCommonPassword(pw) || !auth.IsCommonPassword(strings.ToUpper(pw)) {
			t.Errorf("%q is not on the list", pw)
		}
	}
	if auth.IsCommonPassword("Tree-Lamp-4471") {
		t.Error("an uncommon password is on the list")
	}
	if n := auth.CommonPasswords(); n < 3000 {
		t.Errorf("%d common passwords listed, want a few thousand at least", n)
	}
}

func TestTOTP(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	for unix, want := range map[int64]string{59: "287082", 1111111109: "081804", 1111111111: "050471", 1234567890: "005924", 2000000000: "279037"} {
		got, err := auth.TOTPCode(secret, time.Unix(unix, 0))
		if err != nil || got != want {
			t.Errorf("T=%d: %s %v, want %s", unix, got, err, want)
		}
	}
	now := time.Unix(1234567890, 0)
	code, _ := auth.TOTPCode(secret, now)
	step, ok := auth.VerifyTOTP(secret, code, now.Add(25*time.Second), 0)
	if !ok || step != auth.TOTPStepAt(now) {
		t.Fatalf("the code one step late: %v %d", ok, step)
	}
	if _, ok := auth.VerifyTOTP(secret, code, now, step); ok {
		t.Error("a code was accepted twice")
	}
	if _, ok := auth.VerifyTOTP(secret, code, now.Add(2*time.Minute), 0); ok {
		t.Error("a code was accepted four steps late")
	}
	if _, ok := auth.VerifyTOTP("not base32!", code, now, 0); ok {
		t.Error("a malformed secret verified")
	}
	s, err := auth.NewTOTPSecret()
	if err != nil || len(s) != 32 {
		t.Fatalf("secret %q %v", s, err)
	}
	if u := auth.TOTPURI("Custodian 예시의원", "kim@clinic", s); !strings.HasPrefix(u, "otpauth://totp/Custodian%20") || !strings.Contains(u, "secret="+s) {
		t.Errorf("uri %s", u)
	}
}

func TestCan(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	lobby := auth.Target{Camera: "lobby-1", Sites: []string{"branch-3", "hq"}}
	other := auth.Target{Camera: "gate", Sites: []string{"branch-9", "hq"}}
	org := auth.Target{}
	holder := []auth.Grant{{Role: auth.RoleAccessHolder, Sites: []string{"branch-3"}}}
	if !auth.Can(holder, auth.FootagePlayback, lobby, now) || auth.Can(holder, auth.FootagePlayback, other, now) {
		t.Error("an access holder's scope is its sites and the sites below")
	}
	if auth.Can(holder, auth.FootageExport, lobby, now) || auth.Can(holder, auth.PolicyPublish, org, now) {
		t.Error("an access holder exported or published")
	}
	agency := []auth.Grant{{Role: auth.RoleAgency, Cameras: []string{"gate"}, Until: now.Add(time.Hour)}}
	if !auth.Can(agency, auth.FootageLive, other, now) || auth.Can(agency, auth.FootagePlayback, other, now) || auth.Can(agency, auth.FootageLive, lobby, now) {
		t.Error("an agency sees live only the cameras its agreement names")
	}
	if auth.Can(agency, auth.FootageLive, other, now.Add(time.Hour)) {
		t.Error("an agency's grant outlived its agreement")
	}
	admin := []auth.Grant{{Role: auth.RoleAdmin, All: true}}
	for _, a := range auth.FootageActions {
		if auth.Can(admin, a, lobby, now) {
			t.Errorf("an administrator can %s", a)
		}
	}
	if !auth.Can(admin, auth.UsersManage, org, now) || auth.Can(holder, auth.UsersManage, org, now) {
		t.Error("accounts are the administrator's")
	}
	auditor := []auth.Grant{{Role: auth.RoleAuditor, All: true}}
	if !auth.Can(auditor, auth.AccessLogReview, org, now) || auth.Can(auditor, auth.FootagePlayback, lobby, now) {
		t.Error("an auditor reads the log and sees no footage")
	}
	if auth.Can(nil, auth.RegistryRead, org, now) {
		t.Error("no grants, no rights (a disabled account)")
	}
	for _, r := range auth.Roles {
		want := r != auth.RoleAuditor && r != auth.RoleAdmin
		if auth.NeedsSecondFactor(r) != want {
			t.Errorf("%s: second factor %v", r, !want)
		}
	}
}

// TestPermissionDoc keeps docs/PERMISSIONS.md and the table in code the same.
func TestPermissionDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/PERMISSIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), auth.PermissionTable()) {
		t.Fatalf("docs/PERMISSIONS.md does not hold the table in auth/permissions.go; it should contain:\n%s", auth.PermissionTable())
	}
}
