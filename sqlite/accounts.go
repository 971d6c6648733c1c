package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"custodian"
)

var (
	_ custodian.AccountService = (*DB)(nil)
)

const accountCols = `id, username, name, person, email, password_hash, password_set_ns, totp_secret, totp_step, created_ns, created_by,
	disabled_ns, disabled_reason, disabled_by, last_login_ns, lang`

type scanner interface{ Scan(...any) error }

func scanAccount(r scanner) (*custodian.Account, error) {
	var a custodian.Account
	var pwSet, created, disabled, last int64
	if err := r.Scan(&a.ID, &a.Username, &a.Name, &a.Person, &a.Email, &a.PasswordHash, &pwSet, &a.TOTPSecret, &a.TOTPStep, &created, &a.CreatedBy,
		&disabled, &a.DisabledReason, &a.DisabledBy, &last, &a.Lang); err != nil {
		return nil, err
	}
	a.PasswordSet, a.Created, a.Disabled, a.LastLogin = fromNS(pwSet), fromNS(created), fromNS(disabled), fromNS(last)
	if len(a.TOTPSecret) == 0 {
		a.TOTPSecret = nil
	}
	a.Enrolled = a.TOTPSecret != nil
	return &a, nil
}

func jsonList(xs []string) string {
	if xs == nil {
		xs = []string{}
	}
	b, _ := json.Marshal(xs)
	return string(b)
}

func insertGrant(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, g *custodian.AccountGrant) error {
	res, err := q.ExecContext(ctx, `INSERT INTO account_grants (account, role, all_scope, sites, cameras, until_ns, agreement, created_ns, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, g.Account, g.Role, b2i(g.All), jsonList(g.Sites), jsonList(g.Cameras), ns(g.Until), g.Agreement, ns(g.Created), g.By)
	if err != nil {
		if strings.Contains(err.Error(), "CHECK constraint") {
			return custodian.Errorf(custodian.EINVALID, "역할 %q는 없습니다", "there is no role %q", g.Role)
		}
		return err
	}
	g.ID, err = res.LastInsertId()
	return err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateAccount stores a new account with its grants.
func (db *DB) CreateAccount(ctx context.Context, a *custodian.Account) error {
	if a.Lang == "" {
		a.Lang = "ko"
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts (username, name, person, email, password_hash, password_set_ns, totp_secret, created_ns, created_by, lang)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, strings.ToLower(a.Username), a.Name, a.Person, a.Email, a.PasswordHash, ns(a.PasswordSet), a.TOTPSecret, ns(a.Created), a.CreatedBy, a.Lang)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return custodian.Errorf(custodian.ECONFLICT, "사용자 이름 %q는 이미 있습니다", "the username %q is taken", a.Username)
			}
			return err
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		for i := range a.Grants {
			a.Grants[i].Account = a.ID
			if err := insertGrant(ctx, tx, &a.Grants[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) grantsOf(ctx context.Context, ids []int64) (map[int64][]custodian.AccountGrant, error) {
	out := map[int64][]custodian.AccountGrant{}
	if len(ids) == 0 {
		return out, nil
	}
	q := `SELECT id, account, role, all_scope, sites, cameras, until_ns, agreement, created_ns, created_by, revoked_ns, revoked_by FROM account_grants`
	var args []any
	if len(ids) == 1 {
		q += ` WHERE account = ?`
		args = append(args, ids[0])
	}
	rows, err := db.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var g custodian.AccountGrant
		var all int
		var sites, cams string
		var until, created, revoked int64
		if err := rows.Scan(&g.ID, &g.Account, &g.Role, &all, &sites, &cams, &until, &g.Agreement, &created, &g.By, &revoked, &g.RevokedBy); err != nil {
			return nil, err
		}
		g.All, g.Until, g.Created, g.Revoked = all == 1, fromNS(until), fromNS(created), fromNS(revoked)
		if err := json.Unmarshal([]byte(sites), &g.Sites); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(cams), &g.Cameras); err != nil {
			return nil, err
		}
		if len(g.Sites) == 0 {
			g.Sites = nil
		}
		if len(g.Cameras) == 0 {
			g.Cameras = nil
		}
		out[g.Account] = append(out[g.Account], g)
	}
	return out, rows.Err()
}

func (db *DB) accounts(ctx context.Context, where string, args ...any) ([]custodian.Account, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+accountCols+` FROM accounts `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []custodian.Account
	var ids []int64
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, *a)
		ids = append(ids, a.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	gs, err := db.grantsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Grants = gs[out[i].ID]
	}
	return out, nil
}

func (db *DB) oneAccount(ctx context.Context, what string, where string, args ...any) (*custodian.Account, error) {
	as, err := db.accounts(ctx, where, args...)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, notFound("계정 %s가 없습니다", "there is no account %s", what)
	}
	return &as[0], nil
}

// Account returns an account with its grants.
func (db *DB) Account(ctx context.Context, id int64) (*custodian.Account, error) {
	return db.oneAccount(ctx, "#"+itoa(id), `WHERE id = ?`, id)
}

// AccountByUsername returns an account by its username (case-insensitive).
func (db *DB) AccountByUsername(ctx context.Context, username string) (*custodian.Account, error) {
	return db.oneAccount(ctx, username, `WHERE username = ?`, strings.ToLower(username))
}

// Accounts lists every account, by username.
func (db *DB) Accounts(ctx context.Context) ([]custodian.Account, error) {
	return db.accounts(ctx, `ORDER BY username`)
}

// AccountsOfPerson lists the accounts linked to a registry person.
func (db *DB) AccountsOfPerson(ctx context.Context, person string) ([]custodian.Account, error) {
	return db.accounts(ctx, `WHERE person = ? AND person <> '' ORDER BY username`, person)
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// exec runs an update of one account row; ENOTFOUND when no row matched.
func (db *DB) execAccount(ctx context.Context, id int64, q string, args ...any) error {
	res, err := db.db.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("계정 %s가 없습니다", "there is no account %s", "#"+itoa(id))
	}
	return nil
}

// SetPassword replaces an account's password hash.
func (db *DB) SetPassword(ctx context.Context, id int64, hash string, at time.Time) error {
	return db.execAccount(ctx, id, `UPDATE accounts SET password_hash = ?, password_set_ns = ? WHERE id = ?`, hash, ns(at), id)
}

// SetTOTP stores a sealed TOTP secret (nil removes it) and resets the last step.
func (db *DB) SetTOTP(ctx context.Context, id int64, sealed []byte) error {
	var v any
	if sealed != nil {
		v = sealed
	}
	return db.execAccount(ctx, id, `UPDATE accounts SET totp_secret = ?, totp_step = 0 WHERE id = ?`, v, id)
}

// UseTOTPStep records an accepted code's step if it is after the last one (atomic).
func (db *DB) UseTOTPStep(ctx context.Context, id int64, step int64) (bool, error) {
	res, err := db.db.ExecContext(ctx, `UPDATE accounts SET totp_step = ? WHERE id = ? AND totp_step < ?`, step, id, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// LoginSucceeded records the login.
func (db *DB) LoginSucceeded(ctx context.Context, id int64, at time.Time) error {
	return db.execAccount(ctx, id, `UPDATE accounts SET last_login_ns = ? WHERE id = ?`, ns(at), id)
}

const throttleCols = `key, failures, last_ns, until_ns, good_ns`

func scanThrottle(r scanner) (custodian.LoginThrottle, error) {
	var t custodian.LoginThrottle
	var last, until, good int64
	err := r.Scan(&t.Key, &t.Failures, &last, &until, &good)
	t.Last, t.Until, t.Good = fromNS(last), fromNS(until), fromNS(good)
	return t, err
}

// LoginThrottles returns the throttle rows of keys that exist.
func (db *DB) LoginThrottles(ctx context.Context, keys []string) ([]custodian.LoginThrottle, error) {
	var out []custodian.LoginThrottle
	for _, k := range keys {
		t, err := scanThrottle(db.db.QueryRowContext(ctx, `SELECT `+throttleCols+` FROM login_throttle WHERE key = ?`, k))
		if isNoRows(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// LoginFailure counts a failed login under key (see custodian.AccountService).
func (db *DB) LoginFailure(ctx context.Context, key string, at time.Time, resetAfter time.Duration, wait func(int) time.Duration) (custodian.LoginThrottle, error) {
	var t custodian.LoginThrottle
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanThrottle(tx.QueryRowContext(ctx, `SELECT `+throttleCols+` FROM login_throttle WHERE key = ?`, key))
		if isNoRows(err) {
			t, err = custodian.LoginThrottle{Key: key}, nil
		}
		if err != nil {
			return err
		}
		if !t.Last.IsZero() && at.Sub(t.Last) >= resetAfter {
			t.Failures = 0
		}
		t.Failures++
		t.Last = at
		t.Until = time.Time{}
		if w := wait(t.Failures); w > 0 {
			t.Until = at.Add(w)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO login_throttle (key, failures, last_ns, until_ns, good_ns) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_ns = excluded.last_ns, until_ns = excluded.until_ns`,
			key, t.Failures, ns(t.Last), ns(t.Until), ns(t.Good))
		return err
	})
	return t, err
}

// LoginSuccess resets keys' failures and marks them good at at.
func (db *DB) LoginSuccess(ctx context.Context, keys []string, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttle (key, failures, last_ns, until_ns, good_ns) VALUES (?, 0, 0, 0, ?)
				ON CONFLICT (key) DO UPDATE SET failures = 0, last_ns = 0, until_ns = 0, good_ns = excluded.good_ns`, k, ns(at)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClearLoginThrottles deletes the rows whose key is one of keys or starts with one of
// prefixes.
func (db *DB) ClearLoginThrottles(ctx context.Context, keys, prefixes []string) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			res, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = ?`, k)
			if err != nil {
				return err
			}
			m, _ := res.RowsAffected()
			n += m
		}
		for _, p := range prefixes {
			// substr, not LIKE: a prefix may hold '%' or '_'.
			res, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE substr(key, 1, ?) = ?`, len(p), p)
			if err != nil {
				return err
			}
			m, _ := res.RowsAffected()
			n += m
		}
		return nil
	})
	return int(n), err
}

// DisableAccount disables an account and ends its sessions in one transaction.
func (db *DB) DisableAccount(ctx context.Context, id int64, at time.Time, reason, by string) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var disabled int64
		if err := tx.QueryRowContext(ctx, `SELECT disabled_ns FROM accounts WHERE id = ?`, id).Scan(&disabled); err != nil {
			if isNoRows(err) {
				return notFound("계정 %s가 없습니다", "there is no account %s", "#"+itoa(id))
			}
			return err
		}
		if disabled != 0 {
			return custodian.Errorf(custodian.ECONFLICT, "계정이 이미 비활성화되어 있습니다", "the account is already disabled")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET disabled_ns = ?, disabled_reason = ?, disabled_by = ? WHERE id = ?`, ns(at), reason, by, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_ns = ?, end_reason = 'account disabled' WHERE account = ? AND ended_ns = 0`, ns(at), id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// EnableAccount re-enables a disabled account.
func (db *DB) EnableAccount(ctx context.Context, id int64, by string) error {
	res, err := db.db.ExecContext(ctx, `UPDATE accounts SET disabled_ns = 0, disabled_reason = '', disabled_by = ''
		WHERE id = ? AND disabled_ns <> 0`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := db.Account(ctx, id); err != nil {
			return err
		}
		return custodian.Errorf(custodian.ECONFLICT, "계정이 비활성화되어 있지 않습니다", "the account is not disabled")
	}
	return nil
}

// SetLang stores an account's console language.
func (db *DB) SetLang(ctx context.Context, id int64, lang string) error {
	if lang != "ko" && lang != "en" {
		return custodian.Errorf(custodian.EINVALID, "언어는 ko 또는 en입니다", "the language is ko or en")
	}
	return db.execAccount(ctx, id, `UPDATE accounts SET lang = ? WHERE id = ?`, lang, id)
}

// AddGrant adds a grant to an account.
func (db *DB) AddGrant(ctx context.Context, g *custodian.AccountGrant) error {
	if _, err := db.Account(ctx, g.Account); err != nil {
		return err
	}
	return insertGrant(ctx, db.db, g)
}

// RevokeGrant ends a grant.
func (db *DB) RevokeGrant(ctx context.Context, id int64, at time.Time, by string) error {
	var revoked int64
	if err := db.db.QueryRowContext(ctx, `SELECT revoked_ns FROM account_grants WHERE id = ?`, id).Scan(&revoked); err != nil {
		if isNoRows(err) {
			return notFound("권한 %s가 없습니다", "there is no grant %s", "#"+itoa(id))
		}
		return err
	}
	if revoked != 0 {
		return custodian.Errorf(custodian.ECONFLICT, "권한 #%d은 이미 회수되었습니다", "grant #%d is already revoked", id)
	}
	_, err := db.db.ExecContext(ctx, `UPDATE account_grants SET revoked_ns = ?, revoked_by = ? WHERE id = ? AND revoked_ns = 0`, ns(at), by, id)
	return err
}

// AssignDeputy stores a deputy assignment.
func (db *DB) AssignDeputy(ctx context.Context, d *custodian.Deputy) error {
	if d.Deputy == d.Primary {
		return custodian.Errorf(custodian.EINVALID, "자기 자신의 대리인이 될 수 없습니다", "an account cannot be its own deputy")
	}
	for _, id := range []int64{d.Deputy, d.Primary} {
		if _, err := db.Account(ctx, id); err != nil {
			return err
		}
	}
	res, err := db.db.ExecContext(ctx, `INSERT INTO deputies (deputy, primary_, from_ns, until_ns, reason, by) VALUES (?, ?, ?, ?, ?, ?)`,
		d.Deputy, d.Primary, ns(d.From), ns(d.Until), d.Reason, d.By)
	if err != nil {
		return err
	}
	d.ID, err = res.LastInsertId()
	return err
}

// EndDeputy ends an assignment.
func (db *DB) EndDeputy(ctx context.Context, id int64, at time.Time, by string) error {
	var ended int64
	if err := db.db.QueryRowContext(ctx, `SELECT ended_ns FROM deputies WHERE id = ?`, id).Scan(&ended); err != nil {
		if isNoRows(err) {
			return notFound("대리 지정 %s가 없습니다", "there is no deputy assignment %s", "#"+itoa(id))
		}
		return err
	}
	if ended != 0 {
		return custodian.Errorf(custodian.ECONFLICT, "대리 지정 #%d은 이미 끝났습니다", "deputy assignment #%d has already ended", id)
	}
	_, err := db.db.ExecContext(ctx, `UPDATE deputies SET ended_ns = ?, ended_by = ? WHERE id = ?`, ns(at), by, id)
	return err
}

func (db *DB) deputies(ctx context.Context, where string, args ...any) ([]custodian.Deputy, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, deputy, primary_, from_ns, until_ns, reason, by, ended_ns, ended_by FROM deputies `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.Deputy
	for rows.Next() {
		var d custodian.Deputy
		var from, until, ended int64
		if err := rows.Scan(&d.ID, &d.Deputy, &d.Primary, &from, &until, &d.Reason, &d.By, &ended, &d.EndedBy); err != nil {
			return nil, err
		}
		d.From, d.Until, d.Ended = fromNS(from), fromNS(until), fromNS(ended)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Deputies lists the assignments where the account is the deputy.
func (db *DB) Deputies(ctx context.Context, deputy int64, all bool) ([]custodian.Deputy, error) {
	if all {
		return db.deputies(ctx, `WHERE deputy = ? ORDER BY id`, deputy)
	}
	return db.deputies(ctx, `WHERE deputy = ? AND ended_ns = 0 ORDER BY id`, deputy)
}

// AllDeputies lists every assignment, newest first.
func (db *DB) AllDeputies(ctx context.Context) ([]custodian.Deputy, error) {
	return db.deputies(ctx, `ORDER BY id DESC`)
}

const sessionCols = `id, account, created_ns, seen_ns, expires_ns, second_factor, csrf, address, user_agent, ended_ns, end_reason`

func scanSession(r scanner) (*custodian.Session, error) {
	var s custodian.Session
	var created, seen, expires, ended int64
	var sf int
	if err := r.Scan(&s.ID, &s.Account, &created, &seen, &expires, &sf, &s.CSRF, &s.Address, &s.UserAgent, &ended, &s.EndReason); err != nil {
		return nil, err
	}
	s.Created, s.Seen, s.Expires, s.Ended, s.SecondFactor = fromNS(created), fromNS(seen), fromNS(expires), fromNS(ended), sf == 1
	return &s, nil
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s *custodian.Session) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO sessions (id, account, created_ns, seen_ns, expires_ns, second_factor, csrf, address, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.Account, ns(s.Created), ns(s.Seen), ns(s.Expires), b2i(s.SecondFactor), s.CSRF, s.Address, s.UserAgent)
	return err
}

// Session returns a session by ID, ended or not.
func (db *DB) Session(ctx context.Context, id string) (*custodian.Session, error) {
	s, err := scanSession(db.db.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("세션이 없습니다", "there is no such session")
	}
	return s, err
}

func (db *DB) execSession(ctx context.Context, q string, args ...any) error {
	res, err := db.db.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("세션이 없거나 이미 끝났습니다", "there is no such open session")
	}
	return nil
}

// TouchSession records use of a session.
func (db *DB) TouchSession(ctx context.Context, id string, seen, expires time.Time) error {
	return db.execSession(ctx, `UPDATE sessions SET seen_ns = ?, expires_ns = ? WHERE id = ? AND ended_ns = 0`, ns(seen), ns(expires), id)
}

// PassSecondFactor marks a session as past its second factor.
func (db *DB) PassSecondFactor(ctx context.Context, id string) error {
	return db.execSession(ctx, `UPDATE sessions SET second_factor = 1 WHERE id = ? AND ended_ns = 0`, id)
}

// EndSession ends one session.
func (db *DB) EndSession(ctx context.Context, id string, at time.Time, reason string) error {
	return db.execSession(ctx, `UPDATE sessions SET ended_ns = ?, end_reason = ? WHERE id = ? AND ended_ns = 0`, ns(at), reason, id)
}

// EndSessions ends every open session of an account.
func (db *DB) EndSessions(ctx context.Context, account int64, at time.Time, reason string) (int, error) {
	res, err := db.db.ExecContext(ctx, `UPDATE sessions SET ended_ns = ?, end_reason = ? WHERE account = ? AND ended_ns = 0`, ns(at), reason, account)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Sessions lists an account's open sessions, newest first.
func (db *DB) Sessions(ctx context.Context, account int64) ([]custodian.Session, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE account = ? AND ended_ns = 0 ORDER BY created_ns DESC`, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []custodian.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}
