// Package accounts manages the console's accounts over a custodian.AccountService: creating
// them with validated grants, logging in (password, lockout, TOTP), disabling (which ends
// their sessions at once), deputies, and the effective grants that auth.Can decides with.
// Every change is written to the access log. The web server and the CLI share it, so both
// enforce the same rules.
package accounts

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/auth"
)

// Throttling of failed logins (docs/OPERATIONS.md, "Failed logins"). Failures are counted
// under three keys at once, each with an exponential backoff (1 s, doubling) once its free
// failures are used: no attempt under a key is checked before its wait ends. A key quiet
// for ThrottleReset starts again from zero; a completed login resets the account's keys.
//
//   - the account from one address: free PairFree, wait up to PairMaxWait;
//   - the account from anywhere: free AccountFree, wait up to AccountMaxWait (short, so
//     that a stranger elsewhere cannot keep the account's owner out); not applied from an
//     address where the account completed a login within GoodAddressFor;
//   - the address, whatever the account: free SourceFree, wait up to SourceMaxWait; not
//     applied either to an account at an address where it completed a login within
//     GoodAddressFor (people behind one NAT, or a proxy not named with --trusted-proxy).
const (
	PairFree       = 3
	PairMaxWait    = 15 * time.Minute
	AccountFree    = 10
	AccountMaxWait = time.Minute
	SourceFree     = 20
	SourceMaxWait  = 15 * time.Minute
	ThrottleReset  = time.Hour
	GoodAddressFor = 90 * 24 * time.Hour
)

// backoff is the wait after n failures: none for the first free ones, then 1 s doubling up
// to max.
func backoff(n, free int, max time.Duration) time.Duration {
	if n < free {
		return 0
	}
	k := n - free
	if k > 30 {
		return max
	}
	return min(max, time.Second<<k)
}

// throttle keys: an account (by the username asked for, known or not) from one address,
// from anywhere, and an address.
func pairKey(username, source string) string { return "p:" + username + "|" + source }
func accountKey(username string) string      { return "a:" + username }
func sourceKey(source string) string         { return "s:" + source }

// Actions written to the access log.
const (
	ActionLogin        = "account.login"
	ActionLoginFailed  = "account.login_failed"
	ActionLogout       = "account.logout"
	ActionCreate       = "account.create"
	ActionDisable      = "account.disable"
	ActionEnable       = "account.enable"
	ActionPassword     = "account.password"
	ActionTOTP         = "account.totp"
	ActionGrant        = "account.grant"
	ActionRevoke       = "account.revoke"
	ActionDeputy       = "account.deputy"
	ActionDeputyEnd    = "account.deputy_end"
	ActionSessionsEnd  = "account.sessions_end"
	ActionPersonRemove = "account.person_removed"
	ActionUnlock       = "account.unlock"
)

// Manager carries out account operations.
type Manager struct {
	Store custodian.AccountService
	// Registry is read to check grants' sites and cameras and linked people.
	Registry custodian.RegistryService
	// Log receives a record of every change and login (nil: not logged, for tests only).
	Log *auditlog.Log
	// Key seals TOTP secrets (derive it with SealingKey).
	Key []byte
	Now func() time.Time
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// SealingKey derives the key that seals TOTP secrets from the data directory's signing
// key seed (which, unlike the master key, is never rotated).
func SealingKey(seed []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, seed, nil, "custodian-totp-secrets-v1", 32)
}

func (m *Manager) aead() (cipher.AEAD, error) {
	if len(m.Key) != 32 {
		return nil, custodian.Errorf(custodian.EINTERNAL, "계정 봉인 키가 설정되지 않았습니다", "the account sealing key is not set")
	}
	b, err := aes.NewCipher(m.Key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func totpAD(id int64) []byte { return fmt.Appendf(nil, "custodian-totp-v1\x00%d", id) }

// Seal seals a TOTP secret for account id.
func (m *Manager) Seal(id int64, secret string) ([]byte, error) {
	a, err := m.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	rand.Read(nonce)
	return a.Seal(nonce, nonce, []byte(secret), totpAD(id)), nil
}

// Open opens an account's sealed TOTP secret.
func (m *Manager) Open(acct *custodian.Account) (string, error) {
	a, err := m.aead()
	if err != nil {
		return "", err
	}
	s := acct.TOTPSecret
	if len(s) < a.NonceSize() {
		return "", custodian.Errorf(custodian.EINTERNAL, "계정 %s의 OTP 비밀이 손상되었습니다", "the OTP secret of account %s is damaged", acct.Username)
	}
	p, err := a.Open(nil, s[:a.NonceSize()], s[a.NonceSize():], totpAD(acct.ID))
	if err != nil {
		return "", custodian.Errorf(custodian.EINTERNAL, "계정 %s의 OTP 비밀을 열 수 없습니다", "cannot open the OTP secret of account %s", acct.Username)
	}
	return string(p), nil
}

func (m *Manager) record(ctx context.Context, actor, source, action, object, detail, result string) {
	if m.Log == nil {
		return
	}
	if result == "" {
		result = auditlog.ResultOK
	}
	m.Log.Append(ctx, auditlog.Event{Actor: actor, Source: source, Action: action, Object: object, Detail: detail, Result: result})
}

var usernameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,31}$`)

// CheckUsername validates a username: 2–32 of a-z, 0-9, '.', '_', '-', starting with a letter.
func CheckUsername(u string) error {
	if !usernameRE.MatchString(u) {
		return custodian.Errorf(custodian.EINVALID, "사용자 이름 %q: 영문 소문자로 시작하는 2~32자의 영문 소문자·숫자·'.'·'_'·'-'여야 합니다",
			"username %q: 2 to 32 of a-z, 0-9, '.', '_', '-', starting with a letter", u)
	}
	return nil
}

// NewAccount is what Create needs.
type NewAccount struct {
	Username, Name, Person, Email string
	Password                      string
	// TOTP enrols a second factor at once and returns its secret (otherwise the user
	// enrols at first login).
	TOTP   bool
	Grants []custodian.AccountGrant
}

// Create validates and stores a new account. It returns the account and, when n.TOTP, the
// TOTP secret to hand to its user.
func (m *Manager) Create(ctx context.Context, n NewAccount, by, source string) (*custodian.Account, string, error) {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	if err := CheckUsername(n.Username); err != nil {
		return nil, "", err
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" || len([]rune(n.Name)) > 64 {
		return nil, "", custodian.Errorf(custodian.EINVALID, "이름: 1~64자로 적어 주십시오", "name: give 1 to 64 characters")
	}
	if e := custodian.CheckText(n.Name, 64, false); e != nil {
		return nil, "", custodian.Errorf(custodian.EINVALID, "이름: %[1]s", "name: %[2]s", e.Ko, e.En)
	}
	if perr := auth.CheckPassword(n.Password, n.Username); perr != nil {
		return nil, "", perr
	}
	reg, err := m.registry(ctx)
	if err != nil {
		return nil, "", err
	}
	if n.Person != "" {
		if reg == nil || reg.Index().Person(n.Person) == nil {
			return nil, "", custodian.Errorf(custodian.EINVALID, "인물 %q가 등록부에 없습니다", "person %q is not in the registry", n.Person)
		}
	}
	now := m.now()
	for i := range n.Grants {
		if err := CheckGrant(reg, &n.Grants[i], now); err != nil {
			return nil, "", err
		}
		n.Grants[i].Created, n.Grants[i].By = now, by
	}
	hash, err := auth.HashPassword(n.Password)
	if err != nil {
		return nil, "", err
	}
	a := &custodian.Account{Username: n.Username, Name: n.Name, Person: n.Person, Email: n.Email, PasswordHash: hash, PasswordSet: now,
		Created: now, CreatedBy: by, Lang: "ko", Grants: n.Grants}
	if err := m.Store.CreateAccount(ctx, a); err != nil {
		return nil, "", err
	}
	var secret string
	if n.TOTP {
		if secret, err = auth.NewTOTPSecret(); err != nil {
			return nil, "", err
		}
		sealed, err := m.Seal(a.ID, secret)
		if err != nil {
			return nil, "", err
		}
		if err := m.Store.SetTOTP(ctx, a.ID, sealed); err != nil {
			return nil, "", err
		}
		a.TOTPSecret, a.Enrolled = sealed, true
	}
	m.record(ctx, by, source, ActionCreate, a.Username, grantsText(a.Grants), "")
	return a, secret, nil
}

func (m *Manager) registry(ctx context.Context) (*custodian.Registry, error) {
	if m.Registry == nil {
		return nil, nil
	}
	reg, _, err := m.Registry.Registry(ctx)
	if custodian.ErrorCode(err) == custodian.ENOTFOUND {
		return nil, nil
	}
	return reg, err
}

func grantsText(gs []custodian.AccountGrant) string {
	var parts []string
	for _, g := range gs {
		parts = append(parts, GrantText(g))
	}
	return strings.Join(parts, "; ")
}

// GrantText describes a grant in one line: "access_holder sites=hq cameras=lobby until=…".
func GrantText(g custodian.AccountGrant) string {
	s := g.Role
	if g.All {
		s += " all"
	}
	if len(g.Sites) > 0 {
		s += " sites=" + strings.Join(g.Sites, ",")
	}
	if len(g.Cameras) > 0 {
		s += " cameras=" + strings.Join(g.Cameras, ",")
	}
	if g.Agreement != "" {
		s += " agreement=" + g.Agreement
	}
	if !g.Until.IsZero() {
		s += " until=" + g.Until.In(custodian.KST).Format("2006-01-02")
	}
	return s
}

// CheckGrant validates a grant against the registry (nil: only its form is checked): a
// known role; a scope that is all, or sites and cameras the registry has; agency grants
// come from an agreement that allows live monitoring and end with it.
func CheckGrant(reg *custodian.Registry, g *custodian.AccountGrant, now time.Time) error {
	if !slices.Contains(auth.Roles, auth.Role(g.Role)) {
		var names []string
		for _, r := range auth.Roles {
			names = append(names, string(r))
		}
		return custodian.Errorf(custodian.EINVALID, "역할 %q는 없습니다 (%s)", "there is no role %q (%s)", g.Role, strings.Join(names, ", "))
	}
	if g.All && (len(g.Sites) > 0 || len(g.Cameras) > 0) {
		return custodian.Errorf(custodian.EINVALID, "범위: 전체(all)와 사이트·카메라를 함께 줄 수 없습니다", "scope: all cannot be combined with sites or cameras")
	}
	if auth.Role(g.Role) == auth.RoleAgency {
		if g.Agreement == "" {
			return custodian.Errorf(custodian.EINVALID, "외부 기관 역할에는 협약(--agreement)이 필요합니다", "the agency role needs an agreement (--agreement)")
		}
		if g.All || len(g.Sites) > 0 {
			return custodian.Errorf(custodian.EINVALID, "외부 기관의 범위는 협약이 정한 카메라뿐입니다", "an agency's scope is the cameras its agreement names")
		}
	}
	if !g.Until.IsZero() && !g.Until.After(now) {
		return custodian.Errorf(custodian.EINVALID, "종료일 %s가 이미 지났습니다", "the end date %s has passed", g.Until.In(custodian.KST).Format("2006-01-02"))
	}
	if reg == nil {
		if g.Agreement != "" {
			return custodian.Errorf(custodian.EINVALID, "등록부가 없어 협약 %q를 확인할 수 없습니다", "there is no registry to check agreement %q against", g.Agreement)
		}
		return nil
	}
	x := reg.Index()
	for _, s := range g.Sites {
		if x.Site(s) == nil {
			return custodian.Errorf(custodian.EINVALID, "사이트 %q가 등록부에 없습니다", "site %q is not in the registry", s)
		}
	}
	for _, c := range g.Cameras {
		cam, _ := x.Camera(c)
		grp, _ := x.CameraGroup(c)
		if cam == nil && grp == nil {
			return custodian.Errorf(custodian.EINVALID, "카메라 %q가 등록부에 없습니다", "camera %q is not in the registry", c)
		}
	}
	if g.Agreement != "" {
		var ag *custodian.Agreement
		for i := range reg.Agreements {
			if reg.Agreements[i].ID == g.Agreement {
				ag = &reg.Agreements[i]
			}
		}
		if ag == nil {
			return custodian.Errorf(custodian.EINVALID, "협약 %q가 등록부에 없습니다", "agreement %q is not in the registry", g.Agreement)
		}
		if !slices.Contains(ag.Allows, custodian.AllowRealtime) {
			return custodian.Errorf(custodian.EINVALID, "협약 %q는 실시간 모니터링을 허용하지 않습니다", "agreement %q does not allow live monitoring", g.Agreement)
		}
		if len(g.Cameras) == 0 {
			g.Cameras = append(g.Cameras, ag.CameraGroups...)
		}
		for _, c := range g.Cameras {
			if !slices.Contains(ag.CameraGroups, c) {
				if _, grp := x.Camera(c); !slices.Contains(ag.CameraGroups, grp) {
					return custodian.Errorf(custodian.EINVALID, "카메라 %q는 협약 %q에 없습니다", "camera %q is not covered by agreement %q", c, g.Agreement)
				}
			}
		}
		if len(g.Cameras) == 0 {
			return custodian.Errorf(custodian.EINVALID, "협약 %q에 카메라 그룹(camera_groups)이 없습니다", "agreement %q names no camera groups", g.Agreement)
		}
		if !ag.End.IsZero() {
			end := ag.End.Time().AddDate(0, 0, 1) // through its last day
			if g.Until.IsZero() || g.Until.After(end) {
				g.Until = end
			}
			if !g.Until.After(now) {
				return custodian.Errorf(custodian.EINVALID, "협약 %q는 %s에 끝났습니다", "agreement %q ended on %s", g.Agreement, ag.End)
			}
		}
	}
	if !g.All && len(g.Sites) == 0 && len(g.Cameras) == 0 {
		return custodian.Errorf(custodian.EINVALID, "범위가 없습니다: 전체(all), 사이트 또는 카메라를 주십시오", "no scope: give all, sites or cameras")
	}
	return nil
}

// EffectiveGrants returns the grants auth.Can decides with for acct at now: none when the
// account is disabled; its own unrevoked grants, and those of every primary it is the
// active deputy of (only while that primary's account is active).
func (m *Manager) EffectiveGrants(ctx context.Context, acct *custodian.Account, now time.Time) ([]auth.Grant, error) {
	if !acct.Active() {
		return nil, nil
	}
	out := convert(acct.Grants)
	ds, err := m.Store.Deputies(ctx, acct.ID, false)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if !d.ActiveAt(now) {
			continue
		}
		p, err := m.Store.Account(ctx, d.Primary)
		if err != nil {
			return nil, err
		}
		if p.Active() {
			out = append(out, convert(p.Grants)...)
		}
	}
	return out, nil
}

func convert(gs []custodian.AccountGrant) []auth.Grant {
	var out []auth.Grant
	for _, g := range gs {
		if !g.Revoked.IsZero() {
			continue
		}
		out = append(out, auth.Grant{Role: auth.Role(g.Role), All: g.All, Sites: g.Sites, Cameras: g.Cameras, Until: g.Until})
	}
	return out
}

// NeedsSecondFactor reports whether a session of acct must have passed TOTP, decided on
// every request with the grants in force at that moment (its own and as a deputy): when
// any of them can show footage, or the account has enrolled one anyway. An account whose
// grants grow to reach footage is sent to enrol or step up before its next request.
func NeedsSecondFactor(acct *custodian.Account, grants []auth.Grant) bool {
	if acct.TOTPSecret != nil {
		return true
	}
	for _, g := range grants {
		if auth.NeedsSecondFactor(g.Role) {
			return true
		}
	}
	return false
}

// errLogin is the one answer to every failed login: an unknown username, a wrong password,
// a disabled account and a throttled attempt all get it, with the same text and the same
// path through the code (a password hash is always verified), so that none reveals which.
func errLogin() error {
	return custodian.Errorf(custodian.EUNAUTHORIZED,
		"사용자 이름 또는 비밀번호가 맞지 않거나, 실패가 거듭되어 잠시 기다려야 합니다",
		"wrong username or password, or too many failures: wait a little and try again")
}

// errTOTP is the one answer to every failed OTP code (wrong, reused, throttled).
func errTOTP() error {
	return custodian.Errorf(custodian.EUNAUTHORIZED, "OTP 코드가 맞지 않거나 이미 쓰였거나, 실패가 거듭되어 잠시 기다려야 합니다",
		"the OTP code is wrong or was already used, or after repeated failures you must wait a little")
}

// dummyHash is verified against when the username is unknown, so that the answer takes as
// long as for a known one.
var dummyHash, _ = auth.HashPassword("not a real password 1!")

// normUsername is the form of a username that logins and throttle keys use (bounded, so
// that a megabyte "username" is not stored as a key).
func normUsername(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	if len(u) > 64 {
		u = u[:64]
	}
	return u
}

// throttled reports whether an attempt for username from source must wait.
func (m *Manager) throttled(ctx context.Context, username, source string, now time.Time) (bool, error) {
	pk, ak, sk := pairKey(username, source), accountKey(username), sourceKey(source)
	ths, err := m.Store.LoginThrottles(ctx, []string{pk, ak, sk})
	if err != nil {
		return false, err
	}
	var pair, acct, src custodian.LoginThrottle
	for _, t := range ths {
		switch t.Key {
		case pk:
			pair = t
		case ak:
			acct = t
		case sk:
			src = t
		}
	}
	goodHere := !pair.Good.IsZero() && now.Sub(pair.Good) < GoodAddressFor
	return now.Before(pair.Until) || (!goodHere && (now.Before(acct.Until) || now.Before(src.Until))), nil
}

// loginFailed counts a failure under the keys of username and source, and logs it with
// why (the log says why; the caller is told only errLogin).
func (m *Manager) loginFailed(ctx context.Context, username, source, why string, withSource bool) {
	now := m.now()
	pair, err1 := m.Store.LoginFailure(ctx, pairKey(username, source), now, ThrottleReset, func(n int) time.Duration { return backoff(n, PairFree, PairMaxWait) })
	acct, err2 := m.Store.LoginFailure(ctx, accountKey(username), now, ThrottleReset, func(n int) time.Duration { return backoff(n, AccountFree, AccountMaxWait) })
	detail := fmt.Sprintf("%s (failures: %d from this address, %d in all)", why, pair.Failures, acct.Failures)
	if withSource {
		src, err := m.Store.LoginFailure(ctx, sourceKey(source), now, ThrottleReset, func(n int) time.Duration { return backoff(n, SourceFree, SourceMaxWait) })
		if err1 == nil {
			err1 = err
		}
		detail += fmt.Sprintf(", %d from this address for any account", src.Failures)
	}
	if err := errors.Join(err1, err2); err != nil {
		detail += "; counting failed: " + err.Error()
	}
	actor := username
	if why == "unknown username" {
		actor = "anonymous"
	}
	m.record(ctx, actor, source, ActionLoginFailed, username, detail, auditlog.ResultDenied)
}

// CheckPassword checks a username and password (first step of a login) and returns the
// account. Every failure gets the same answer (errLogin), counts towards throttling and is
// logged with its reason.
func (m *Manager) CheckPassword(ctx context.Context, username, password, source string) (*custodian.Account, error) {
	username = normUsername(username)
	now := m.now()
	wait, err := m.throttled(ctx, username, source, now)
	if err != nil {
		return nil, err
	}
	acct, err := m.Store.AccountByUsername(ctx, username)
	if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return nil, err
	}
	hash := dummyHash
	if acct != nil {
		hash = acct.PasswordHash
	}
	if len(password) > 1024 {
		password = password[:1024]
	}
	// The hash is verified on every path, the throttled one included.
	ok, rehash, verr := auth.VerifyPassword(hash, password)
	why := ""
	switch {
	case username == "" || password == "":
		why = "empty username or password"
	case acct == nil:
		why = "unknown username"
	case wait:
		why = "throttled"
	case verr != nil:
		why = "stored hash unusable: " + verr.Error()
	case !ok:
		why = "wrong password"
	case !acct.Active():
		why = "disabled account"
	}
	if why != "" {
		m.loginFailed(ctx, username, source, why, true)
		return nil, errLogin()
	}
	if rehash {
		if h, err := auth.HashPassword(password); err == nil {
			m.Store.SetPassword(ctx, acct.ID, h, acct.PasswordSet)
		}
	}
	return acct, nil
}

// CheckTOTP checks a TOTP code for acct (second step, or a step-up). A code is accepted
// once only; failures count towards throttling like wrong passwords.
func (m *Manager) CheckTOTP(ctx context.Context, acct *custodian.Account, code, source string) error {
	now := m.now()
	wait, err := m.throttled(ctx, acct.Username, source, now)
	if err != nil {
		return err
	}
	secret, err := m.Open(acct)
	if err != nil {
		return err
	}
	step, ok := auth.VerifyTOTP(secret, strings.TrimSpace(code), now, acct.TOTPStep)
	if ok && !wait {
		if ok, err = m.Store.UseTOTPStep(ctx, acct.ID, step); err != nil {
			return err
		}
	}
	if !ok || wait {
		m.loginFailed(ctx, acct.Username, source, map[bool]string{true: "throttled OTP code", false: "wrong or reused OTP code"}[wait], false)
		return errTOTP()
	}
	return nil
}

// Unlock clears every throttle of an account (its own, from every address), so that its
// owner can log in at once; it returns how many throttles were cleared. Logged.
func (m *Manager) Unlock(ctx context.Context, acct *custodian.Account, by, source string) (int, error) {
	u := normUsername(acct.Username)
	n, err := m.Store.ClearLoginThrottles(ctx, []string{accountKey(u)}, []string{pairKey(u, "")})
	if err != nil {
		return 0, err
	}
	m.record(ctx, by, source, ActionUnlock, acct.Username, fmt.Sprintf("%d throttles cleared", n), "")
	return n, nil
}

// Throttle returns the account-wide throttle of acct (zero when it has none): its failures
// from anywhere since the last completed login, and until when they hold up logins.
func (m *Manager) Throttle(ctx context.Context, acct *custodian.Account) (custodian.LoginThrottle, error) {
	ths, err := m.Store.LoginThrottles(ctx, []string{accountKey(normUsername(acct.Username))})
	if err != nil || len(ths) == 0 {
		return custodian.LoginThrottle{}, err
	}
	return ths[0], nil
}

// LoggedIn records a completed login (the password and, where needed, the second factor):
// the account's throttles from this address and from anywhere start again.
func (m *Manager) LoggedIn(ctx context.Context, acct *custodian.Account, source string) error {
	now := m.now()
	if err := m.Store.LoginSucceeded(ctx, acct.ID, now); err != nil {
		return err
	}
	u := normUsername(acct.Username)
	if err := m.Store.LoginSuccess(ctx, []string{pairKey(u, source), accountKey(u)}, now); err != nil {
		return err
	}
	m.record(ctx, acct.Username, source, ActionLogin, acct.Username, "", "")
	return nil
}

// EnrollTOTP stores a TOTP secret for acct once code proves the user's authenticator has
// it.
func (m *Manager) EnrollTOTP(ctx context.Context, acct *custodian.Account, secret, code, source string) error {
	step, ok := auth.VerifyTOTP(secret, strings.TrimSpace(code), m.now(), 0)
	if !ok {
		return custodian.Errorf(custodian.EINVALID, "OTP 코드가 맞지 않습니다: 인증 앱의 현재 코드를 입력하십시오", "the OTP code is wrong: enter the current code from the authenticator app")
	}
	sealed, err := m.Seal(acct.ID, secret)
	if err != nil {
		return err
	}
	if err := m.Store.SetTOTP(ctx, acct.ID, sealed); err != nil {
		return err
	}
	if _, err := m.Store.UseTOTPStep(ctx, acct.ID, step); err != nil {
		return err
	}
	m.record(ctx, acct.Username, source, ActionTOTP, acct.Username, "enrolled", "")
	return nil
}

// ResetTOTP removes an account's second factor (the user enrols again at next login) and
// ends its sessions.
func (m *Manager) ResetTOTP(ctx context.Context, acct *custodian.Account, by, source string) error {
	if err := m.Store.SetTOTP(ctx, acct.ID, nil); err != nil {
		return err
	}
	n, err := m.Store.EndSessions(ctx, acct.ID, m.now(), "totp reset")
	if err != nil {
		return err
	}
	m.record(ctx, by, source, ActionTOTP, acct.Username, fmt.Sprintf("reset; %d sessions ended", n), "")
	return nil
}

// SetPassword changes acct's password (checked against the password rule) and ends its
// other sessions (keep: the session to keep, "" for none).
func (m *Manager) SetPassword(ctx context.Context, acct *custodian.Account, password, keep, by, source string) error {
	if perr := auth.CheckPassword(password, acct.Username); perr != nil {
		return perr
	}
	if ok, _, _ := auth.VerifyPassword(acct.PasswordHash, password); ok {
		return custodian.Errorf(custodian.EINVALID, "새 비밀번호가 지금의 비밀번호와 같습니다", "the new password is the current one")
	}
	h, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	if err := m.Store.SetPassword(ctx, acct.ID, h, m.now()); err != nil {
		return err
	}
	ss, err := m.Store.Sessions(ctx, acct.ID)
	if err != nil {
		return err
	}
	for _, s := range ss {
		if s.ID != keep {
			m.Store.EndSession(ctx, s.ID, m.now(), "password changed")
		}
	}
	m.record(ctx, by, source, ActionPassword, acct.Username, "", "")
	return nil
}

// Disable disables an account (transfer, retirement): its sessions end at once, and it is
// logged with the number of sessions ended.
func (m *Manager) Disable(ctx context.Context, acct *custodian.Account, reason, by, source string) (int, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return 0, custodian.Errorf(custodian.EINVALID, "비활성화 사유를 적어 주십시오 (전보, 퇴직 등)", "give a reason for disabling (transfer, retirement, ...)")
	}
	n, err := m.Store.DisableAccount(ctx, acct.ID, m.now(), reason, by)
	if err != nil {
		return 0, err
	}
	m.record(ctx, by, source, ActionDisable, acct.Username, fmt.Sprintf("%s; %d sessions ended", reason, n), "")
	return n, nil
}

// Enable re-enables an account.
func (m *Manager) Enable(ctx context.Context, acct *custodian.Account, by, source string) error {
	if err := m.Store.EnableAccount(ctx, acct.ID, by); err != nil {
		return err
	}
	m.record(ctx, by, source, ActionEnable, acct.Username, "", "")
	return nil
}

// DisablePerson disables every active account linked to a registry person; it returns
// the accounts disabled and the sessions ended.
func (m *Manager) DisablePerson(ctx context.Context, person, reason, by, source string) (accounts, sessions int, err error) {
	as, err := m.Store.AccountsOfPerson(ctx, person)
	if err != nil {
		return 0, 0, err
	}
	for i := range as {
		if !as[i].Active() {
			continue
		}
		n, err := m.Disable(ctx, &as[i], reason, by, source)
		if err != nil {
			return accounts, sessions, err
		}
		accounts++
		sessions += n
	}
	return accounts, sessions, nil
}

// Grant adds a validated grant to acct.
func (m *Manager) Grant(ctx context.Context, acct *custodian.Account, g custodian.AccountGrant, by, source string) (*custodian.AccountGrant, error) {
	reg, err := m.registry(ctx)
	if err != nil {
		return nil, err
	}
	now := m.now()
	if err := CheckGrant(reg, &g, now); err != nil {
		return nil, err
	}
	g.Account, g.Created, g.By = acct.ID, now, by
	if err := m.Store.AddGrant(ctx, &g); err != nil {
		return nil, err
	}
	m.record(ctx, by, source, ActionGrant, acct.Username, GrantText(g), "")
	return &g, nil
}

// Revoke ends a grant of acct.
func (m *Manager) Revoke(ctx context.Context, acct *custodian.Account, grantID int64, by, source string) error {
	var g *custodian.AccountGrant
	for i := range acct.Grants {
		if acct.Grants[i].ID == grantID {
			g = &acct.Grants[i]
		}
	}
	if g == nil {
		return custodian.Errorf(custodian.ENOTFOUND, "계정 %s에 권한 %d이 없습니다", "account %s has no grant %d", acct.Username, grantID)
	}
	if err := m.Store.RevokeGrant(ctx, grantID, m.now(), by); err != nil {
		return err
	}
	m.record(ctx, by, source, ActionRevoke, acct.Username, GrantText(*g), "")
	return nil
}

// AssignDeputy makes deputy act with primary's grants from now until until (zero: until
// ended).
func (m *Manager) AssignDeputy(ctx context.Context, deputy, primary *custodian.Account, until time.Time, reason, by, source string) (*custodian.Deputy, error) {
	if deputy.ID == primary.ID {
		return nil, custodian.Errorf(custodian.EINVALID, "자기 자신의 대리인이 될 수 없습니다", "an account cannot be its own deputy")
	}
	if !deputy.Active() || !primary.Active() {
		return nil, custodian.Errorf(custodian.EINVALID, "비활성화된 계정은 대리 지정에 쓸 수 없습니다", "a disabled account cannot take part in a deputy assignment")
	}
	now := m.now()
	if !until.IsZero() && !until.After(now) {
		return nil, custodian.Errorf(custodian.EINVALID, "대리 종료일이 이미 지났습니다", "the deputy assignment's end has passed")
	}
	d := &custodian.Deputy{Deputy: deputy.ID, Primary: primary.ID, From: now, Until: until, Reason: strings.TrimSpace(reason), By: by}
	if err := m.Store.AssignDeputy(ctx, d); err != nil {
		return nil, err
	}
	m.record(ctx, by, source, ActionDeputy, deputy.Username, "for "+primary.Username+" "+d.Reason, "")
	return d, nil
}

// EndDeputy ends a deputy assignment.
func (m *Manager) EndDeputy(ctx context.Context, id int64, by, source string) error {
	if err := m.Store.EndDeputy(ctx, id, m.now(), by); err != nil {
		return err
	}
	m.record(ctx, by, source, ActionDeputyEnd, fmt.Sprint(id), "", "")
	return nil
}

// ConstantTimeEqual compares two secrets in constant time.
func ConstantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// SyncPeople disables the active accounts linked to people no longer in reg (a transfer or
// a retirement recorded by editing the registry): their sessions end at once.
func (m *Manager) SyncPeople(ctx context.Context, reg *custodian.Registry, by, source string) (accounts, sessions int, err error) {
	as, err := m.Store.Accounts(ctx)
	if err != nil {
		return 0, 0, err
	}
	x := reg.Index()
	for i := range as {
		a := &as[i]
		if a.Person == "" || !a.Active() || x.Person(a.Person) != nil {
			continue
		}
		n, err := m.Disable(ctx, a, "등록부에서 삭제된 인물 (person removed from the registry): "+a.Person, by, source)
		if err != nil {
			return accounts, sessions, err
		}
		accounts++
		sessions += n
	}
	return accounts, sessions, nil
}
