package custodian

import (
	"context"
	"time"
)

// Account is a login to the console (docs/PERMISSIONS.md). An account may be linked to a
// person of the registry (Person): disabling that person's accounts ends their sessions at
// once (a transfer or a retirement).
type Account struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`             // display name, shown in the watermark and the access log
	Person   string `json:"person,omitempty"` // registry person ID; "" when not linked
	Email    string `json:"email,omitempty"`
	// PasswordHash is the argon2id hash in PHC form (auth.HashPassword); never sent out.
	PasswordHash string    `json:"-"`
	PasswordSet  time.Time `json:"password_set"`
	// TOTPSecret is the sealed TOTP secret (nil until enrolled); TOTPStep is the last
	// time step accepted (a code is never accepted twice).
	TOTPSecret []byte    `json:"-"`
	TOTPStep   int64     `json:"-"`
	Enrolled   bool      `json:"totp_enrolled"` // derived: TOTPSecret != nil
	Created    time.Time `json:"created"`
	CreatedBy  string    `json:"created_by,omitempty"`
	// Disabled is when the account was disabled (zero: active), with why and by whom.
	Disabled       time.Time `json:"disabled,omitzero"`
	DisabledReason string    `json:"disabled_reason,omitempty"`
	DisabledBy     string    `json:"disabled_by,omitempty"`
	// Failed logins are throttled rather than locked (LoginThrottle).
	LastLogin time.Time `json:"last_login,omitzero"`
	// Lang is the console language the account prefers: "ko" (default) or "en".
	Lang   string         `json:"lang,omitempty"`
	Grants []AccountGrant `json:"grants"`
}

// Active reports whether the account may log in at all.
func (a *Account) Active() bool { return a.Disabled.IsZero() }

// AccountGrant is a role given to an account over a scope (auth.Grant is the decision
// form). Grants are kept when they end, for the record: Revoked is set instead.
type AccountGrant struct {
	ID      int64  `json:"id"`
	Account int64  `json:"account"`
	Role    string `json:"role"`
	// All: the whole organisation; otherwise Sites (each with the sites below it) and
	// Cameras (camera or camera group IDs).
	All     bool     `json:"all,omitempty"`
	Sites   []string `json:"sites,omitempty"`
	Cameras []string `json:"cameras,omitempty"`
	// Until ends the grant (an agency's agreement end date, a temporary assignment).
	Until time.Time `json:"until,omitzero"`
	// Agreement is the registry agreement an agency grant comes from.
	Agreement string    `json:"agreement,omitempty"`
	Created   time.Time `json:"created"`
	By        string    `json:"by,omitempty"`
	Revoked   time.Time `json:"revoked,omitzero"`
	RevokedBy string    `json:"revoked_by,omitempty"`
}

// Deputy is the assignment of a deputy (부): while it runs, the deputy acts with the
// primary's grants as well as its own.
type Deputy struct {
	ID      int64     `json:"id"`
	Deputy  int64     `json:"deputy"`
	Primary int64     `json:"primary"`
	From    time.Time `json:"from"`
	Until   time.Time `json:"until,omitzero"` // zero: until ended
	Reason  string    `json:"reason,omitempty"`
	By      string    `json:"by,omitempty"`
	Ended   time.Time `json:"ended,omitzero"`
	EndedBy string    `json:"ended_by,omitempty"`
}

// ActiveAt reports whether the assignment applies at t.
func (d *Deputy) ActiveAt(t time.Time) bool {
	return !t.Before(d.From) && (d.Until.IsZero() || t.Before(d.Until)) && (d.Ended.IsZero() || t.Before(d.Ended))
}

// Session is a console login. Its ID is the SHA-256 (hex) of the cookie's token: the
// token itself is never stored.
type Session struct {
	ID      string    `json:"-"`
	Account int64     `json:"account"`
	Created time.Time `json:"created"`
	Seen    time.Time `json:"seen"`
	// Expires is the idle expiry (pushed forward as the session is used, never past
	// Created + the absolute lifetime).
	Expires time.Time `json:"expires"`
	// SecondFactor is set once a TOTP code has been accepted in this session. Whether the
	// session needs it is decided on every request from the account's grants at that
	// moment (accounts.NeedsSecondFactor): a session that needs it and lacks it can only
	// finish logging in (enrol, or step up with a code).
	SecondFactor bool      `json:"second_factor"`
	CSRF         string    `json:"-"` // the CSRF token bound to the session
	Address      string    `json:"address"`
	UserAgent    string    `json:"user_agent"`
	Ended        time.Time `json:"ended,omitzero"`
	EndReason    string    `json:"end_reason,omitempty"`
}

// LoginThrottle counts failed logins under one key (an account from one address, an account
// from anywhere, an address; accounts.Manager names the keys and sets the backoff). No
// attempt under a key is checked before Until.
type LoginThrottle struct {
	Key      string    `json:"key"`
	Failures int       `json:"failures"`
	Last     time.Time `json:"last,omitzero"`  // the last failure
	Until    time.Time `json:"until,omitzero"` // attempts before this are refused unchecked
	Good     time.Time `json:"good,omitzero"`  // the last completed login under this key
}

// AccountService stores accounts, grants, deputies and sessions.
type AccountService interface {
	// CreateAccount stores a new account with its grants and sets the IDs (ECONFLICT when
	// the username is taken).
	CreateAccount(ctx context.Context, a *Account) error
	// Account returns an account with its grants, revoked ones included (ENOTFOUND).
	Account(ctx context.Context, id int64) (*Account, error)
	// AccountByUsername returns an account by its username (ENOTFOUND).
	AccountByUsername(ctx context.Context, username string) (*Account, error)
	// Accounts lists every account with its grants, by username.
	Accounts(ctx context.Context) ([]Account, error)
	// AccountsOfPerson lists the accounts linked to a registry person.
	AccountsOfPerson(ctx context.Context, person string) ([]Account, error)
	// SetPassword replaces an account's password hash.
	SetPassword(ctx context.Context, id int64, hash string, at time.Time) error
	// SetTOTP stores a sealed TOTP secret (nil removes it) and resets the last step.
	SetTOTP(ctx context.Context, id int64, sealed []byte) error
	// UseTOTPStep records that the code of step was accepted, only if step is after the
	// last accepted one: false means the code was already used (a replay).
	UseTOTPStep(ctx context.Context, id int64, step int64) (bool, error)
	// LoginSucceeded records the login time.
	LoginSucceeded(ctx context.Context, id int64, at time.Time) error
	// LoginThrottles returns the throttle rows of keys that exist.
	LoginThrottles(ctx context.Context, keys []string) ([]LoginThrottle, error)
	// LoginFailure counts a failed login under key at at, in one transaction: a row whose
	// last failure is resetAfter or more before at starts again from zero; Until becomes
	// at + wait(failures). It returns the row after the failure.
	LoginFailure(ctx context.Context, key string, at time.Time, resetAfter time.Duration, wait func(failures int) time.Duration) (LoginThrottle, error)
	// LoginSuccess resets keys' failures and marks them good at at.
	LoginSuccess(ctx context.Context, keys []string, at time.Time) error
	// ClearLoginThrottles deletes the rows whose key is one of keys or starts with one of
	// prefixes (unlocking an account); it returns how many were deleted.
	ClearLoginThrottles(ctx context.Context, keys, prefixes []string) (int, error)
	// DisableAccount disables an account and ends all its sessions in one transaction;
	// it returns how many sessions were ended. Disabling a disabled account is ECONFLICT.
	DisableAccount(ctx context.Context, id int64, at time.Time, reason, by string) (int, error)
	// EnableAccount re-enables a disabled account (failures and lock reset).
	EnableAccount(ctx context.Context, id int64, by string) error
	// SetLang stores the console language an account prefers.
	SetLang(ctx context.Context, id int64, lang string) error

	// AddGrant adds a grant to an account and sets its ID.
	AddGrant(ctx context.Context, g *AccountGrant) error
	// RevokeGrant ends a grant (kept for the record; ENOTFOUND, ECONFLICT if already revoked).
	RevokeGrant(ctx context.Context, id int64, at time.Time, by string) error

	// AssignDeputy stores a deputy assignment and sets its ID.
	AssignDeputy(ctx context.Context, d *Deputy) error
	// EndDeputy ends an assignment.
	EndDeputy(ctx context.Context, id int64, at time.Time, by string) error
	// Deputies lists the assignments where the account is the deputy (all: ended ones too).
	Deputies(ctx context.Context, deputy int64, all bool) ([]Deputy, error)
	// AllDeputies lists every assignment, newest first.
	AllDeputies(ctx context.Context) ([]Deputy, error)

	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns a session by ID, ended or not (ENOTFOUND).
	Session(ctx context.Context, id string) (*Session, error)
	// TouchSession records use of a session: seen time and new idle expiry.
	TouchSession(ctx context.Context, id string, seen, expires time.Time) error
	// PassSecondFactor marks a session as having passed TOTP.
	PassSecondFactor(ctx context.Context, id string) error
	// EndSession ends one session (logout, expiry).
	EndSession(ctx context.Context, id string, at time.Time, reason string) error
	// EndSessions ends every open session of an account; it returns how many.
	EndSessions(ctx context.Context, account int64, at time.Time, reason string) (int, error)
	// Sessions lists an account's open sessions.
	Sessions(ctx context.Context, account int64) ([]Session, error)
}
