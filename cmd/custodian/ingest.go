package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/ffmpeg"
	"custodian/vault"
)

func cmdIngestFile(a *app, ctx context.Context, args []string) error {
	fs := a.flags("ingest-file")
	camera := fs.String("camera", "", "카메라 ID ('custodian cameras list')")
	start := fs.String("start", "", "파일의 첫 프레임이 촬영된 시각 (RFC 3339, 예: 2026-11-20T09:00:00+09:00)")
	segment := fs.Duration("segment", vault.DefaultSegmentDuration, "세그먼트 길이 (keyframes permitting)")
	partial := fs.Bool("partial", false, "파일이 말하는 길이보다 짧게 읽혀도 (손상·잘림) 읽히는 만큼 가져옵니다 (import what can be read of a damaged or cut file)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	t0, err := a.parseTime("start", *start)
	if err != nil {
		return err
	}
	file := pos[0]
	st, err := os.Stat(file)
	if err != nil {
		return custodian.Errorf(custodian.ENOTFOUND, "파일 %s를 열 수 없습니다: %w", "cannot open %s: %w", file, err)
	}
	if !st.Mode().IsRegular() {
		return custodian.Errorf(custodian.EINVALID, "%s는 일반 파일이 아닙니다", "%s is not a regular file", file)
	}
	if err := ffmpeg.Check(); err != nil {
		return err
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	class, ret, err := a.camera(ctx, f.db, *camera)
	if err != nil {
		return err
	}
	probe, err := ffmpeg.Probe(ctx, file)
	if err != nil {
		return err
	}
	// Pass 1: read the whole stream, storing nothing, so that a bad file changes nothing.
	pipe, err := ffmpeg.Fragmented(ctx, file)
	if err != nil {
		return err
	}
	info, err := vault.CheckStream(pipe)
	if cerr := pipe.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return custodian.Errorf(custodian.EINVALID, "%s를 가져올 수 없습니다 (아무것도 저장하지 않았습니다): %w", "cannot import %s (nothing was stored): %w", file, err)
	}
	// A damaged or cut file decodes to less than its container states: refuse it unless
	// --partial, and always say how much was read.
	stated := probe.Duration
	if probe.Video != nil && probe.Video.Duration > 0 {
		stated = probe.Video.Duration
	}
	short := stated > 0 && stated-info.Duration > shortfallTolerance(stated)
	amount := a.importedAmount(info.Duration, stated)
	if short && !*partial {
		return custodian.Errorf(custodian.EINVALID,
			"%[1]s는 손상되었거나 잘렸습니다: %[2]s만 읽을 수 있습니다. 아무것도 저장하지 않았습니다; 읽히는 만큼이라도 가져오려면 --partial을 쓰십시오",
			"%[1]s is damaged or cut: only %[3]s can be read. Nothing was stored; to import what can be read, use --partial",
			file, amount[0], amount[1])
	}
	if short {
		fmt.Fprintf(a.stderr, "custodian: %s\n", a.msg("경고: 파일이 손상되었거나 잘려 일부만 가져옵니다: "+amount[0], "warning: the file is damaged or cut; importing part of it: "+amount[1]))
	}
	t1 := t0.Add(info.Duration)
	if existing, err := f.v.Find(ctx, *camera, t0, t1); err != nil {
		return err
	} else if len(existing) > 0 {
		return custodian.Errorf(custodian.ECONFLICT,
			"카메라 %[1]s에는 %[2]s ~ %[3]s 사이에 이미 영상이 있습니다 (세그먼트 %[4]d개); 겹치는 영상은 가져오지 않습니다",
			"camera %[1]s already has footage between %[2]s and %[3]s (%[4]d segments); overlapping footage is not imported", *camera, kst(t0), kst(t1), len(existing))
	}
	if exp := ret.Expires(custodian.DateOf(t0)); !exp.After(a.now()) {
		return custodian.Errorf(custodian.EINVALID, "%[1]s에 촬영된 영상은 보관기간이 %[2]s에 끝났으므로 가져올 수 없습니다", "footage filmed on %[1]s cannot be imported: its retention period ended at %[2]s", custodian.DateOf(t0), kst(exp))
	}
	if probe.HasAudio {
		fmt.Fprintln(a.stderr, a.msg("알림: 파일의 음성은 가져오지 않습니다 (개인정보 보호법 제25조 제5항)", "note: the file's audio is not imported (PIPA Art. 25(5))"))
	}
	// Pass 2: store.
	if pipe, err = ffmpeg.Fragmented(ctx, file); err != nil {
		return err
	}
	p := &progress{a: a, label: a.msg("가져오는 중", "importing")}
	total := info.Duration
	segs, err := f.v.ImportStream(ctx, pipe, vault.ImportOptions{Camera: *camera, Start: t0, Class: class, Retention: ret, Target: *segment,
		Progress: func(d time.Duration) { p.update(int64(d), int64(total)) }})
	if cerr := pipe.Close(); err == nil && cerr != nil {
		err = cerr
	}
	p.done()
	if err != nil {
		return err
	}
	var bytes int64
	for _, s := range segs {
		bytes += s.PlainSize
	}
	detail := fmt.Sprintf("segments=%d bytes=%d codec=%s duration=%.3fs", len(segs), bytes, info.Codec, info.Duration.Seconds())
	if stated > 0 {
		detail += fmt.Sprintf(" stated=%.3fs", stated.Seconds())
	}
	if short {
		detail += " partial=true"
	}
	if _, err := f.log.Append(ctx, auditlog.Event{Actor: a.cliActor(), Source: "cli", Action: "footage.import", Camera: *camera, From: t0, To: segs[len(segs)-1].End,
		Object: filepath.Base(file), Result: auditlog.ResultOK, Detail: detail}); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("가져왔습니다: 카메라 %s, %s ~ %s (%s), 세그먼트 %d개, %s (%s %dx%d, 음성 제외, 재인코딩 없음)", *camera, kst(t0), kst(segs[len(segs)-1].End), amount[0], len(segs), custodian.ByteSize(bytes), info.Codec, info.Width, info.Height),
		fmt.Sprintf("imported: camera %s, %s – %s (%s), %d segments, %s (%s %dx%d, no audio, not re-encoded)", *camera, kst(t0), kst(segs[len(segs)-1].End), amount[1], len(segs), custodian.ByteSize(bytes), info.Codec, info.Width, info.Height)))
	return nil
}

// shortfallTolerance is how much shorter than its stated duration a file may read without
// being called damaged: the last frame's length and rounding (half a second, or 1%).
func shortfallTolerance(stated time.Duration) time.Duration {
	return max(500*time.Millisecond, stated/100)
}

// importedAmount says, in Korean and English, how much of a file was read: "18.0 s of the
// 79.5 s the file states (23%)", or just "79.5 s" when the file states no duration.
func (a *app) importedAmount(read, stated time.Duration) [2]string {
	if stated <= 0 {
		s := fmt.Sprintf("%.1f초", read.Seconds())
		return [2]string{s, fmt.Sprintf("%.1f s", read.Seconds())}
	}
	pct := int(100 * read.Seconds() / stated.Seconds())
	return [2]string{
		fmt.Sprintf("파일이 말하는 %.1f초 중 %.1f초 (%d%%)", stated.Seconds(), read.Seconds(), pct),
		fmt.Sprintf("%.1f s of the %.1f s the file states (%d%%)", read.Seconds(), stated.Seconds(), pct),
	}
}

func cmdClip(a *app, ctx context.Context, args []string) error {
	fs := a.flags("clip")
	camera := fs.String("camera", "", "카메라 ID")
	from := fs.String("from", "", "시작 시각")
	to := fs.String("to", "", "끝 시각")
	purpose := fs.String("purpose", "", "열람·반출 목적: 등록부의 목적 ID 또는 other (필수; 접근 기록에 남음)")
	purposeText := fs.String("purpose-text", "", "목적 설명 (other이면 필수)")
	out := fs.String("o", "", "출력 MP4 파일 (output file)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if strings.TrimSpace(*purpose) == "" {
		return a.usagef("--purpose ID가 필요합니다: 등록부의 목적 ID나 other(--purpose-text와 함께). 영상을 열 때마다 목적을 기록합니다 (개인정보 보호법 시행령 제30조)",
			"--purpose ID is required: a purpose ID of the registry, or other (with --purpose-text); every opening of footage records its purpose")
	}
	if *camera == "" {
		return a.usagef("--camera ID가 필요합니다", "--camera ID is required")
	}
	if *out == "" || *out == "-" {
		return a.usagef("-o OUT.mp4(파일)가 필요합니다", "-o OUT.mp4 (a file) is required")
	}
	t0, err := a.parseTime("from", *from)
	if err != nil {
		return err
	}
	t1, err := a.parseTime("to", *to)
	if err != nil {
		return err
	}
	if !t1.After(t0) {
		return a.usagef("--to는 --from보다 뒤여야 합니다", "--to must be after --from")
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	stated, err := f.purpose(ctx, *purpose, *purposeText)
	if err != nil {
		return err
	}
	// The clip is opened through the door, which logs it before anything is read; it is
	// written to a temporary file and put in place only when whole.
	o, err := a.create(*out, true)
	if err != nil {
		return err
	}
	o.mode = 0o600 // footage: readable by its owner only
	op, err := f.door(a).Open(ctx, custodian.FootageAccess{Actor: a.cliActor(), Source: "cli", Use: custodian.UseExport, Cameras: []string{*camera},
		From: t0, To: t1, Purpose: stated, Object: filepath.Base(*out)})
	if err != nil {
		o.commit(err)
		return err
	}
	info, err := op.Reader.Clip(ctx, o.w, *camera, t0, t1)
	if err := o.commit(err); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("%s: %s ~ %s, 세그먼트 %d개, %s (%s, 재인코딩 없음). 반출 기록: 목적 %q", *out, kst(info.From), kst(info.To), info.Segments, custodian.ByteSize(info.Bytes), info.Codec, stated),
		fmt.Sprintf("%s: %s – %s, %d segments, %s (%s, not re-encoded); logged with purpose %q", *out, kst(info.From), kst(info.To), info.Segments, custodian.ByteSize(info.Bytes), info.Codec, stated)))
	return nil
}
