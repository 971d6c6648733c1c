package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"custodian"
	"custodian/accounts"
	"custodian/auth"
	"custodian/datadir"
	"custodian/sqlite"
)

func init() {
	register(5,
		&command{name: "users add", args: "USERNAME --name NAME --password-file F [--role R [--all | --sites S,.. | --cameras C,..] [--until DATE] [--agreement ID]] [--person ID] [--email E] [--totp]",
			ko: "콘솔 계정을 만듭니다 (영상을 볼 수 있는 역할은 OTP 필수)", en: "create a console account (roles that see footage must use OTP)", run: cmdUsersAdd},
		&command{name: "users list", args: "[--json]", ko: "계정과 권한 목록", en: "list accounts and their grants", run: cmdUsersList},
		&command{name: "users disable", args: "USERNAME --reason TEXT", ko: "계정을 비활성화합니다 (세션 즉시 종료, 기록됨)", en: "disable an account (its sessions end at once; logged)", run: cmdUsersDisable},
		&command{name: "users enable", args: "USERNAME", ko: "비활성화된 계정을 다시 씁니다", en: "re-enable a disabled account", run: cmdUsersEnable},
		&command{name: "users unlock", args: "USERNAME", ko: "로그인 실패로 걸린 대기를 모두 풉니다 (기록됨)", en: "clear an account's failed-login throttling (logged)", run: cmdUsersUnlock},
		&command{name: "users grant", args: "USERNAME --role R [--all | --sites S,.. | --cameras C,..] [--until DATE] [--agreement ID]", ko: "계정에 역할과 범위를 줍니다", en: "give an account a role over a scope", run: cmdUsersGrant},
		&command{name: "users revoke", args: "USERNAME GRANT-ID", ko: "계정의 권한을 회수합니다", en: "revoke one of an account's grants", run: cmdUsersRevoke},
		&command{name: "users deputy", args: "DEPUTY --for PRIMARY [--until DATE] [--reason TEXT] | --end ID", ko: "대리인(부)을 지정하거나 끝냅니다", en: "assign or end a deputy (부)", run: cmdUsersDeputy},
		&command{name: "users reset-totp", args: "USERNAME", ko: "계정의 OTP를 초기화합니다 (다음 로그인 때 다시 등록)", en: "reset an account's OTP (enrol again at next login)", run: cmdUsersResetTOTP},
		&command{name: "users password", args: "USERNAME --password-file F", ko: "계정의 비밀번호를 바꿉니다 (세션 종료)", en: "set an account's password (its sessions end)", run: cmdUsersPassword},
		&command{name: "people disable", args: "PERSON --reason TEXT", ko: "인물(전보·퇴직)의 모든 계정을 비활성화합니다", en: "disable every account of a person (transfer, retirement)", run: cmdPeopleDisable},
	)
}

// accountsEnv is what the account commands open: the database, the access log and the
// account manager.
type accountsEnv struct {
	db *sqlite.DB
	m  *accounts.Manager
	f  func()
}

func (a *app) openAccounts(ctx context.Context) (*accountsEnv, error) {
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		return nil, err
	}
	a.warnDamaged(ctx, db)
	log, err := a.openAudit(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	m, err := newManager(d, db, a.now)
	if err != nil {
		log.Close()
		db.Close()
		return nil, err
	}
	m.Log = log
	return &accountsEnv{db: db, m: m, f: func() { log.Close(); db.Close() }}, nil
}

func newManager(d *datadir.Dir, db *sqlite.DB, now func() time.Time) (*accounts.Manager, error) {
	sk, err := d.SigningKey()
	if err != nil {
		return nil, err
	}
	key, err := accounts.SealingKey(sk.Seed())
	if err != nil {
		return nil, err
	}
	return &accounts.Manager{Store: db, Registry: db, Key: key, Now: now}, nil
}

// grantFlags are the flags that describe one grant.
type grantFlags struct {
	role, sites, cameras, until, agreement *string
	all                                    *bool
}

func (a *app) addGrantFlags(fs interface {
	String(name, value, usage string) *string
	Bool(name string, value bool, usage string) *bool
}) grantFlags {
	var roles []string
	for _, r := range auth.Roles {
		roles = append(roles, string(r))
	}
	return grantFlags{
		role:      fs.String("role", "", "역할 (role): "+strings.Join(roles, ", ")),
		all:       fs.Bool("all", false, "기관 전체 (the whole organisation)"),
		sites:     fs.String("sites", "", "사이트 ID, 쉼표로 구분 (site IDs, comma-separated)"),
		cameras:   fs.String("cameras", "", "카메라 또는 카메라 그룹 ID (camera or camera group IDs)"),
		until:     fs.String("until", "", "이 날까지 (through this date, YYYY-MM-DD)"),
		agreement: fs.String("agreement", "", "외부 기관 협약 ID (the agency's agreement)"),
	}
}

func (g grantFlags) grant() (custodian.AccountGrant, error) {
	out := custodian.AccountGrant{Role: *g.role, All: *g.all, Sites: splitList(*g.sites), Cameras: splitList(*g.cameras), Agreement: *g.agreement}
	if *g.until != "" {
		d, err := custodian.ParseDate(*g.until)
		if err != nil {
			return out, custodian.Errorf(custodian.EINVALID, "--until %q: 날짜는 YYYY-MM-DD입니다", "--until %q: dates are YYYY-MM-DD", *g.until)
		}
		out.Until = d.AddDays(1).Time()
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func cmdUsersAdd(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users add")
	name := fs.String("name", "", "이름 (display name; shown in the watermark)")
	pwFile := fs.String("password-file", "", "비밀번호 파일, 첫 줄 (file holding the password; - for stdin)")
	person := fs.String("person", "", "등록부의 인물 ID (link to a registry person)")
	email := fs.String("email", "", "전자우편 (e-mail)")
	totp := fs.Bool("totp", false, "OTP를 지금 등록하고 비밀을 출력 (enrol OTP now and print its secret)")
	gf := a.addGrantFlags(fs)
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *pwFile == "" {
		return a.usagef("--password-file이 필요합니다", "--password-file is required")
	}
	password, err := a.readSecret(*pwFile)
	if err != nil {
		return err
	}
	var grants []custodian.AccountGrant
	if *gf.role != "" {
		g, err := gf.grant()
		if err != nil {
			return err
		}
		grants = append(grants, g)
	} else if *gf.all || *gf.sites != "" || *gf.cameras != "" || *gf.until != "" || *gf.agreement != "" {
		return a.usagef("범위 플래그에는 --role이 필요합니다", "the scope flags need --role")
	}
	env, err := a.openAccounts(ctx)
	if err != nil {
		return err
	}
	defer env.f()
	acct, secret, err := env.m.Create(ctx, accounts.NewAccount{Username: pos[0], Name: *name, Person: *person, Email: *email, Password: password, TOTP: *totp, Grants: grants}, a.cliActor(), "cli")
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("계정 %s를 만들었습니다.", acct.Username), fmt.Sprintf("created account %s.", acct.Username)))
	if secret != "" {
		issuer := "Custodian"
		if reg, _, err := env.db.Registry(ctx); err == nil {
			issuer = reg.Organisation.Name
		}
		fmt.Fprintln(a.stdout, a.msg("OTP 비밀 (인증 앱에 등록하십시오; 다시 표시되지 않습니다):", "OTP secret (add it to an authenticator app; it is not shown again):"))
		fmt.Fprintf(a.stdout, "  %s\n  %s\n", secret, auth.TOTPURI(issuer, acct.Username, secret))
	} else if accounts.NeedsSecondFactor(acct, convertGrants(acct.Grants)) {
		fmt.Fprintln(a.stdout, a.msg("이 역할은 영상을 볼 수 있어 첫 로그인 때 OTP를 등록해야 합니다.", "this role can see footage: the user enrols an OTP at first login."))
	}
	return nil
}

func convertGrants(gs []custodian.AccountGrant) []auth.Grant {
	var out []auth.Grant
	for _, g := range gs {
		if g.Revoked.IsZero() {
			out = append(out, auth.Grant{Role: auth.Role(g.Role), All: g.All, Sites: g.Sites, Cameras: g.Cameras, Until: g.Until})
		}
	}
	return out
}

// readSecret reads a password from a file's first line, or stdin for "-".
func (a *app) readSecret(path string) (string, error) {
	if path == "-" {
		b := make([]byte, 4096)
		n, _ := a.stdin.Read(b)
		p := strings.TrimRight(strings.SplitN(string(b[:n]), "\n", 2)[0], "\r")
		if p == "" {
			return "", custodian.Errorf(custodian.EINVALID, "--password-file -: 표준 입력이 비어 있습니다", "--password-file -: standard input is empty")
		}
		return p, nil
	}
	p, err := readPassword(path)
	if err != nil {
		return "", custodian.Errorf(custodian.EINVALID, "--password-file: %w", "--password-file: %w", err)
	}
	return p, nil
}

func cmdUsersList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users list")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	env, err := a.openAccounts(ctx)
	if err != nil {
		return err
	}
	defer env.f()
	as, err := env.db.Accounts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if as == nil {
			as = []custodian.Account{}
		}
		return enc.Encode(as)
	}
	tw := &textTable{header: []string{a.msg("사용자", "USER"), a.msg("이름", "NAME"), a.msg("인물", "PERSON"), "OTP", a.msg("상태", "STATE"), a.msg("권한", "GRANTS")}}
	for _, x := range as {
		state := a.msg("사용", "active")
		if !x.Active() {
			state = a.msg("비활성", "disabled") + " " + kst(x.Disabled) + " (" + x.DisabledReason + ")"
		} else if th, err := env.m.Throttle(ctx, &x); err != nil {
			return err
		} else if a.now().Before(th.Until) {
			state = fmt.Sprintf(a.msg("로그인 대기 %s까지 (실패 %d회)", "logins held until %s (%d failures)"), kst(th.Until), th.Failures)
		}
		var gs []string
		for _, g := range x.Grants {
			if g.Revoked.IsZero() {
				gs = append(gs, fmt.Sprintf("#%d %s", g.ID, accounts.GrantText(g)))
			}
		}
		otp := "-"
		if x.Enrolled {
			otp = "✓"
		}
		tw.add(x.Username, x.Name, x.Person, otp, state, strings.Join(gs, "; "))
	}
	tw.write(a.stdout)
	return nil
}

func (env *accountsEnv) account(ctx context.Context, username string) (*custodian.Account, error) {
	return env.db.AccountByUsername(ctx, strings.ToLower(strings.TrimSpace(username)))
}

func cmdUsersDisable(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users disable")
	reason := fs.String("reason", "", "사유: 전보, 퇴직 등 (reason: transfer, retirement, ...)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	return a.withAccount(ctx, pos[0], func(env *accountsEnv, acct *custodian.Account) error {
		n, err := env.m.Disable(ctx, acct, *reason, a.cliActor(), "cli")
		if err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("계정 %s를 비활성화했습니다 (세션 %d개 종료).", acct.Username, n), fmt.Sprintf("disabled account %s (%d sessions ended).", acct.Username, n)))
		return nil
	})
}

func cmdUsersEnable(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users enable")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	return a.withAccount(ctx, pos[0], func(env *accountsEnv, acct *custodian.Account) error {
		if err := env.m.Enable(ctx, acct, a.cliActor(), "cli"); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, a.msg("계정 "+acct.Username+"를 다시 쓸 수 있습니다.", "account "+acct.Username+" is enabled."))
		return nil
	})
}

func cmdUsersUnlock(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users unlock")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	return a.withAccount(ctx, pos[0], func(env *accountsEnv, acct *custodian.Account) error {
		n, err := env.m.Unlock(ctx, acct, a.cliActor(), "cli")
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, a.msg("계정 %s의 로그인 대기 %d건을 풀었습니다.\n", "cleared %[2]d login throttles of account %[1]s.\n"), acct.Username, n)
		return nil
	})
}

func cmdUsersGrant(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users grant")
	gf := a.addGrantFlags(fs)
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	g, err := gf.grant()
	if err != nil {
		return err
	}
	return a.withAccount(ctx, pos[0], func(env *accountsEnv, acct *custodian.Account) error {
		ng, err := env.m.Grant(ctx, acct, g, a.cliActor(), "cli")
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "#%d %s\n", ng.ID, accounts.GrantText(*ng))
		return nil
	})
}

func cmdUsersRevoke(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users revoke")
	pos, err := a.parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	var id int64
	if _, err := fmt.Sscan(strings.TrimPrefix(pos[1], "#"), &id); err != nil || id <= 0 {
		return a.usagef("권한 번호 %q가 올바르지 않습니다", "grant ID %q is not valid", pos[1])
	}
	return a.withAccount(ctx, pos[0], func(env *accountsEnv, acct *custodian.Account) error {
		if err := env.m.Revoke(ctx, acct, id, a.cliActor(), "cli"); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, a.msg("권한을 회수했습니다.", "grant revoked."))
		return nil
	})
}

func cmdUsersDeputy(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users deputy")
	primary := fs.String("for", "", "정(正) 계정 (the primary's username)")
	until := fs.String("until", "", "이 날까지 (through this date, YYYY-MM-DD)")
	reason := fs.String("reason", "", "사유 (reason: leave, absence, ...)")
	end := fs.Int64("end", 0, "이 번호의 대리 지정을 끝냄 (end the assignment with this ID)")
	pos, err := a.parse(fs, args, 0, 1)
	if err != nil {
		return err
	}
	env, err := a.openAccounts(ctx)
	if err != nil {
		return err
	}
	defer env.f()
	if *end > 0 {
		if len(pos) > 0 || *primary != "" {
			return a.usagef("--end는 다른 인자와 함께 쓰지 않습니다", "--end takes no other arguments")
		}
		if err := env.m.EndDeputy(ctx, *end, a.cliActor(), "cli"); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, a.msg("대리 지정을 끝냈습니다.", "deputy assignment ended."))
		return nil
	}
	if len(pos) != 1 || *primary == "" {
		return a.usagef("대리인과 --for가 필요합니다", "give the deputy and --for")
	}
	d, err := env.account(ctx, pos[0])
	if err != nil {
		return err
	}
	p, err := env.account(ctx, *primary)
	if err != nil {
		return err
	}
	var u time.Time
	if *until != "" {
		day, err := custodian.ParseDate(*until)
		if err != nil {
			return a.usagef("--until %q: 날짜는 YYYY-MM-DD입니다", "--until %q: dates are YYYY-MM-DD", *until)
		}
		u = day.AddDays(1).Time()
	}
	dep, err := env.m.AssignDeputy(ctx, d, p, u, *reason, a.cliActor(), "cli")
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("대리 지정 #%d: %s가 %s의 권한으로 일합니다.", dep.ID, d.Username, p.Username),
		fmt.Sprintf("deputy assignment #%d: %s acts with %s's grants.", dep.ID, d.Username, p.Username)))
	return nil
}

func cmdUsersResetTOTP(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users reset-totp")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	return a.withAccount(ctx, pos[0], func(env *accountsEnv, acct *custodian.Account) error {
		if err := env.m.ResetTOTP(ctx, acct, a.cliActor(), "cli"); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, a.msg("OTP를 초기화했습니다. 다음 로그인 때 다시 등록합니다.", "OTP reset: the user enrols again at next login."))
		return nil
	})
}

func cmdUsersPassword(a *app, ctx context.Context, args []string) error {
	fs := a.flags("users password")
	pwFile := fs.String("password-file", "", "비밀번호 파일 (file holding the password; - for stdin)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *pwFile == "" {
		return a.usagef("--password-file이 필요합니다", "--password-file is required")
	}
	password, err := a.readSecret(*pwFile)
	if err != nil {
		return err
	}
	return a.withAccount(ctx, pos[0], func(env *accountsEnv, acct *custodian.Account) error {
		if err := env.m.SetPassword(ctx, acct, password, "", a.cliActor(), "cli"); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, a.msg("비밀번호를 바꾸고 세션을 끝냈습니다.", "password set; sessions ended."))
		return nil
	})
}

func cmdPeopleDisable(a *app, ctx context.Context, args []string) error {
	fs := a.flags("people disable")
	reason := fs.String("reason", "", "사유: 전보, 퇴직 등 (reason: transfer, retirement, ...)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	env, err := a.openAccounts(ctx)
	if err != nil {
		return err
	}
	defer env.f()
	n, s, err := env.m.DisablePerson(ctx, pos[0], *reason, a.cliActor(), "cli")
	if err != nil {
		return err
	}
	if n == 0 {
		as, _ := env.db.AccountsOfPerson(ctx, pos[0])
		if len(as) == 0 {
			return custodian.Errorf(custodian.ENOTFOUND, "인물 %q에 연결된 계정이 없습니다", "no account is linked to person %q", pos[0])
		}
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("계정 %d개를 비활성화했습니다 (세션 %d개 종료).", n, s), fmt.Sprintf("disabled %d accounts (%d sessions ended).", n, s)))
	return nil
}

// syncPeople disables the accounts of people a new registry no longer lists.
func (a *app) syncPeople(ctx context.Context, db *sqlite.DB, reg *custodian.Registry) error {
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return err
	}
	m, err := newManager(d, db, a.now)
	if err != nil {
		return err
	}
	if m.Log, err = a.openAudit(db); err != nil {
		return err
	}
	defer m.Log.Close()
	n, s, err := m.SyncPeople(ctx, reg, a.cliActor(), "cli")
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("등록부에서 빠진 인물의 계정 %d개를 비활성화했습니다 (세션 %d개 종료).", n, s),
			fmt.Sprintf("disabled %d accounts of people no longer in the registry (%d sessions ended).", n, s)))
	}
	return nil
}

func init() {
	register(9, &command{name: "totp-code", args: "SECRET", ko: "OTP 비밀의 현재 코드를 출력합니다 (데모·시험용 인증 앱 대용)", en: "print the current code of an OTP secret (an authenticator app for demos and tests)", run: cmdTOTPCode})
}

// cmdTOTPCode prints the current TOTP code of a secret: what an authenticator app shows.
// It knows nothing the secret's holder doesn't.
func cmdTOTPCode(a *app, ctx context.Context, args []string) error {
	fs := a.flags("totp-code")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	code, err := auth.TOTPCode(strings.ReplaceAll(strings.ToUpper(pos[0]), " ", ""), a.now())
	if err != nil {
		return custodian.Errorf(custodian.EINVALID, "OTP 비밀이 올바르지 않습니다: %w", "the OTP secret is not valid: %w", err)
	}
	fmt.Fprintln(a.stdout, code)
	return nil
}

// withAccount opens the account store and runs fn on the account named username.
func (a *app) withAccount(ctx context.Context, username string, fn func(env *accountsEnv, acct *custodian.Account) error) error {
	env, err := a.openAccounts(ctx)
	if err != nil {
		return err
	}
	defer env.f()
	acct, err := env.account(ctx, username)
	if err != nil {
		return err
	}
	return fn(env, acct)
}
