package accounts_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/accounts"
	"custodian/auth"
	"custodian/sqlite"
	"custodian/yaml"
)

const password = "Tree-Lamp-4471"

// env is a Manager over a real SQLite store with example 002's registry and a clock the
// test moves.
type env struct {
	t   *testing.T
	db  *sqlite.DB
	m   *accounts.Manager
	now time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	data, err := os.ReadFile("../examples/002-district-office.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := yaml.Load("002", data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveRegistry(ctx, reg, "002"); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, now: time.Date(2026, 11, 22, 14, 0, 0, 0, custodian.KST)}
	e.m = &accounts.Manager{Store: db, Registry: db, Key: make([]byte, 32), Now: func() time.Time { return e.now }}
	for i := range e.m.Key {
		e.m.Key[i] = byte(i)
	}
	return e
}

func (e *env) create(username string, totp bool, grants ...custodian.AccountGrant) (*custodian.Account, string) {
	e.t.Helper()
	a, secret, err := e.m.Create(context.Background(), accounts.NewAccount{Username: username, Name: "이름 " + username, Password: password, TOTP: totp, Grants: grants}, "test", "test")
	if err != nil {
		e.t.Fatalf("create %s: %v", username, err)
	}
	return a, secret
}

// login is a complete login: the password, and LoggedIn (as the web server does once the
// second factor, if needed, is passed).
func (e *env) login(username, pw, source string) error {
	ctx := context.Background()
	a, err := e.m.CheckPassword(ctx, username, pw, source)
	if err != nil {
		return err
	}
	return e.m.LoggedIn(ctx, a, source)
}

func (e *env) refresh(a *custodian.Account) *custodian.Account {
	e.t.Helper()
	x, err := e.db.Account(context.Background(), a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return x
}

func TestLoginAnswersAlike(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create("kim", false, custodian.AccountGrant{Role: "auditor", All: true})
	gone, _ := e.create("gone", false, custodian.AccountGrant{Role: "auditor", All: true})
	if _, err := e.m.Disable(ctx, gone, "퇴직", "test", "test"); err != nil {
		t.Fatal(err)
	}
	if err := e.login(" KIM ", password, "10.0.0.1"); err != nil {
		t.Fatalf("a right login (username in another case, with spaces): %v", err)
	}
	var answers []string
	for _, try := range [][2]string{{"nobody", password}, {"kim", "Wrong-Pass-2026"}, {"gone", password}, {"", ""}, {strings.Repeat("k", 5000), password}} {
		_, err := e.m.CheckPassword(ctx, try[0], try[1], "10.0.0.9")
		if custodian.ErrorCode(err) != custodian.EUNAUTHORIZED {
			t.Fatalf("%.20q: %v", try[0], err)
		}
		answers = append(answers, err.Error())
	}
	for i, a := range answers {
		if a != answers[0] {
			t.Errorf("answer %d %q differs from %q", i, a, answers[0])
		}
	}
}

// TestThrottling: a stranger cannot keep the owner of an account out; the owner's own
// mistakes wait briefly; counters start again after a success and after a quiet hour;
// unlock clears them.
func TestThrottling(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	chief, _ := e.create("chief", false, custodian.AccountGrant{Role: "auditor", All: true})
	if err := e.login("chief", password, "10.0.0.1"); err != nil { // the chief's own address
		t.Fatal(err)
	}
	// A stranger tries fifty passwords from elsewhere.
	for i := 0; i < 50; i++ {
		e.m.CheckPassword(ctx, "chief", "Guess-Number-"+string(rune('a'+i%26)), "203.0.113.9")
	}
	// Its own attempts now wait (the right password too, with the same answer).
	if _, err := e.m.CheckPassword(ctx, "chief", password, "203.0.113.9"); err == nil {
		t.Fatal("the stranger's address got in with the right password while throttled")
	}
	e.now = e.now.Add(14 * time.Minute)
	if _, err := e.m.CheckPassword(ctx, "chief", password, "203.0.113.9"); err == nil {
		t.Fatal("the stranger's address waited less than its backoff")
	}
	// The chief, at their own address, is not held up at all.
	if err := e.login("chief", password, "10.0.0.1"); err != nil {
		t.Fatalf("the chief at their own address: %v", err)
	}
	// From a new address, the account-wide throttle holds for at most AccountMaxWait.
	for i := 0; i < 20; i++ {
		e.m.CheckPassword(ctx, "chief", "Guess-Again-2026", "203.0.113.9")
	}
	if err := e.login("chief", password, "10.0.0.2"); err == nil {
		t.Fatal("a new address got in while the account-wide throttle held")
	}
	e.now = e.now.Add(accounts.AccountMaxWait)
	if err := e.login("chief", password, "10.0.0.2"); err != nil {
		t.Fatalf("a new address after the account-wide wait: %v", err)
	}

	// The owner's own typing mistakes: a few are free, then a short wait, and a success
	// starts the count again.
	for i := 0; i < accounts.PairFree; i++ {
		e.m.CheckPassword(ctx, "chief", "Typo-Typo-2026", "10.0.0.1")
	}
	if err := e.login("chief", password, "10.0.0.1"); err == nil {
		t.Fatal("no wait after the free failures")
	}
	e.now = e.now.Add(5 * time.Second)
	if err := e.login("chief", password, "10.0.0.1"); err != nil {
		t.Fatalf("after a short wait: %v", err)
	}
	e.m.CheckPassword(ctx, "chief", "Typo-Typo-2026", "10.0.0.1")
	if err := e.login("chief", password, "10.0.0.1"); err != nil {
		t.Fatalf("one failure after a success was throttled: %v", err)
	}

	// A quiet hour: the counter starts again (one failure does not throttle again).
	for i := 0; i < 10; i++ {
		e.m.CheckPassword(ctx, "chief", "Typo-Typo-2026", "10.0.0.3")
	}
	e.now = e.now.Add(accounts.ThrottleReset + accounts.PairMaxWait)
	e.m.CheckPassword(ctx, "chief", "Typo-Typo-2026", "10.0.0.3")
	if err := e.login("chief", password, "10.0.0.3"); err != nil {
		t.Fatalf("one failure after the counter expired throttled again: %v", err)
	}

	// An address trying many accounts waits for all of them (but not an account that has
	// logged in there before).
	for i := 0; i < accounts.SourceFree+2; i++ {
		e.m.CheckPassword(ctx, "user"+string(rune('a'+i)), "Spray-Spray-2026", "198.51.100.7")
	}
	e.create("park", false, custodian.AccountGrant{Role: "auditor", All: true})
	if err := e.login("park", password, "198.51.100.7"); err == nil {
		t.Fatal("a spraying address was not throttled")
	}

	// Unlock clears an account's throttles at every address.
	for i := 0; i < 10; i++ {
		e.m.CheckPassword(ctx, "chief", "Typo-Typo-2026", "10.0.0.4")
	}
	if err := e.login("chief", password, "10.0.0.4"); err == nil {
		t.Fatal("not throttled before unlock")
	}
	if n, err := e.m.Unlock(ctx, chief, "root", "cli"); err != nil || n == 0 {
		t.Fatalf("unlock: %d %v", n, err)
	}
	if err := e.login("chief", password, "10.0.0.4"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}

func TestTOTPSealingAndCodes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, secret := e.create("kim", true, custodian.AccountGrant{Role: "chief", All: true})
	b, _ := e.create("lee", true, custodian.AccountGrant{Role: "chief", All: true})
	a, b = e.refresh(a), e.refresh(b)
	if strings.Contains(string(a.TOTPSecret), secret) {
		t.Fatal("the TOTP secret is stored in the clear")
	}
	if got, err := e.m.Open(a); err != nil || got != secret {
		t.Fatalf("open: %q %v", got, err)
	}
	// Sealed for its account: another account's sealed secret does not open as this one's.
	swapped := *b
	swapped.TOTPSecret = a.TOTPSecret
	if _, err := e.m.Open(&swapped); err == nil {
		t.Error("a secret sealed for kim opened as lee's")
	}
	tampered := *a
	tampered.TOTPSecret = append([]byte(nil), a.TOTPSecret...)
	tampered.TOTPSecret[len(tampered.TOTPSecret)-1] ^= 1
	if _, err := e.m.Open(&tampered); err == nil {
		t.Error("a tampered sealed secret opened")
	}
	other := *e.m
	other.Key = make([]byte, 32)
	if _, err := other.Open(a); err == nil {
		t.Error("a sealed secret opened under another key")
	}
	// A code is accepted once.
	code, _ := auth.TOTPCode(secret, e.now)
	if err := e.m.CheckTOTP(ctx, a, code, "10.0.0.1"); err != nil {
		t.Fatalf("the current code: %v", err)
	}
	if err := e.m.CheckTOTP(ctx, e.refresh(a), code, "10.0.0.1"); err == nil {
		t.Fatal("a code was accepted twice")
	}
	// Wrong codes count like wrong passwords: the right one then waits.
	for i := 0; i < 6; i++ {
		e.m.CheckTOTP(ctx, e.refresh(a), "000000", "10.0.0.1")
	}
	code, _ = auth.TOTPCode(secret, e.now.Add(30*time.Second)) // the next step's: not yet used, within the window
	if err := e.m.CheckTOTP(ctx, e.refresh(a), code, "10.0.0.1"); err == nil {
		t.Fatal("a right code was accepted while throttled")
	}
	// Resetting the OTP removes it and ends the sessions.
	if err := e.db.CreateSession(ctx, &custodian.Session{ID: "s1", Account: a.ID, Created: e.now, Seen: e.now, Expires: e.now.Add(time.Hour), CSRF: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := e.m.ResetTOTP(ctx, a, "root", "cli"); err != nil {
		t.Fatal(err)
	}
	if x := e.refresh(a); x.TOTPSecret != nil || x.Enrolled {
		t.Error("the OTP is still there after a reset")
	}
	if s, _ := e.db.Session(ctx, "s1"); s.Ended.IsZero() {
		t.Error("a session outlived the OTP reset")
	}
	// Enrolment needs the right code for the new secret.
	ns, _ := auth.NewTOTPSecret()
	if err := e.m.EnrollTOTP(ctx, a, ns, "000000", "10.0.0.1"); err == nil {
		t.Fatal("enrolled with a wrong code")
	}
	c, _ := auth.TOTPCode(ns, e.now)
	if err := e.m.EnrollTOTP(ctx, a, ns, c, "10.0.0.1"); err != nil {
		t.Fatalf("enrol: %v", err)
	}
	if got, _ := e.m.Open(e.refresh(a)); got != ns {
		t.Error("the enrolled secret is not the one stored")
	}
}

func TestGrantsAreChecked(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, _ := e.create("kim", false)
	for name, g := range map[string]custodian.AccountGrant{
		"unknown role":             {Role: "god", All: true},
		"all and sites":            {Role: "chief", All: true, Sites: []string{"office"}},
		"no scope":                 {Role: "chief"},
		"unknown site":             {Role: "chief", Sites: []string{"nowhere"}},
		"unknown camera":           {Role: "access_holder", Cameras: []string{"no-such-camera"}},
		"ended":                    {Role: "chief", All: true, Until: e.now.Add(-time.Hour)},
		"agency, no agreement":     {Role: "agency", Cameras: []string{"crime-prevention"}},
		"agency, unknown":          {Role: "agency", Agreement: "nobody"},
		"agency, all":              {Role: "agency", Agreement: "police", All: true},
		"agency, camera not in it": {Role: "agency", Agreement: "police", Cameras: []string{"office-entrances"}},
	} {
		if _, err := e.m.Grant(ctx, a, g, "root", "cli"); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	if x := e.refresh(a); len(x.Grants) != 0 {
		t.Fatalf("refused grants were stored: %+v", x.Grants)
	}
	// An agency grant takes its cameras and end from the agreement.
	g, err := e.m.Grant(ctx, a, custodian.AccountGrant{Role: "agency", Agreement: "police"}, "root", "cli")
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Cameras) != 3 || g.Until.IsZero() {
		t.Errorf("agency grant: cameras %v until %v (want the agreement's three groups and its end)", g.Cameras, g.Until)
	}
	h, err := e.m.Grant(ctx, a, custodian.AccountGrant{Role: "access_holder", Sites: []string{"office"}}, "root", "cli")
	if err != nil {
		t.Fatal(err)
	}
	gs, _ := e.m.EffectiveGrants(ctx, e.refresh(a), e.now)
	if len(gs) != 2 {
		t.Fatalf("effective grants: %+v", gs)
	}
	if err := e.m.Revoke(ctx, e.refresh(a), h.ID, "root", "cli"); err != nil {
		t.Fatal(err)
	}
	if err := e.m.Revoke(ctx, e.refresh(a), 99999, "root", "cli"); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Errorf("revoking a grant the account lacks: %v", err)
	}
	gs, _ = e.m.EffectiveGrants(ctx, e.refresh(a), e.now)
	if len(gs) != 1 || gs[0].Role != auth.RoleAgency {
		t.Errorf("after revoking: %+v", gs)
	}
	// After the agreement's end the agency grant no longer allows anything.
	if auth.CanSome(gs, auth.FootageLive, gs[0].Until) {
		t.Error("an agency grant outlived its agreement")
	}
}

// TestDeputiesAndSecondFactor: a deputy acts with its primary's grants while the
// assignment runs and the primary is active; an auditor made the deputy of a chief needs
// a second factor from then on.
func TestDeputiesAndSecondFactor(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	chief, _ := e.create("chief", true, custodian.AccountGrant{Role: "chief", All: true})
	aud, _ := e.create("aud", false, custodian.AccountGrant{Role: "auditor", All: true})
	gs, _ := e.m.EffectiveGrants(ctx, aud, e.now)
	if accounts.NeedsSecondFactor(aud, gs) {
		t.Fatal("an auditor without footage needs a second factor")
	}
	if _, err := e.m.AssignDeputy(ctx, aud, aud, time.Time{}, "x", "root", "cli"); err == nil {
		t.Error("an account became its own deputy")
	}
	if _, err := e.m.AssignDeputy(ctx, aud, chief, e.now.Add(-time.Hour), "x", "root", "cli"); err == nil {
		t.Error("a deputy assignment that has ended was made")
	}
	d, err := e.m.AssignDeputy(ctx, aud, chief, e.now.Add(48*time.Hour), "출장", "root", "cli")
	if err != nil {
		t.Fatal(err)
	}
	gs, _ = e.m.EffectiveGrants(ctx, aud, e.now)
	if !auth.Can(gs, auth.FootagePlayback, auth.Target{Camera: "lobby-1", Sites: []string{"office"}}, e.now) {
		t.Fatal("the deputy cannot act with the chief's grants")
	}
	if !accounts.NeedsSecondFactor(aud, gs) {
		t.Fatal("a deputy whose grants now reach footage does not need a second factor")
	}
	// After the assignment's end, or when the primary is disabled, nothing is inherited.
	if gs, _ := e.m.EffectiveGrants(ctx, aud, e.now.Add(49*time.Hour)); auth.CanSome(gs, auth.FootagePlayback, e.now.Add(49*time.Hour)) {
		t.Error("the deputy kept the chief's grants after the assignment's end")
	}
	if _, err := e.m.Disable(ctx, chief, "전보", "root", "cli"); err != nil {
		t.Fatal(err)
	}
	if gs, _ := e.m.EffectiveGrants(ctx, aud, e.now); auth.CanSome(gs, auth.FootagePlayback, e.now) {
		t.Error("the deputy kept the grants of a disabled primary")
	}
	if err := e.m.Enable(ctx, chief, "root", "cli"); err != nil {
		t.Fatal(err)
	}
	if err := e.m.EndDeputy(ctx, d.ID, "root", "cli"); err != nil {
		t.Fatal(err)
	}
	if gs, _ := e.m.EffectiveGrants(ctx, aud, e.now); auth.CanSome(gs, auth.FootagePlayback, e.now) {
		t.Error("the deputy kept the grants after the assignment was ended")
	}
}

func TestDisabling(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	reg, _, err := e.db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	person := reg.People[0].ID
	a, _, err := e.m.Create(ctx, accounts.NewAccount{Username: "hong", Name: "홍길동", Person: person, Password: password,
		Grants: []custodian.AccountGrant{{Role: "auditor", All: true}}}, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"s1", "s2"} {
		if err := e.db.CreateSession(ctx, &custodian.Session{ID: id, Account: a.ID, Created: e.now, Seen: e.now, Expires: e.now.Add(time.Hour), CSRF: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.m.Disable(ctx, a, "  ", "root", "cli"); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("disable without a reason: %v", err)
	}
	// The person leaves the registry: their accounts are disabled and sessions end.
	reg.People = reg.People[1:]
	na, ns, err := e.m.SyncPeople(ctx, reg, "root", "cli")
	if err != nil || na != 1 || ns != 2 {
		t.Fatalf("sync people: %d accounts, %d sessions, %v", na, ns, err)
	}
	x := e.refresh(a)
	if x.Active() || !strings.Contains(x.DisabledReason, person) {
		t.Errorf("after sync: active=%v reason %q", x.Active(), x.DisabledReason)
	}
	if gs, _ := e.m.EffectiveGrants(ctx, x, e.now); len(gs) != 0 {
		t.Error("a disabled account has grants")
	}
	if err := e.login("hong", password, "10.0.0.1"); err == nil {
		t.Error("a disabled account logged in")
	}
	// Account creation refuses bad input and changes nothing.
	for name, n := range map[string]accounts.NewAccount{
		"bad username":   {Username: "Bad Name", Name: "x", Password: password},
		"no name":        {Username: "okname", Name: " ", Password: password},
		"weak password":  {Username: "okname", Name: "x", Password: "short"},
		"common":         {Username: "okname", Name: "x", Password: "Password123!"},
		"unknown person": {Username: "okname", Name: "x", Password: password, Person: "nobody"},
	} {
		if _, _, err := e.m.Create(ctx, n, "test", "test"); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	if _, err := e.db.AccountByUsername(ctx, "okname"); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Errorf("bad input created an account: %v", err)
	}
}
