// Command custodian runs an organisation's CCTV as its published operation & management
// policy (영상정보처리기기 운영·관리 방침) promises. Run `custodian help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"custodian"
	"custodian/datadir"
	"custodian/sqlite"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, now: time.Now, getenv: os.Getenv}
	// CUSTODIAN_CPUPROFILE=FILE writes a CPU profile of the whole run (for benchmarks and
	// performance reports; docs/BENCHMARKS.md).
	if p := os.Getenv("CUSTODIAN_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			code := a.run(ctx, os.Args[1:])
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	os.Exit(a.run(ctx, os.Args[1:]))
}

// app holds what every command shares: where the data is, the output streams, the clock.
type app struct {
	dataPath string
	lang     string // "ko" (default) or "en"
	stdout   io.Writer
	stderr   io.Writer
	stdin    io.Reader
	now      func() time.Time
	getenv   func(string) string
	// logRetention is how long the access log is kept (0: the default, two years).
	logRetention time.Duration
	// dbChecked is set once the database has been checked in this run (warnDamaged).
	dbChecked bool
}

// command is one subcommand. Its name may have two words ("policy render").
type command struct {
	name   string
	args   string
	ko, en string
	run    func(a *app, ctx context.Context, args []string) error
	group  int
}

// commands lists every subcommand; help shows them sorted by group. Each file that defines
// commands registers them from an init function.
var commands []*command

// register adds commands of a help group (0 general, 1 registry, 2 policy, 3 footage,
// 4 access log, 9 other).
func register(group int, cs ...*command) {
	for _, c := range cs {
		c.group = group
	}
	commands = append(commands, cs...)
	sort.SliceStable(commands, func(i, j int) bool { return commands[i].group < commands[j].group })
}

func init() {
	register(0, builtin[:3]...)
	register(1, builtin[3:9]...)
	register(2, builtin[9:14]...)
	register(9, builtin[14:]...)
}

var builtin = []*command{
	{name: "init", ko: "데이터 디렉터리를 만듭니다 (데이터베이스, 마스터 키, 서명 키)", en: "create the data directory (database, master key, signing key)", run: cmdInit},
	{name: "demo", args: "[--listen ADDR] [--example FILE]", ko: "예시 기관으로 데모를 시작합니다", en: "start the demo with an example organisation", run: cmdDemo},
	{name: "serve", args: "[--listen ADDR]", ko: "웹 서버를 시작합니다 (공개 포털: 방침과 안내판)", en: "start the web server (public portal: policy and signboards)", run: cmdServe},
	{name: "import", args: "FILE [--dry-run]", ko: "YAML 등록 정보를 가져옵니다 (전부 아니면 전무)", en: "import a registry YAML file (all or nothing)", run: cmdImport},
	{name: "export", args: "[-o FILE]", ko: "등록 정보를 YAML로 내보냅니다", en: "export the registry as YAML", run: cmdExport},
	{name: "validate", args: "FILE", ko: "YAML 등록 정보를 검사만 합니다", en: "check a registry YAML file without importing it", run: cmdValidate},
	{name: "sites list", args: "[--json]", ko: "사이트 목록", en: "list the sites", run: cmdSitesList},
	{name: "cameras list", args: "[--site ID] [--json]", ko: "카메라 그룹 목록", en: "list the camera groups", run: cmdCamerasList},
	{name: "people list", args: "[--json]", ko: "관리책임자·접근권한자 목록", en: "list the responsible people", run: cmdPeopleList},
	{name: "policy render", args: "[--format md|html|pdf] [--version N|draft|latest|current] [-o FILE]", ko: "운영·관리 방침을 출력합니다", en: "render the operation & management policy", run: cmdPolicyRender},
	{name: "policy publish", args: "--announce DATE --effective DATE [--reason TEXT] [--by NAME]", ko: "현재 등록 정보로 새 판을 공고합니다", en: "publish the current registry as a new version", run: cmdPolicyPublish},
	{name: "policy history", args: "[--json]", ko: "공고된 판의 이력", en: "list the published versions", run: cmdPolicyHistory},
	{name: "policy diff", args: "A B", ko: "두 판의 차이 (번호, draft, latest, current)", en: "show what changed between two versions", run: cmdPolicyDiff},
	{name: "signage", args: "--site ID [--format pdf|svg|html] [-o FILE]", ko: "사이트의 안내판을 출력합니다 (A4)", en: "render a site's signboard (A4)", run: cmdSignage},
	{name: "version", ko: "버전을 출력합니다", en: "print the version", run: cmdVersion},
}

const usageHead = `custodian — 영상정보처리기기 운영·관리 (CCTV custody under PIPA Article 25)

사용법 (usage): custodian [--data DIR] [--lang ko|en] COMMAND [ARGS]

  --data DIR   데이터 디렉터리 (data directory; env CUSTODIAN_DATA, default ./custodian-data)
  --lang L     메시지 언어 ko|en (message language; env CUSTODIAN_LANG, default ko)

명령 (commands):
`

func (a *app) usage(w io.Writer) {
	fmt.Fprint(w, usageHead)
	for _, c := range commands {
		desc := c.ko + " (" + c.en + ")"
		if a.lang == "en" {
			desc = c.en
		}
		fmt.Fprintf(w, "  %-16s %s\n  %-16s   %s\n", c.name, c.args, "", desc)
	}
	fmt.Fprint(w, "\n자세한 도움말 (help for a command): custodian COMMAND --help\n")
}

// usageError is a mistake in how a command was called; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func (a *app) usagef(ko, en string, args ...any) error {
	if a.lang == "en" {
		return &usageError{fmt.Sprintf(en, args...)}
	}
	return &usageError{fmt.Sprintf(ko, args...) + " (" + fmt.Sprintf(en, args...) + ")"}
}

// run runs the command line and returns the exit status.
func (a *app) run(ctx context.Context, args []string) int {
	a.dataPath = a.getenv(datadir.EnvVar)
	if a.dataPath == "" {
		a.dataPath = datadir.DefaultPath
	}
	a.lang = "ko"
	if l := a.getenv("CUSTODIAN_LANG"); l == "en" {
		a.lang = "en"
	}
	// Global flags before the command.
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		switch name {
		case "h", "help":
			a.usage(a.stdout)
			return 0
		case "version":
			return a.finish(cmdVersion(a, ctx, nil))
		case "data", "lang":
			if !hasValue {
				if len(args) < 2 {
					return a.finish(a.usagef("--%s에 값이 필요합니다", "--%s needs a value", name))
				}
				value, args = args[1], args[1:]
			}
			if name == "data" {
				a.dataPath = value
			} else if err := a.setLang(value); err != nil {
				return a.finish(err)
			}
			args = args[1:]
		default:
			return a.finish(a.usagef("알 수 없는 옵션 %s", "unknown option %s", args[0]))
		}
	}
	if len(args) == 0 {
		a.usage(a.stderr)
		return 2
	}
	if args[0] == "help" {
		a.usage(a.stdout)
		return 0
	}
	var cmd *command
	rest := args[1:]
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(words) == 1 && words[0] == args[0] {
			cmd = c
		}
		if len(words) == 2 && words[0] == args[0] && len(args) > 1 && words[1] == args[1] {
			cmd, rest = c, args[2:]
		}
	}
	if cmd == nil {
		var subs []string
		for _, c := range commands {
			if w := strings.Fields(c.name); len(w) == 2 && w[0] == args[0] {
				subs = append(subs, w[1])
			}
		}
		if len(subs) > 0 {
			return a.finish(a.usagef("%s 다음에 %s 중 하나가 필요합니다", "%s needs one of: %s", args[0], strings.Join(subs, ", ")))
		}
		return a.finish(a.usagef("알 수 없는 명령 %q; 'custodian help'를 보십시오", "unknown command %q; see 'custodian help'", args[0]))
	}
	return a.finish(cmd.run(a, ctx, rest))
}

func (a *app) setLang(l string) error {
	if l != "ko" && l != "en" {
		return a.usagef("--lang은 ko 또는 en이어야 합니다", "--lang must be ko or en")
	}
	a.lang = l
	return nil
}

// Exit statuses. Every error code (custodian.Codes) has one; docs/ARCHITECTURE.md and the
// README list them.
const (
	exitOK          = 0
	exitRefused     = 1   // invalid, not_found, conflict: the request was refused and nothing changed
	exitUsage       = 2   // the command was called wrongly
	exitDenied      = 3   // unauthorized
	exitTryLater    = 4   // rate_limited, unavailable: try again later
	exitInternal    = 5   // internal: a fault of the system (or of its disk, files, database)
	exitInterrupted = 130 // interrupted (Ctrl-C, SIGTERM)
)

// exitStatus maps an error code to the exit status.
func exitStatus(code string) int {
	switch code {
	case "":
		return exitOK
	case custodian.EINVALID, custodian.ENOTFOUND, custodian.ECONFLICT:
		return exitRefused
	case custodian.EUNAUTHORIZED:
		return exitDenied
	case custodian.ERATELIMIT, custodian.EUNAVAILABLE:
		return exitTryLater
	}
	return exitInternal
}

// finish prints err, if any, and returns the exit status: errors are decided here, in one
// place, from their codes (exitStatus).
func (a *app) finish(err error) int {
	if err == nil || errors.Is(err, errHelpShown) {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(a.stderr, "custodian: %s\n", ue.msg)
		return exitUsage
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(a.stderr, "custodian: %s\n", a.msg("중단되었습니다 (interrupted)", "interrupted"))
		return exitInterrupted
	}
	if d := a.damaged(err); d != nil {
		err = d
	}
	var ve *custodian.ValidationError
	if errors.As(err, &ve) {
		fmt.Fprintf(a.stderr, "custodian: %s\n", a.msg(fmt.Sprintf("%d개의 문제가 있어 아무것도 바꾸지 않았습니다", ve.Count()), fmt.Sprintf("%d problem(s); nothing was changed", ve.Count())))
		for _, p := range ve.Problems {
			if a.lang == "en" {
				p.Ko, p.En = p.En, ""
			}
			fmt.Fprintf(a.stderr, "  %s\n", p)
		}
		return exitStatus(custodian.EINVALID)
	}
	var ce *custodian.Error
	if errors.As(err, &ce) {
		fmt.Fprintf(a.stderr, "custodian: %s\n", a.msg(ce.Ko+" ("+ce.En+")", ce.En))
		return exitStatus(ce.Code)
	}
	fmt.Fprintf(a.stderr, "custodian: %v\n", err)
	return exitStatus(custodian.ErrorCode(err))
}

// osActor names who runs a command in the access log: "cli:" and the operating-system user
// of the process's real user ID, with the ID ("cli:kim(uid 1000)"), from the system's user
// database rather than $USER, which the caller sets. Without a user database entry it is
// "cli:uid 1000".
func osActor() string {
	uid := os.Getuid()
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		return fmt.Sprintf("cli:%s(uid %d)", u.Username, uid)
	}
	return fmt.Sprintf("cli:uid %d", uid)
}

// msg picks the message for the language: Korean by default, English with --lang en.
func (a *app) msg(ko, en string) string {
	if a.lang == "en" {
		return en
	}
	return ko
}

// flags returns a flag set for a command that also accepts --data and --lang.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("custodian "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.dataPath, "data", a.dataPath, "data directory")
	fs.Func("lang", "message language (ko|en)", a.setLang)
	return fs
}

// parse parses flags that may come before or after the positional arguments, and checks
// the number of positional arguments.
func (a *app) parse(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				a.commandHelp(fs)
				return nil, errHelpShown
			}
			return nil, a.usagef("%s: %v", "%s: %v", fs.Name(), err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		dashdash := len(args) > len(rest) && args[len(args)-len(rest)-1] == "--"
		if dashdash {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) < minPos || (maxPos >= 0 && len(pos) > maxPos) {
		return nil, a.usagef("%s: 인자 개수가 맞지 않습니다 (%d개)", "%s: wrong number of arguments (%d)", fs.Name(), len(pos))
	}
	return pos, nil
}

var errHelpShown = errors.New("help shown")

func (a *app) commandHelp(fs *flag.FlagSet) {
	name := strings.TrimPrefix(fs.Name(), "custodian ")
	for _, c := range commands {
		if c.name == name {
			fmt.Fprintf(a.stdout, "사용법 (usage): custodian %s %s\n  %s (%s)\n\n", c.name, c.args, c.ko, c.en)
		}
	}
	fs.SetOutput(a.stdout)
	fs.PrintDefaults()
}

// parseOpen parses a command's arguments and opens the database; the caller closes it.
func (a *app) parseOpen(ctx context.Context, fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, *sqlite.DB, error) {
	pos, err := a.parse(fs, args, minPos, maxPos)
	if err != nil {
		return nil, nil, err
	}
	db, err := a.openDB(ctx)
	return pos, db, err
}

// openDB opens the data directory and its database, warning if it is damaged (warnDamaged).
func (a *app) openDB(ctx context.Context) (*sqlite.DB, error) {
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		return nil, err
	}
	a.warnDamaged(ctx, db)
	return db, nil
}

// quickCheckLimit is the largest database every command checks at open (about 0.2 s of
// quick_check); serve checks one of up to serveCheckLimit before it starts (checkDB), a
// larger one beside recording.
const quickCheckLimit = 16 << 20

// warnDamaged checks a database of at most quickCheckLimit bytes and warns on stderr when it
// is damaged; the command goes on, so that what is still readable can be read (and exported)
// before the database is restored. A larger database is checked by serve at start and by
// any command that reads a damaged page (finish names the file then).
func (a *app) warnDamaged(ctx context.Context, db *sqlite.DB) {
	if a.dbChecked {
		return
	}
	a.dbChecked = true
	if st, err := os.Stat(db.Path()); err != nil || st.Size() > quickCheckLimit {
		return
	}
	if err := db.Check(ctx); err != nil {
		fmt.Fprintf(a.stderr, "custodian: %s: %s\n", a.msg("경고", "warning"), a.errText(err))
	}
}

// checkDB refuses to go on with a damaged database: serve runs it before it opens the vault,
// so that nothing is written into a damaged file.
func (a *app) checkDB(ctx context.Context) error {
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		return err
	}
	defer db.Close()
	a.dbChecked = true
	return db.Check(ctx)
}

// damaged returns the error that names the damaged database and what to do, when err comes
// from reading a damaged page, and nil otherwise.
func (a *app) damaged(err error) error {
	var ce *custodian.Error
	if errors.As(err, &ce) && strings.Contains(ce.En, "docs/OPERATIONS.md") {
		return nil // already says so
	}
	d, derr := datadir.Open(a.dataPath)
	if derr != nil {
		return nil
	}
	return sqlite.Damage(err, d.DBPath())
}

// errText is err's message in the language: Korean (English), or English with --lang en.
func (a *app) errText(err error) string {
	var ce *custodian.Error
	if errors.As(err, &ce) {
		return a.msg(ce.Ko+" ("+ce.En+")", ce.En)
	}
	return err.Error()
}

// output opens where a command writes: a file (written whole, then renamed into place, so
// a failed run leaves no half-written file) or standard output for "" and "-".
type output struct {
	w     io.Writer
	f     *os.File
	final string
	// mode is the file's mode: 0644 for what is published (the policy, signboards), 0600
	// for footage (exported clips).
	mode os.FileMode
}

func (a *app) create(path string, binary bool) (*output, error) {
	if path == "" || path == "-" {
		if binary {
			if f, ok := a.stdout.(*os.File); ok {
				if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
					return nil, a.usagef("이진 출력(PDF)을 터미널에 쓰지 않습니다; -o FILE을 쓰십시오", "refusing to write binary output (PDF) to a terminal; use -o FILE")
				}
			}
		}
		return &output{w: a.stdout}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "%s를 쓸 수 없습니다: %w", "cannot write %s: %w", path, err)
	}
	return &output{w: f, f: f, final: path, mode: 0o644}, nil
}

// commit finishes the output; with an error it removes the temporary file.
func (o *output) commit(err error) error {
	if o.f == nil {
		return err
	}
	if err != nil {
		o.f.Close()
		os.Remove(o.f.Name())
		return err
	}
	if err := o.f.Chmod(o.mode); err != nil {
		o.f.Close()
		os.Remove(o.f.Name())
		return err
	}
	if err := o.f.Close(); err != nil {
		os.Remove(o.f.Name())
		return err
	}
	return os.Rename(o.f.Name(), o.final)
}

func cmdVersion(a *app, ctx context.Context, args []string) error {
	fmt.Fprintf(a.stdout, "custodian %s (schema %d)\n", Version, sqlite.SchemaVersion())
	return nil
}
