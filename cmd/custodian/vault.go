package main

import (
	"context"
	"encoding/hex"
	"fmt"

	"strconv"
	"strings"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
	footagedoor "custodian/footage"
	"custodian/sqlite"
	"custodian/vault"
)

func init() {
	register(3,
		&command{name: "ingest-file", args: "--camera ID --start TIME FILE", ko: "MP4·MPEG-TS 파일(예: 기존 DVR에서 내보낸 영상)을 카메라의 영상으로 가져옵니다", en: "import an MP4 or MPEG-TS file (e.g. an old DVR's export) as a camera's footage", run: cmdIngestFile},
		&command{name: "clip", args: "--camera ID --from TIME --to TIME --purpose ID [--purpose-text TEXT] -o OUT.mp4", ko: "구간의 영상을 MP4 하나로 내보냅니다 (목적 필수, 기록됨)", en: "write one MP4 of a period (a purpose is required; logged)", run: cmdClip},
		&command{name: "footage list", args: "--camera ID [--from TIME] [--to TIME] [--json]", ko: "카메라의 세그먼트와 빈 구간", en: "a camera's segments and gaps", run: cmdFootageList},
		&command{name: "footage status", args: "[--json]", ko: "카메라별 저장 현황", en: "footage stored per camera", run: cmdFootageStatus},
		&command{name: "retention run", args: "[--dry-run] [--json]", ko: "보관기간이 지난 영상을 파기합니다 (키 파기 후 파일 삭제)", en: "destroy footage past its retention period (key, then files)", run: cmdRetentionRun},
		&command{name: "retention record", args: "[--from DATE] [--to DATE] [--json]", ko: "파기 기록", en: "the destruction record", run: cmdRetentionRecord},
		&command{name: "holds add", args: "--camera ID --from TIME --to TIME --reason TEXT [--until DATE]", ko: "영상 보존 조치 (보관기간이 지나도 파기하지 않음)", en: "place a legal hold (kept past its retention date)", run: cmdHoldsAdd},
		&command{name: "holds list", args: "[--all] [--json]", ko: "보존 조치 목록", en: "list the holds", run: cmdHoldsList},
		&command{name: "holds release", args: "ID", ko: "보존 조치를 해제합니다 (보관기간이 지난 영상은 파기)", en: "release a hold (footage past its date is destroyed)", run: cmdHoldsRelease},
		&command{name: "verify", args: "[--level presence|size|hash]", ko: "모든 세그먼트를 카탈로그와 대조합니다", en: "check every segment against the catalog", run: cmdVerify},
		&command{name: "keys rotate", ko: "마스터 키를 교체합니다 (영상 파일은 그대로)", en: "rotate the master key (footage untouched)", run: cmdKeysRotate},
	)
}

// auditor records the vault's events in the access log as the given actor.
type auditor struct {
	log    *auditlog.Log
	actor  string
	source string
}

func (x *auditor) Record(ctx context.Context, e vault.Event) error {
	_, err := x.log.Append(ctx, auditlog.Event{Actor: x.actor, Source: x.source, Action: e.Action, Camera: e.Camera, From: e.From, To: e.To,
		Object: e.Object, Purpose: e.Purpose, Result: e.Result, Detail: e.Detail})
	return err
}

// cliActor names the person at the terminal in the access log and the destruction record.
func (a *app) cliActor() string { return osActor() }

// footage is what the footage commands open: the database, the access log and the vault.
type footage struct {
	db    *sqlite.DB
	log   *auditlog.Log
	audit *auditor
	v     *vault.Vault
}

func (f *footage) Close() {
	if f.v != nil {
		f.v.Close()
	}
	if f.log != nil {
		f.log.Close()
	}
	if f.db != nil {
		f.db.Close()
	}
}

// openFootage opens the database, the access log and the vault. The vault runs recovery
// only when no other process has it open: beside a running `custodian serve`, a command
// leaves the segments being written alone.
func (a *app) openFootage(ctx context.Context) (*footage, error) {
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return nil, err
	}
	f := &footage{}
	if f.db, err = sqlite.Open(ctx, d.DBPath()); err != nil {
		return nil, err
	}
	a.warnDamaged(ctx, f.db)
	if f.log, err = a.openAudit(f.db); err != nil {
		f.Close()
		return nil, err
	}
	f.audit = &auditor{log: f.log, actor: a.cliActor(), source: "cli"}
	f.v, err = vault.Open(ctx, vault.Options{Data: d, Catalog: f.db, Audit: f.audit, Actor: a.cliActor(), Now: a.now})
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// policyOf returns the retention policy of the current registry: footage filed under a
// camera, or under a whole camera group, has the group's retention class.
func policyOf(reg *custodian.Registry) vault.Policy {
	x := reg.Index()
	return func(camera string) (string, custodian.Retention, bool) {
		g := x.FootageGroup(camera)
		if g == nil {
			return "", custodian.Retention{}, false
		}
		c := x.RetentionClass(g.RetentionClass)
		if c == nil {
			return "", custodian.Retention{}, false
		}
		return c.ID, custodian.RetentionOf(c), true
	}
}

// camera checks that id is a camera of the registry and returns its retention.
func (a *app) camera(ctx context.Context, db *sqlite.DB, id string) (string, custodian.Retention, error) {
	if id == "" {
		return "", custodian.Retention{}, a.usagef("--camera ID가 필요합니다 ('custodian cameras list')", "--camera ID is required (see 'custodian cameras list')")
	}
	reg, _, err := db.Registry(ctx)
	if err != nil {
		return "", custodian.Retention{}, err
	}
	class, ret, ok := policyOf(reg)(id)
	if !ok {
		return "", custodian.Retention{}, custodian.Errorf(custodian.ENOTFOUND, "등록 정보에 카메라 %q가 없습니다 ('custodian cameras list')", "no camera %q in the registry (see 'custodian cameras list')", id)
	}
	return class, ret, nil
}

// parseTime reads a time given as RFC 3339, as "YYYY-MM-DD HH:MM[:SS]" or
// "YYYY-MM-DDTHH:MM[:SS]" in KST, or as a KST date (its midnight).
func (a *app) parseTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, a.usagef("--%s TIME이 필요합니다 (예: 2026-11-22T09:30:00+09:00)", "--%s TIME is required (e.g. 2026-11-22T09:30:00+09:00)", flagName)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, custodian.KST); err == nil {
			return t, nil
		}
	}
	return time.Time{}, a.usagef("--%s: %q는 시각이 아닙니다 (RFC 3339, 'YYYY-MM-DD HH:MM' 한국 시각, 또는 YYYY-MM-DD)",
		"--%s: %q is not a time (RFC 3339, 'YYYY-MM-DD HH:MM' in KST, or YYYY-MM-DD)", flagName, s)
}

func kst(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(custodian.KST).Format("2006-01-02 15:04:05")
}

func cmdRetentionRun(a *app, ctx context.Context, args []string) error {
	fs := a.flags("retention run")
	dry := fs.Bool("dry-run", false, "무엇을 파기할지 보여 주기만 함 (show what would be destroyed)")
	asJSON := fs.Bool("json", false, "JSON으로 출력")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	reg, _, err := f.db.Registry(ctx)
	if err != nil {
		return err
	}
	rep, err := f.v.RunRetention(ctx, policyOf(reg), *dry)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(rep)
	}
	printDestructions(a, rep.Destroyed)
	verb := a.msg("파기했습니다", "destroyed")
	if *dry {
		verb = a.msg("파기할 예정입니다 (--dry-run: 아무것도 바꾸지 않음)", "would be destroyed (--dry-run: nothing changed)")
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("키 %d개, 세그먼트 %d개, %s를 %s. 보존 조치로 옮긴 세그먼트 %d개, 해제된 보존 조치 %d건, 보관기간이 바뀐 키 %d개.", len(rep.Destroyed), rep.Segments, custodian.ByteSize(rep.Bytes), verb, rep.Moved, len(rep.Released), rep.Rescheduled),
		fmt.Sprintf("%d keys, %d segments, %s %s; %d segments moved under holds, %d holds released, %d keys rescheduled.", len(rep.Destroyed), rep.Segments, custodian.ByteSize(rep.Bytes), verb, rep.Moved, len(rep.Released), rep.Rescheduled)))
	return nil
}

func printDestructions(a *app, ds []custodian.Destruction) {
	if len(ds) == 0 {
		return
	}
	t := &textTable{header: []string{a.msg("파기 일시", "AT"), a.msg("카메라", "CAMERA"), a.msg("촬영 기간", "PERIOD"), a.msg("세그먼트", "SEGMENTS"), a.msg("크기", "SIZE"), a.msg("처리자", "BY"), a.msg("사유", "REASON")}}
	for _, d := range ds {
		t.add(kst(d.At), d.Camera, kst(d.From)+" ~ "+kst(d.To), strconv.Itoa(d.Segments), custodian.ByteSize(d.Bytes), d.Actor, d.Reason)
	}
	t.write(a.stdout)
}

func cmdRetentionRecord(a *app, ctx context.Context, args []string) error {
	fs := a.flags("retention record")
	from := fs.String("from", "", "이날부터 (KST date or time)")
	to := fs.String("to", "", "이날 전까지 (KST date or time)")
	asJSON := fs.Bool("json", false, "JSON으로 출력")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	var f, t time.Time
	var err error
	if *from != "" {
		if f, err = a.parseTime("from", *from); err != nil {
			return err
		}
	}
	if *to != "" {
		if t, err = a.parseTime("to", *to); err != nil {
			return err
		}
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	ds, err := db.Destructions(ctx, f, t)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(jsonList(ds))
	}
	if len(ds) == 0 {
		fmt.Fprintln(a.stdout, a.msg("파기 기록이 없습니다", "no destructions recorded"))
		return nil
	}
	printDestructions(a, ds)
	fmt.Fprintln(a.stdout, a.msg("파기 방법: "+vault.DestructionMethod, "method: "+vault.DestructionMethod))
	return nil
}

func cmdHoldsAdd(a *app, ctx context.Context, args []string) error {
	fs := a.flags("holds add")
	camera := fs.String("camera", "", "카메라 ID")
	from := fs.String("from", "", "시작 시각")
	to := fs.String("to", "", "끝 시각")
	reason := fs.String("reason", "", "보존 사유 (예: 수사기관 요청 공문 번호)")
	until := fs.String("until", "", "보존 종료일 YYYY-MM-DD (이날까지 보존; 없으면 해제할 때까지)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	f0, err := a.parseTime("from", *from)
	if err != nil {
		return err
	}
	t0, err := a.parseTime("to", *to)
	if err != nil {
		return err
	}
	var u custodian.Date
	if *until != "" {
		if u, err = a.parseDate("until", *until); err != nil {
			return err
		}
	}
	if strings.TrimSpace(*reason) == "" {
		return a.usagef("--reason TEXT가 필요합니다", "--reason TEXT is required")
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, _, err := a.camera(ctx, f.db, *camera); err != nil {
		return err
	}
	h, err := f.v.AddHold(ctx, *camera, f0, t0, *reason, u, a.cliActor())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("보존 조치 %d: 카메라 %s, %s ~ %s, 세그먼트 %d개를 보존합니다", h.ID, h.Camera, kst(h.From), kst(h.To), h.Segments),
		fmt.Sprintf("hold %d: camera %s, %s – %s, %d segments held", h.ID, h.Camera, kst(h.From), kst(h.To), h.Segments)))
	return nil
}

func cmdHoldsList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("holds list")
	all := fs.Bool("all", false, "해제된 보존 조치도 (include released holds)")
	asJSON := fs.Bool("json", false, "JSON으로 출력")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	hs, err := db.Holds(ctx, *all)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(jsonList(hs))
	}
	if len(hs) == 0 {
		fmt.Fprintln(a.stdout, a.msg("보존 조치가 없습니다", "no holds"))
		return nil
	}
	t := &textTable{header: []string{"ID", a.msg("카메라", "CAMERA"), a.msg("기간", "PERIOD"), a.msg("세그먼트", "SEGMENTS"), a.msg("종료일", "UNTIL"), a.msg("사유", "REASON"), a.msg("상태", "STATUS")}}
	for _, h := range hs {
		status := a.msg("보존 중", "active")
		if !h.Active() {
			status = a.msg("해제 ", "released ") + kst(h.Released)
		}
		t.add(strconv.FormatInt(h.ID, 10), h.Camera, kst(h.From)+" ~ "+kst(h.To), strconv.Itoa(h.Segments), h.Until.String(), h.Reason, status)
	}
	t.write(a.stdout)
	return nil
}

func cmdHoldsRelease(a *app, ctx context.Context, args []string) error {
	fs := a.flags("holds release")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id < 1 {
		return a.usagef("보존 조치 ID %q는 양의 정수여야 합니다", "hold ID %q must be a positive integer", pos[0])
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := f.v.ReleaseHold(ctx, id, a.cliActor())
	if err != nil {
		return err
	}
	n := 0
	if d != nil {
		n = d.Segments
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("보존 조치 %d을(를) 해제했습니다; 보관기간이 지난 세그먼트 %d개를 파기했습니다", id, n),
		fmt.Sprintf("released hold %d; destroyed %d segments past their retention period", id, n)))
	return nil
}

// progress draws a progress bar on standard error.
type progress struct {
	a     *app
	label string
	last  time.Time
	shown bool
}

func (p *progress) update(done, total int64) {
	if time.Since(p.last) < 200*time.Millisecond && done != total {
		return
	}
	p.last = time.Now()
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	bar := strings.Repeat("#", int(pct/5)) + strings.Repeat(".", 20-int(pct/5))
	fmt.Fprintf(p.a.stderr, "\r%s [%s] %5.1f%%", p.label, bar, pct)
	p.shown = true
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintln(p.a.stderr)
	}
}

func cmdVerify(a *app, ctx context.Context, args []string) error {
	fs := a.flags("verify")
	level := fs.String("level", vault.LevelHash, "presence, size 또는 hash")
	asJSON := fs.Bool("json", false, "JSON으로 출력")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	switch *level {
	case vault.LevelPresence, vault.LevelSize, vault.LevelHash:
	default:
		return a.usagef("--level은 presence, size, hash 중 하나여야 합니다 (%q)", "--level must be presence, size or hash (%q)", *level)
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	p := &progress{a: a, label: a.msg("검사 중", "verifying")}
	rep, err := f.v.Verify(ctx, *level, p.update)
	p.done()
	if err != nil {
		return err
	}
	// The catalog against the access log: a segment added, replaced or removed behind
	// Custodian's back has no matching record there.
	cross, err := f.v.CrossCheck(ctx, func(ctx context.Context, since time.Time, fn func(vault.LoggedEvent) error) error {
		return auditlog.Scan(ctx, f.log.Dir(), auditlog.Filter{From: since, ActionPrefix: "segment."}, func(e auditlog.Event) error {
			return fn(vault.LoggedEvent{Seq: e.Seq, Action: e.Action, Object: e.Object, Detail: e.Detail})
		})
	})
	if err != nil {
		return err
	}
	rep.Problems = append(rep.Problems, cross...)
	if *asJSON {
		if err := a.printJSON(rep); err != nil {
			return err
		}
	} else {
		for _, pr := range rep.Problems {
			fmt.Fprintf(a.stdout, "%s: %s\n", pr.Path, a.msg(pr.Ko+" ("+pr.En+")", pr.En))
		}
	}
	if len(rep.Problems) > 0 {
		return custodian.Errorf(custodian.EINVALID, "문제 %d건 (세그먼트 %d개 검사, 수준 %s)", "%d problems (%d segments checked at level %s)", len(rep.Problems), rep.Segments, rep.Level)
	}
	if !*asJSON {
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("이상 없음: 세그먼트 %d개, %s (수준 %s)", rep.Segments, custodian.ByteSize(rep.Bytes), rep.Level),
			fmt.Sprintf("all good: %d segments, %s (level %s)", rep.Segments, custodian.ByteSize(rep.Bytes), rep.Level)))
	}
	return nil
}

func cmdKeysRotate(a *app, ctx context.Context, args []string) error {
	fs := a.flags("keys rotate")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	oldID, newID, n, err := f.v.RotateMasterKey(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("마스터 키를 교체했습니다: %s → %s (데이터 키 %d개 재암호화, 영상 파일은 그대로). 새 keys/master.key를 데이터와 따로 백업하고, keys/master.key.%s.retired는 보관하거나 파기하십시오.", oldID, newID, n, oldID),
		fmt.Sprintf("rotated the master key: %s → %s (%d data keys re-wrapped, footage untouched). Back up the new keys/master.key apart from the data; archive or destroy keys/master.key.%s.retired.", oldID, newID, n, oldID)))
	return nil
}

func cmdFootageStatus(a *app, ctx context.Context, args []string) error {
	fs := a.flags("footage status")
	asJSON := fs.Bool("json", false, "JSON으로 출력")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Storage(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(jsonList(rows))
	}
	t := &textTable{header: []string{a.msg("카메라", "CAMERA"), a.msg("보관 등급", "RETENTION"), a.msg("세그먼트", "SEGMENTS"), a.msg("크기", "SIZE"), a.msg("처음", "FIRST"), a.msg("마지막", "LAST")}}
	var total int64
	for _, r := range rows {
		t.add(r.Camera, r.RetentionClass, strconv.Itoa(r.Segments), custodian.ByteSize(r.Bytes), kst(r.First), kst(r.Last))
		total += r.Bytes
	}
	t.write(a.stdout)
	// Per retention class.
	type sum struct {
		segments int
		bytes    int64
	}
	var classes []string
	byClass := map[string]*sum{}
	for _, r := range rows {
		c := byClass[r.RetentionClass]
		if c == nil {
			c = &sum{}
			byClass[r.RetentionClass] = c
			classes = append(classes, r.RetentionClass)
		}
		c.segments += r.Segments
		c.bytes += r.Bytes
	}
	if len(classes) > 0 {
		fmt.Fprintln(a.stdout)
		ct := &textTable{header: []string{a.msg("보관 등급", "RETENTION CLASS"), a.msg("세그먼트", "SEGMENTS"), a.msg("크기", "SIZE")}}
		for _, c := range classes {
			ct.add(c, strconv.Itoa(byClass[c].segments), custodian.ByteSize(byClass[c].bytes))
		}
		ct.write(a.stdout)
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg("합계 "+custodian.ByteSize(total), "total "+custodian.ByteSize(total)))
	return nil
}

func cmdFootageList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("footage list")
	camera := fs.String("camera", "", "카메라 ID")
	from := fs.String("from", "", "시작 (기본: 하루 전)")
	to := fs.String("to", "", "끝 (기본: 지금)")
	asJSON := fs.Bool("json", false, "JSON으로 출력")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *camera == "" {
		return a.usagef("--camera ID가 필요합니다", "--camera ID is required")
	}
	t1 := a.now()
	if *to != "" {
		var err error
		if t1, err = a.parseTime("to", *to); err != nil {
			return err
		}
	}
	t0 := t1.Add(-24 * time.Hour)
	if *from != "" {
		var err error
		if t0, err = a.parseTime("from", *from); err != nil {
			return err
		}
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	segs, err := f.v.Find(ctx, *camera, t0, t1)
	if err != nil {
		return err
	}
	gaps, err := f.v.Gaps(ctx, *camera, t0, t1, 2*time.Second)
	if err != nil {
		return err
	}
	missing := map[string]bool{}
	for _, s := range f.v.Missing(segs) {
		missing[s.ID] = true
	}
	if *asJSON {
		ids := []string{}
		for _, s := range segs {
			if missing[s.ID] {
				ids = append(ids, s.ID)
			}
		}
		return a.printJSON(map[string]any{"segments": jsonList(segs), "gaps": jsonList(gaps), "missing": ids})
	}
	t := &textTable{header: []string{"ID", a.msg("시작", "START"), a.msg("끝", "END"), a.msg("크기", "SIZE"), "SHA-256", a.msg("기록 시각", "CREATED")}}
	for _, s := range segs {
		size := custodian.ByteSize(s.PlainSize)
		if missing[s.ID] {
			size = a.msg("파일 없음", "MISSING")
		}
		t.add(s.ID, kst(s.Start), kst(s.End), size, hex.EncodeToString(s.SHA256)[:16], kst(s.Created))
	}
	t.write(a.stdout)
	for _, g := range gaps {
		fmt.Fprintf(a.stdout, "%s %s ~ %s\n", a.msg("빈 구간", "gap"), kst(g.From), kst(g.To))
	}
	if len(missing) > 0 {
		fmt.Fprintf(a.stderr, "%s\n", a.msg(
			fmt.Sprintf("경고: 세그먼트 %d개의 파일이 없습니다 (Custodian 밖에서 삭제되었거나 옮겨짐); 빈 구간으로 표시했습니다. 'custodian verify'로 확인하고 백업에서 복원하십시오", len(missing)),
			fmt.Sprintf("warning: the files of %d segments are missing (deleted or moved outside Custodian); shown as gaps. Check with 'custodian verify' and restore them from a backup", len(missing))))
	}
	return nil
}

// door returns the one door to footage over this vault and access log
// (docs/design/footage-access.md): every clip or export the CLI writes is opened there.
func (f *footage) door(a *app) custodian.FootageDoor {
	return &footagedoor.Door{Vault: f.v, Log: f.log, Now: a.now}
}

// purpose checks a stated purpose (--purpose ID, --purpose-text TEXT) against the
// registry's purposes, as the console does (custodian.StatedPurpose).
func (f *footage) purpose(ctx context.Context, id, text string) (string, error) {
	reg, _, err := f.db.Registry(ctx)
	if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return "", err
	}
	var ps []custodian.Purpose
	if reg != nil {
		ps = reg.Purposes
	}
	return custodian.StatedPurpose(ps, id, text)
}
