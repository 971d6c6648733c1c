package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
	"custodian/sqlite"
)

// auditDir is the access log's directory inside the data directory.
const auditDir = "audit"

func init() {
	register(4,
		&command{name: "audit verify", args: "[--checkpoint FILE] [--witness FILE] [--json]", ko: "접근 기록의 해시 체인, 서명된 체크포인트, 데이터베이스의 표시를 검증합니다 (문제가 있으면 종료 상태 1)", en: "verify the access log's hash chain, signed checkpoints and the mark kept in the database (exit status 1 on problems)", run: cmdAuditVerify},
		&command{name: "audit checkpoints", args: "[--since N] [--json]", ko: "서명된 체크포인트를 출력합니다 (다른 곳에 보관하거나 외부 증인에게 보내기 위해)", en: "print the signed checkpoints (to ship them off the machine, or to an external witness)", run: cmdAuditCheckpoints},
		&command{name: "audit accept-loss", args: "--reason TEXT", ko: "끝부분이 삭제된 접근 기록을 다시 쓸 수 있게 합니다 (손실을 기록에 남김)", en: "let a log whose end was removed be written again (the loss is recorded in it)", run: cmdAuditAcceptLoss},
		&command{name: "audit log", args: "[--from T] [--to T] [--actor A] [--action X] [--camera C] [--json]", ko: "접근 기록을 봅니다", en: "show the access log", run: cmdAuditLog},
		&command{name: "audit review", args: "--month YYYY-MM [--hours HH:MM-HH:MM] [--holidays DATES] [--json]", ko: "접근 기록 월별 점검 (반출, 근무 시간 외 열람, 과다 열람, 거부된 시도)", en: "the monthly review of the access log (exports, off-hours access, unusual volume, denied attempts)", run: cmdAuditReview},
		&command{name: "audit export", args: "[-o FILE]", ko: "접근 기록 전체와 서명된 체크포인트를 JSON Lines로 내보냅니다", en: "export the whole access log and its signed checkpoints as JSON lines", run: cmdAuditExport},
		&command{name: "audit checkpoint", ko: "지금 서명된 체크포인트를 만들어 출력합니다 (로그와 다른 곳에 보관하십시오)", en: "sign a checkpoint now and print it (keep it apart from the log)", run: cmdAuditCheckpoint},
	)
}

// openAudit opens the access log (DATA/audit, created 0700 if missing) with the data
// directory's signing key and its mark kept in db (sqlite.AuditMarks): a log that ends
// before the last record written or the newest checkpoint signed is refused, and a tail
// cut while it is open stops it (docs/design/auditlog.md, "The mark"). The caller closes
// it.
func (a *app) openAudit(db *sqlite.DB) (*auditlog.Log, error) {
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return nil, err
	}
	key, err := d.SigningKey()
	if err != nil {
		return nil, err
	}
	return auditlog.Open(d.File(auditDir), key, a.auditOptions(db))
}

func (a *app) auditOptions(db *sqlite.DB) auditlog.Options {
	opt := auditlog.Options{Now: a.now, Retention: a.logRetention,
		Alarm: func(err error) { slog.Error("access log (접근 기록)", "err", err) }}
	if db != nil {
		opt.Marks = sqlite.AuditMarks{DB: db}
	}
	return opt
}

// auditMark reads the access log's mark from the database, if there is a database.
func (a *app) auditMark(ctx context.Context, d *datadir.Dir) (*auditlog.Mark, error) {
	if _, err := os.Stat(d.DBPath()); err != nil {
		return nil, nil
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	m, err := sqlite.AuditMarks{DB: db}.LoadMark(ctx)
	if err != nil || m.IsZero() {
		return nil, err
	}
	return &m, nil
}

// auditPath returns the access log's directory and whether it exists.
func (a *app) auditPath() (string, bool, error) {
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return "", false, err
	}
	dir := d.File(auditDir)
	_, err = os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return dir, false, nil
	}
	return dir, err == nil, err
}

// signingPublicKey reads keys/signing.pub, or derives the key from keys/signing.key.
func signingPublicKey(d *datadir.Dir) (ed25519.PublicKey, error) {
	if b, err := os.ReadFile(d.File(datadir.SigningPubFile)); err == nil {
		if blk, _ := pem.Decode(b); blk != nil && blk.Type == "PUBLIC KEY" {
			k, err := x509.ParsePKIXPublicKey(blk.Bytes)
			if pub, ok := k.(ed25519.PublicKey); err == nil && ok {
				return pub, nil
			}
		}
		return nil, custodian.Errorf(custodian.EINVALID, "공개 키 파일 %s의 형식이 올바르지 않습니다", "the public key file %s is malformed", d.File(datadir.SigningPubFile))
	}
	key, err := d.SigningKey()
	if err != nil {
		return nil, err
	}
	return key.Public().(ed25519.PublicKey), nil
}

func cmdAuditVerify(a *app, ctx context.Context, args []string) error {
	fs := a.flags("audit verify")
	cpFile := fs.String("checkpoint", "", "따로 보관한 체크포인트 파일 ('audit checkpoint'의 출력 또는 'audit export' 파일): 그 뒤로 로그가 잘리거나 고쳐 쓰였는지 검사 (checkpoints kept elsewhere: detects truncation and rewriting since)")
	witness := fs.String("witness", "", "외부 증인이 보관한 체크포인트 파일 ('audit checkpoints' 또는 /api/audit/checkpoints의 출력) (checkpoints an external witness kept: the output of 'audit checkpoints' or /api/audit/checkpoints)")
	asJSON := fs.Bool("json", false, "결과를 JSON으로 출력 (print the report as JSON)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return err
	}
	pub, err := signingPublicKey(d)
	if err != nil {
		return err
	}
	var opt auditlog.VerifyOptions
	for _, f := range []string{*cpFile, *witness} {
		if f != "" {
			cps, err := a.readCheckpoints(f)
			if err != nil {
				return err
			}
			opt.Against = append(opt.Against, cps...)
		}
	}
	if opt.Mark, err = a.auditMark(ctx, d); err != nil {
		return err
	}
	// Progress on standard error for logs over 64 MiB, every 10%.
	step := int64(-1)
	opt.Progress = func(done, total int64) {
		if total < 64<<20 {
			return
		}
		if s := done * 10 / total; s > step {
			step = s
			fmt.Fprintf(a.stderr, "%s %d%% (%d / %d MB)\n", a.msg("검증 중", "verifying"), s*10, done>>20, total>>20)
		}
	}
	rep, err := auditlog.Verify(ctx, d.File(auditDir), pub, opt)
	if err != nil {
		if custodian.ErrorCode(err) == custodian.ENOTFOUND {
			return custodian.Errorf(custodian.ENOTFOUND, "접근 기록이 없습니다 (%s): 아직 기록된 것이 없거나 삭제되었습니다",
				"there is no access log (%s): nothing has been recorded yet, or it was removed", d.File(auditDir))
		}
		return err
	}
	if *asJSON {
		if err := a.printJSON(rep); err != nil {
			return err
		}
	} else {
		a.printVerify(rep)
	}
	if !rep.OK() {
		return custodian.Errorf(custodian.ECONFLICT, "접근 기록에 문제가 %d개 있습니다: 변조되었거나 손상되었을 수 있습니다",
			"the access log has %d problem(s): it may have been tampered with or damaged", len(rep.Problems))
	}
	return nil
}

func (a *app) printVerify(rep *auditlog.Report) {
	span := ""
	if rep.LastSeq > 0 {
		span = fmt.Sprintf(" (%s %d–%d)", a.msg("일련번호", "seq"), rep.FirstSeq, rep.LastSeq)
	}
	status := a.msg("이상 없음", "no problems")
	if !rep.OK() {
		status = a.msg(fmt.Sprintf("문제 %d개", len(rep.Problems)), fmt.Sprintf("%d problem(s)", len(rep.Problems)))
	}
	fmt.Fprintln(a.stdout, a.msg(
		fmt.Sprintf("접근 기록 검증: 기록 %d건%s, 월 파일 %d개, 서명된 체크포인트 %d개 — %s", rep.Records, span, rep.Files, rep.Checkpoints, status),
		fmt.Sprintf("access log verified: %d records%s, %d month files, %d signed checkpoints — %s", rep.Records, span, rep.Files, rep.Checkpoints, status)))
	for _, p := range rep.Problems {
		msg := p.Ko + " (" + p.En + ")"
		if a.lang == "en" {
			msg = p.En
		}
		where := fmt.Sprintf("%s @%d", p.File, p.Offset)
		if p.Seq > 0 {
			where += fmt.Sprintf(" (seq %d)", p.Seq)
		}
		fmt.Fprintf(a.stdout, "  %s: %s\n", where, msg)
	}
	if rep.Mark > 0 && rep.OK() {
		fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("데이터베이스의 표시(일련번호 %d)에 이릅니다", rep.Mark),
			fmt.Sprintf("reaches the mark kept in the database (seq %d)", rep.Mark)))
	}
	if rep.Against > 0 {
		fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("따로 보관한 체크포인트 %d개와 일치합니다", rep.Against),
			fmt.Sprintf("matches %d checkpoint(s) kept elsewhere", rep.Against)))
	}
	if rep.Skipped > 0 {
		fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("보관 기간이 지나 삭제된 달의 체크포인트 %d개는 건너뛰었습니다", rep.Skipped),
			fmt.Sprintf("skipped %d checkpoint(s) of months removed after their retention", rep.Skipped)))
	}
	if rep.Last.Signature != nil {
		fmt.Fprintf(a.stdout, "%s: %s\n", a.msg("마지막 체크포인트", "last checkpoint"), rep.Last)
	}
	if rep.Unsigned > 0 {
		fmt.Fprintln(a.stdout, a.msg(
			fmt.Sprintf("마지막 체크포인트 이후의 기록 %d건은 아직 서명되지 않았습니다 (다음 체크포인트에서 서명됩니다)", rep.Unsigned),
			fmt.Sprintf("%d record(s) after the last checkpoint are not yet covered by a signature (the next checkpoint covers them)", rep.Unsigned)))
	}
}

// readCheckpoints reads the checkpoints in a file of checkpoint lines or an export (which
// may be large: only its checkpoint lines are kept).
func (a *app) readCheckpoints(path string) ([]auditlog.Checkpoint, error) {
	var r io.Reader = a.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, custodian.Errorf(custodian.ENOTFOUND, "파일 %s를 열 수 없습니다: %w", "cannot open %s: %w", path, err)
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReader(r)
	var keep []byte
	for {
		line, err := br.ReadBytes('\n')
		if bytes.Contains(line, []byte("custodian-audit-checkpoint-v1")) {
			keep = append(keep, line...)
			keep = append(keep, '\n')
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, custodian.Errorf(custodian.EINVALID, "%s를 읽을 수 없습니다: %w", "cannot read %s: %w", path, err)
		}
	}
	cps, err := auditlog.ParseCheckpoints(keep)
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "%s: 체크포인트를 읽을 수 없습니다: %w", "%s: cannot read the checkpoints: %w", path, err)
	}
	if len(cps) == 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "%s에 체크포인트가 없습니다", "%s holds no checkpoint", path)
	}
	return cps, nil
}

// parseAuditTime parses RFC 3339 or YYYY-MM-DD (KST). A date as an end (--to) means the
// end of that day.
func (a *app) parseAuditTime(flagName, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := custodian.ParseDate(s)
	if err != nil {
		return time.Time{}, a.usagef("--%s: 시각 %q는 RFC 3339(2026-11-22T10:00:00+09:00) 또는 YYYY-MM-DD(KST)여야 합니다",
			"--%s: the time %q must be RFC 3339 (2026-11-22T10:00:00+09:00) or YYYY-MM-DD (KST)", flagName, s)
	}
	if end {
		d = d.AddDays(1)
	}
	return d.Time(), nil
}

// cell makes free text safe for a terminal table: control characters become spaces.
func cell(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

const auditTimeLayout = "2006-01-02 15:04:05"

func period(from, to time.Time) string {
	if from.IsZero() && to.IsZero() {
		return ""
	}
	f, t := "", ""
	if !from.IsZero() {
		f = from.In(custodian.KST).Format("2006-01-02 15:04:05")
	}
	if !to.IsZero() {
		t = to.In(custodian.KST).Format("2006-01-02 15:04:05")
		if f != "" && f[:10] == t[:10] {
			t = t[11:]
		}
	}
	return f + "~" + t
}

func cmdAuditLog(a *app, ctx context.Context, args []string) error {
	fs := a.flags("audit log")
	from := fs.String("from", "", "이 시각부터 (from; RFC 3339 or YYYY-MM-DD, KST)")
	to := fs.String("to", "", "이 시각 전까지; 날짜는 그날 끝까지 (until; a date includes that day)")
	actor := fs.String("actor", "", "행위자 (actor)")
	action := fs.String("action", "", "행위; 'footage.*'처럼 끝에 *를 붙이면 앞부분 일치 (action; a trailing * matches a prefix)")
	camera := fs.String("camera", "", "카메라 (camera)")
	asJSON := fs.Bool("json", false, "JSON 배열로 출력 (print a JSON array)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	var f auditlog.Filter
	var err error
	if f.From, err = a.parseAuditTime("from", *from, false); err != nil {
		return err
	}
	if f.To, err = a.parseAuditTime("to", *to, true); err != nil {
		return err
	}
	f.Actor, f.Camera = *actor, *camera
	if p, ok := strings.CutSuffix(*action, "*"); ok {
		f.ActionPrefix = p
	} else {
		f.Action = *action
	}
	dir, exists, err := a.auditPath()
	if err != nil {
		return err
	}
	var t *textTable
	if !*asJSON {
		t = &textTable{header: []string{a.msg("일련번호", "SEQ"), a.msg("시각", "TIME"), a.msg("행위자", "ACTOR"), a.msg("출처", "SOURCE"),
			a.msg("행위", "ACTION"), a.msg("카메라", "CAMERA"), a.msg("영상 구간", "PERIOD"), a.msg("목적", "PURPOSE"), a.msg("결과", "RESULT"), a.msg("대상", "OBJECT")}}
	} else {
		fmt.Fprint(a.stdout, "[")
	}
	n := 0
	if exists {
		err = auditlog.Scan(ctx, dir, f, func(e auditlog.Event) error {
			n++
			if *asJSON {
				b, err := json.Marshal(e)
				if err != nil {
					return err
				}
				sep := ",\n  "
				if n == 1 {
					sep = "\n  "
				}
				_, err = fmt.Fprintf(a.stdout, "%s%s", sep, b)
				return err
			}
			t.add(strconv.FormatUint(e.Seq, 10), e.Time.In(custodian.KST).Format(auditTimeLayout), cell(e.Actor), cell(e.Source), cell(e.Action),
				cell(e.Camera), period(e.From, e.To), cell(e.Purpose), cell(e.Result), cell(e.Object))
			return nil
		})
		if err != nil {
			return err
		}
	}
	if *asJSON {
		if n > 0 {
			fmt.Fprint(a.stdout, "\n")
		}
		fmt.Fprintln(a.stdout, "]")
		return nil
	}
	if n == 0 {
		fmt.Fprintln(a.stdout, a.msg("해당하는 접근 기록이 없습니다", "no access log records match"))
		return nil
	}
	t.write(a.stdout)
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("%d건", n), fmt.Sprintf("%d records", n)))
	return nil
}

func cmdAuditReview(a *app, ctx context.Context, args []string) error {
	fs := a.flags("audit review")
	month := fs.String("month", "", "점검할 달 YYYY-MM (KST) (the month to review)")
	hours := fs.String("hours", "09:00-18:00", "평일 근무 시간 (working hours on weekdays, KST)")
	holidays := fs.String("holidays", "", "근무하지 않는 평일, 쉼표로 구분 (weekdays off, comma-separated YYYY-MM-DD)")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *month == "" {
		return a.usagef("--month YYYY-MM이 필요합니다", "--month YYYY-MM is required")
	}
	var opt auditlog.ReviewOptions
	start, end, ok := strings.Cut(*hours, "-")
	var err1, err2 error
	if ok {
		opt.DayStart, err1 = parseClock(start)
		opt.DayEnd, err2 = parseClock(end)
	}
	if !ok || err1 != nil || err2 != nil || opt.DayStart >= opt.DayEnd {
		return a.usagef("--hours는 09:00-18:00 형식이어야 합니다 (%q)", "--hours must look like 09:00-18:00 (%q)", *hours)
	}
	for _, s := range strings.Split(*holidays, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		d, err := a.parseDate("holidays", s)
		if err != nil {
			return err
		}
		opt.Holidays = append(opt.Holidays, d)
	}
	dir, exists, err := a.auditPath()
	if err != nil {
		return err
	}
	if !exists {
		return custodian.Errorf(custodian.ENOTFOUND, "접근 기록이 없습니다 (%s)", "there is no access log (%s)", dir)
	}
	rep, err := auditlog.Review(ctx, dir, *month, opt)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(rep)
	}
	a.printReview(rep)
	return nil
}

func parseClock(s string) (time.Duration, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("bad time of day %q", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

func (a *app) printReview(rep *auditlog.ReviewReport) {
	w := a.stdout
	fmt.Fprintln(w, a.msg(
		fmt.Sprintf("%s 접근 기록 월별 점검 — 기록 %d건 (근무 시간 %s, KST)", rep.Month, rep.Records, rep.WorkHours),
		fmt.Sprintf("%s access log review — %d records (working hours %s, KST)", rep.Month, rep.Records, rep.WorkHours)))
	entries := func(title string, es []auditlog.ReviewEntry, reason bool) {
		fmt.Fprintf(w, "\n%s: %d\n", title, len(es))
		if len(es) == 0 {
			return
		}
		head := []string{a.msg("일련번호", "SEQ"), a.msg("시각", "TIME"), a.msg("행위자", "ACTOR"), a.msg("행위", "ACTION"), a.msg("카메라", "CAMERA"),
			a.msg("영상 구간", "PERIOD"), a.msg("목적", "PURPOSE"), a.msg("결과", "RESULT")}
		if reason {
			head = append(head, a.msg("사유", "REASON"))
		}
		t := &textTable{header: head}
		for _, e := range es {
			row := []string{strconv.FormatUint(e.Seq, 10), e.Time.In(custodian.KST).Format(auditTimeLayout), cell(e.Actor), cell(e.Action),
				cell(e.Camera), period(e.From, e.To), cell(e.Purpose), cell(e.Result)}
			if reason {
				row = append(row, a.reason(e.Reason))
			}
			t.add(row...)
		}
		t.write(w)
	}
	entries(a.msg("영상 반출·내려받기 (footage.export, footage.download)", "exports and downloads"), rep.Exports, false)
	entries(a.msg("근무 시간 외 영상 열람 (야간·주말·휴일)", "footage access outside working hours"), rep.OffHours, true)
	entries(a.msg("열람 목적이 기록되지 않은 영상 열람", "footage access without a stated purpose"), rep.NoPurpose, false)
	entries(a.msg("거부된 시도", "denied attempts"), rep.Denied, false)

	fmt.Fprintf(w, "\n%s\n", a.msg(
		fmt.Sprintf("사용자별 영상 처리 건수: 중앙값 %g, %g건을 넘으면 과다로 표시", rep.VolumeMedian, rep.VolumeThreshold),
		fmt.Sprintf("footage actions per person: median %g, more than %g is flagged", rep.VolumeMedian, rep.VolumeThreshold)))
	if len(rep.Volume) > 0 {
		t := &textTable{header: []string{a.msg("행위자", "ACTOR"), a.msg("건수", "COUNT"), ""}}
		for _, v := range rep.Volume {
			flag := ""
			if v.Unusual {
				flag = a.msg("과다", "UNUSUAL")
			}
			t.add(cell(v.Actor), strconv.Itoa(v.Count), flag)
		}
		t.write(w)
	}
	fmt.Fprintf(w, "\n%s\n", a.msg("행위별 건수", "records per action"))
	if len(rep.Actions) > 0 {
		t := &textTable{header: []string{a.msg("행위", "ACTION"), a.msg("건수", "COUNT"), a.msg("거부", "DENIED"), a.msg("오류", "ERRORS")}}
		for _, c := range rep.Actions {
			t.add(cell(c.Action), strconv.Itoa(c.Count), strconv.Itoa(c.Denied), strconv.Itoa(c.Errors))
		}
		t.write(w)
	}
}

func (a *app) reason(r string) string {
	switch r {
	case auditlog.ReasonNight:
		return a.msg("야간", "night")
	case auditlog.ReasonWeekend:
		return a.msg("주말", "weekend")
	case auditlog.ReasonHoliday:
		return a.msg("휴일", "holiday")
	}
	return r
}

func cmdAuditExport(a *app, ctx context.Context, args []string) error {
	fs := a.flags("audit export")
	out := fs.String("o", "", "출력 파일 (output file; default stdout)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	// A fresh checkpoint first, so that the export's last line covers every record.
	l, closeDB, err := a.openAuditDB(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	_, err = l.Checkpoint(ctx)
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	dir, _, err := a.auditPath()
	if err != nil {
		return err
	}
	o, err := a.create(*out, false)
	if err != nil {
		return err
	}
	return o.commit(auditlog.Export(ctx, dir, o.w))
}

func cmdAuditCheckpoint(a *app, ctx context.Context, args []string) error {
	fs := a.flags("audit checkpoint")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	l, closeDB, err := a.openAuditDB(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	cp, err := l.Checkpoint(ctx)
	if cerr := l.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, cp)
	fmt.Fprintln(a.stderr, a.msg(
		fmt.Sprintf("일련번호 %d까지 서명했습니다. 이 줄을 로그와 다른 곳에 보관하면 'custodian audit verify --checkpoint FILE'로 그 뒤의 삭제·변조를 찾을 수 있습니다", cp.Seq),
		fmt.Sprintf("signed up to seq %d. Keep this line apart from the log: 'custodian audit verify --checkpoint FILE' then detects records removed or rewritten since", cp.Seq)))
	return nil
}

// openAuditDB opens the database and the access log with its mark; closeDB closes the
// database (after the log).
func (a *app) openAuditDB(ctx context.Context) (*auditlog.Log, func(), error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	l, err := a.openAudit(db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return l, func() { db.Close() }, nil
}

// cmdAuditCheckpoints prints the signed checkpoints after --since, one text line each
// (the file to ship off the machine), or with --json what GET /api/audit/checkpoints
// returns (auditlog.CheckpointList, with the public key).
func cmdAuditCheckpoints(a *app, ctx context.Context, args []string) error {
	fs := a.flags("audit checkpoints")
	since := fs.Uint64("since", 0, "이 일련번호 뒤의 체크포인트만 (only checkpoints after this seq)")
	asJSON := fs.Bool("json", false, "공개 키와 함께 JSON으로 출력 (print JSON with the public key)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return err
	}
	pub, err := signingPublicKey(d)
	if err != nil {
		return err
	}
	list, err := auditlog.ListCheckpoints(d.File(auditDir), pub, *since)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(list)
	}
	for _, c := range list.Checkpoints {
		fmt.Fprintln(a.stdout, c.Text)
	}
	return nil
}

func cmdAuditAcceptLoss(a *app, ctx context.Context, args []string) error {
	fs := a.flags("audit accept-loss")
	reason := fs.String("reason", "", "손실을 받아들이는 사유 (the reason; recorded in the log)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if strings.TrimSpace(*reason) == "" {
		return a.usagef("--reason TEXT가 필요합니다", "--reason TEXT is required")
	}
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return err
	}
	key, err := d.SigningKey()
	if err != nil {
		return err
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	e, err := auditlog.AcceptLoss(ctx, d.File(auditDir), key, a.auditOptions(db), a.cliActor(), strings.TrimSpace(*reason))
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("손실을 일련번호 %d의 기록(log.loss)으로 남겼습니다: %s", e.Seq, e.Detail),
		fmt.Sprintf("the loss is recorded as seq %d (log.loss): %s", e.Seq, e.Detail)))
	return nil
}
