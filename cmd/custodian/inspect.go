package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"custodian"
	"custodian/datadir"
	"custodian/recorder"
)

func init() {
	register(3,
		&command{name: "inspect", args: "[--by NAME] [--hours H] [--note TEXT] [--json]",
			ko: "카메라 정상작동 점검을 하고 점검 기록을 남깁니다", en: "inspect that every camera works and write the inspection record", run: cmdInspect},
		&command{name: "inspect list", args: "[--limit N] [--json]", ko: "정상작동 점검 기록", en: "list the inspection records", run: cmdInspectList},
	)
}

// cmdInspect checks every camera of the registry over the last hours: the recorder's state,
// how much of the period its footage covers, and that its newest segment decrypts and
// matches its hash; and stores the result in the append-only inspection record.
func cmdInspect(a *app, ctx context.Context, args []string) error {
	fs := a.flags("inspect")
	by := fs.String("by", "", "점검자 (inspector; default cli:$USER)")
	hours := fs.Int("hours", 24, "점검 기간, 최근 H시간 (the period: the last H hours)")
	note := fs.String("note", "", "비고 (note)")
	minCoverage := fs.Float64("min-coverage", 0.99, "정상으로 볼 최소 녹화율 (the least coverage that is normal)")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *hours < 1 || *hours > 24*31 {
		return a.usagef("--hours는 1에서 744 사이여야 합니다", "--hours must be between 1 and 744")
	}
	if *minCoverage < 0 || *minCoverage > 1 {
		return a.usagef("--min-coverage는 0에서 1 사이여야 합니다", "--min-coverage must be between 0 and 1")
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
	now := a.now()
	in := &custodian.Inspection{At: now, Inspector: *by, From: now.Add(-time.Duration(*hours) * time.Hour), To: now, Note: *note, Normal: true}
	if in.Inspector == "" {
		in.Inspector = a.cliActor()
	}
	states := map[string]string{}
	d, _ := datadir.Open(a.dataPath)
	// A stale report (the recorder's own rule, the one 'cameras status' warns by) says
	// nothing about now: its cameras count as not recorded.
	if rep, err := recorder.ReadStatus(d.File(StatusFile)); err == nil && !rep.Stale(now) {
		for _, s := range rep.Cameras {
			states[s.Camera] = s.State
		}
	}
	cams, groups := reg.Index().Cameras()
	if len(cams) == 0 {
		return custodian.Errorf(custodian.ENOTFOUND, "녹화하는 카메라가 없습니다 ('custodian cameras set-source')", "no recorded cameras (see 'custodian cameras set-source')")
	}
	for i, c := range cams {
		r := custodian.InspectionCamera{Camera: c.ID, Group: groups[i], Enabled: c.Enabled, State: states[c.ID]}
		problem := func(ko, en string) { r.Problems = append(r.Problems, ko+" ("+en+")") }
		gaps, err := f.v.Gaps(ctx, c.ID, in.From, in.To, 2*time.Second)
		if err != nil {
			return err
		}
		var missing time.Duration
		for _, g := range gaps {
			missing += g.To.Sub(g.From)
		}
		r.Gaps = len(gaps)
		r.Coverage = 1 - missing.Seconds()/in.To.Sub(in.From).Seconds()
		segs, err := f.v.Find(ctx, c.ID, in.From, in.To)
		if err != nil {
			return err
		}
		if len(segs) > 0 {
			last := segs[len(segs)-1]
			r.LastSegment = last.End
			ko, en := f.v.CheckSegment(ctx, last)
			r.Intact = ko == ""
			if !r.Intact {
				problem("최근 세그먼트 손상: "+ko, "newest segment damaged: "+en)
			}
		}
		if c.Enabled {
			switch {
			case r.State == "":
				problem("녹화기가 실행 중이 아님", "the recorder is not running")
			case r.State != recorder.StateRecording:
				problem("녹화 상태: "+r.State, "recorder state: "+r.State)
			}
			if r.Coverage < *minCoverage {
				problem(fmt.Sprintf("녹화율 %.1f%%, 끊김 %d곳", r.Coverage*100, r.Gaps), fmt.Sprintf("coverage %.1f%%, %d gaps", r.Coverage*100, r.Gaps))
			}
			if len(segs) == 0 {
				problem("기간 중 영상 없음", "no footage in the period")
			}
			r.Normal = len(r.Problems) == 0
			in.Normal = in.Normal && r.Normal
		}
		in.Cameras = append(in.Cameras, r)
	}
	if err := f.db.AddInspection(ctx, in); err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(in)
	}
	a.printInspection(in)
	return nil
}

func (a *app) printInspection(in *custodian.Inspection) {
	result := a.msg("정상", "normal")
	if !in.Normal {
		result = a.msg("이상 있음", "problems found")
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("정상작동 점검 #%d — %s, 점검자 %s, 기간 %s ~ %s: %s", in.ID, in.At.In(custodian.KST).Format("2006-01-02 15:04"), in.Inspector,
			in.From.In(custodian.KST).Format("01-02 15:04"), in.To.In(custodian.KST).Format("01-02 15:04"), result),
		fmt.Sprintf("inspection #%d — %s by %s, %s to %s: %s", in.ID, in.At.In(custodian.KST).Format("2006-01-02 15:04"), in.Inspector,
			in.From.In(custodian.KST).Format("01-02 15:04"), in.To.In(custodian.KST).Format("01-02 15:04"), result)))
	t := &textTable{header: []string{a.msg("카메라", "CAMERA"), a.msg("그룹", "GROUP"), a.msg("상태", "STATE"), a.msg("녹화율", "COVERAGE"),
		a.msg("끊김", "GAPS"), a.msg("무결성", "INTACT"), a.msg("판정", "RESULT"), a.msg("문제", "PROBLEMS")}}
	for _, c := range in.Cameras {
		verdict := a.msg("정상", "normal")
		switch {
		case !c.Enabled:
			verdict = a.msg("녹화 안 함", "not recorded")
		case !c.Normal:
			verdict = a.msg("이상", "problem")
		}
		intact := "-"
		if !c.LastSegment.IsZero() {
			intact = map[bool]string{true: "OK", false: "X"}[c.Intact]
		}
		t.add(c.Camera, c.Group, a.stateText(c.State), fmt.Sprintf("%.1f%%", c.Coverage*100), fmt.Sprint(c.Gaps), intact, verdict, strings.Join(c.Problems, "; "))
	}
	t.write(a.stdout)
}

func cmdInspectList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("inspect list")
	limit := fs.Int("limit", 20, "최대 개수 (at most this many)")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.Inspections(ctx, max(*limit, 1))
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(jsonList(list))
	}
	t := &textTable{header: []string{"#", a.msg("일시", "TIME"), a.msg("점검자", "INSPECTOR"), a.msg("카메라", "CAMERAS"), a.msg("결과", "RESULT"), a.msg("비고", "NOTE")}}
	for _, in := range list {
		t.add(fmt.Sprint(in.ID), in.At.In(custodian.KST).Format("2006-01-02 15:04"), in.Inspector, fmt.Sprint(len(in.Cameras)),
			map[bool]string{true: a.msg("정상", "normal"), false: a.msg("이상 있음", "problems found")}[in.Normal], in.Note)
	}
	t.write(a.stdout)
	return nil
}
