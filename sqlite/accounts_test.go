package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"custodian"
	"custodian/auth"
)

func TestAccountsStore(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	a := &custodian.Account{Username: "Kim", Name: "김", PasswordHash: "h", Created: now,
		Grants: []custodian.AccountGrant{{Role: "access_holder", Sites: []string{"hq"}, Until: now.Add(time.Hour), Created: now}}}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, &custodian.Account{Username: "KIM", Name: "x", PasswordHash: "h", Created: now}); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("duplicate username: %v", err)
	}
	if err := db.CreateAccount(ctx, &custodian.Account{Username: "bad", Name: "x", PasswordHash: "h", Created: now, Grants: []custodian.AccountGrant{{Role: "god"}}}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("unknown role: %v", err)
	}
	if _, err := db.AccountByUsername(ctx, "bad"); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("a failed create left an account: %v", err)
	}
	got, err := db.AccountByUsername(ctx, "KIM")
	if err != nil || got.ID != a.ID || len(got.Grants) != 1 || got.Grants[0].Sites[0] != "hq" || !got.Grants[0].Until.Equal(a.Grants[0].Until.UTC()) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	// TOTP steps: twenty concurrent uses of one step, exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := db.UseTOTPStep(ctx, a.ID, 1000); err == nil && ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d uses of one TOTP step won", wins.Load())
	}
	if ok, _ := db.UseTOTPStep(ctx, a.ID, 999); ok {
		t.Fatal("an older step was accepted")
	}
	// Login throttling: failures count per key, the wait is the caller's, a quiet key starts
	// again, a success resets, and clearing takes keys and prefixes.
	wait := func(n int) time.Duration {
		if n < 3 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	for i := 1; i <= 4; i++ {
		th, err := db.LoginFailure(ctx, "p:kim|10.0.0.1", now, time.Hour, wait)
		if err != nil || th.Failures != i || (i < 3) != th.Until.IsZero() || (i >= 3 && !th.Until.Equal(now.Add(time.Duration(i)*time.Second))) {
			t.Fatalf("failure %d: %+v %v", i, th, err)
		}
	}
	if th, err := db.LoginFailure(ctx, "p:kim|10.0.0.1", now.Add(time.Hour), time.Hour, wait); err != nil || th.Failures != 1 || !th.Until.IsZero() {
		t.Fatalf("a failure an hour after the last: %+v %v (want the count to start again)", th, err)
	}
	db.LoginFailure(ctx, "a:kim", now, time.Hour, wait)
	db.LoginFailure(ctx, "p:kimberly|10.0.0.1", now, time.Hour, wait)
	if err := db.LoginSuccess(ctx, []string{"a:kim"}, now); err != nil {
		t.Fatal(err)
	}
	if ths, err := db.LoginThrottles(ctx, []string{"a:kim", "p:kim|10.0.0.1", "nothing"}); err != nil || len(ths) != 2 || ths[0].Failures != 0 || !ths[0].Good.Equal(now) || ths[1].Failures != 1 {
		t.Fatalf("throttles: %+v %v", ths, err)
	}
	if n, err := db.ClearLoginThrottles(ctx, []string{"a:kim"}, []string{"p:kim|"}); err != nil || n != 2 {
		t.Fatalf("clear: %d %v (want 2: p:kimberly|… stays)", n, err)
	}
	if ths, _ := db.LoginThrottles(ctx, []string{"p:kimberly|10.0.0.1"}); len(ths) != 1 {
		t.Fatal("clearing kim's throttles cleared kimberly's")
	}
	// Sessions ended by disabling.
	for _, id := range []string{"s1", "s2"} {
		if err := db.CreateSession(ctx, &custodian.Session{ID: id, Account: a.ID, Created: now, Seen: now, Expires: now.Add(time.Hour), CSRF: "c"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.DisableAccount(ctx, a.ID, now, "퇴직", "test"); err != nil || n != 2 {
		t.Fatalf("disable: %d %v", n, err)
	}
	if _, err := db.DisableAccount(ctx, a.ID, now, "퇴직", "test"); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("disabling twice: %v", err)
	}
	if s, _ := db.Session(ctx, "s1"); s.Ended.IsZero() {
		t.Fatal("a session outlived the disabling")
	}
	b := &custodian.Account{Username: "lee", Name: "이", PasswordHash: "h", Created: now}
	if err := db.CreateAccount(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := db.AssignDeputy(ctx, &custodian.Deputy{Deputy: b.ID, Primary: a.ID, From: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.AssignDeputy(ctx, &custodian.Deputy{Deputy: b.ID, Primary: b.ID, From: now}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("own deputy: %v", err)
	}
	// Append-only: accounts, grants and deputies are not deleted.
	for _, q := range []string{`DELETE FROM accounts`, `DELETE FROM account_grants`, `DELETE FROM deputies`} {
		if _, err := db.db.ExecContext(ctx, q); err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
}

// TestGrantRolesMatchAuth: the database's CHECK on account_grants.role admits exactly the
// roles of auth.Roles (roles are defined once, in auth; this keeps the schema equal).
func TestGrantRolesMatchAuth(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	a := &custodian.Account{Username: "kim", Name: "김", PasswordHash: "h", Created: now}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.Roles {
		if err := db.AddGrant(ctx, &custodian.AccountGrant{Account: a.ID, Role: string(r), All: true, Created: now}); err != nil {
			t.Errorf("role %s: %v", r, err)
		}
	}
	for _, r := range []string{"god", "operator", "protection_officer", ""} {
		if err := db.AddGrant(ctx, &custodian.AccountGrant{Account: a.ID, Role: r, All: true, Created: now}); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("role %q: %v, want EINVALID", r, err)
		}
	}
}
