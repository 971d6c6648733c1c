package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"custodian"
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
	// Lockout and sessions ended by disabling.
	for i := 1; i <= 5; i++ {
		n, until, err := db.LoginFailed(ctx, a.ID, now, 5, time.Minute)
		if err != nil || n != i || (i < 5) != until.IsZero() {
			t.Fatalf("failure %d: %d %v %v", i, n, until, err)
		}
	}
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
