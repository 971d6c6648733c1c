package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian/auditlog"
	"custodian/sqlite"
)

// app returns an app like the one c.run uses, for calling helpers directly.
func (c *cli) app() *app {
	return &app{dataPath: c.data, lang: "ko", stdout: io.Discard, stderr: io.Discard, stdin: strings.NewReader(""),
		now: func() time.Time { return c.now }, getenv: func(string) string { return "" }}
}

func TestAuditCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	// The access log starts with the creation of the data directory, and verifies.
	if out := c.ok("audit", "log"); !strings.Contains(out, "custodian.init") {
		t.Fatalf("fresh log: %s", out)
	}
	c.ok("audit", "verify")
	// The log removed: verify fails, naming the records the database's mark says were
	// written (issue 11, item 9: it used to say "0 records, no problems" once the month
	// files and checkpoints.log were gone); commands that write the log refuse it.
	os.RemoveAll(filepath.Join(c.data, "audit"))
	if code, out, errs := c.run("audit", "verify"); code != 1 || !strings.Contains(out, "seq 1–1 are missing") || !strings.Contains(errs, "문제가 1개") {
		t.Fatalf("verify without a log: %d %s %s", code, out, errs)
	}
	if code, _, errs := c.run("audit", "checkpoint"); code == 0 || !strings.Contains(errs, "accept-loss") {
		t.Fatalf("checkpoint without a log: %d %s", code, errs)
	}
	// Without the log and without its mark (a data directory from before the mark),
	// verify cannot vouch for what is missing.
	db, err := sqlite.Open(t.Context(), filepath.Join(c.data, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`DELETE FROM auditlog_mark`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.RemoveAll(filepath.Join(c.data, "audit")) // the refused checkpoint left an empty directory
	if code, _, errs := c.run("audit", "verify"); code != 1 || !strings.Contains(errs, "접근 기록이 없습니다") {
		t.Fatalf("verify without a log: %d %s", code, errs)
	}

	l, err := c.app().openAudit(nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(c.data, "audit")); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("the audit directory: %v %v", st, err)
	}
	from, to := c.now.Add(-26*time.Hour), c.now.Add(-25*time.Hour) // Saturday 08:00–09:00
	ctx := t.Context()
	for _, e := range []auditlog.Event{
		{Actor: "kim", Source: "10.0.0.5", Action: auditlog.ActionPlayback, Camera: "ulsan-lobby-1f", From: from, To: to, Purpose: "분실물 확인"},
		{Actor: "lee", Source: "cli", Action: auditlog.ActionExport, Camera: "ulsan-lobby-1f", From: from, To: to, Purpose: "경찰 수사 협조", Object: "clip.mp4"},
		{Actor: "guest", Source: "10.0.0.9", Action: auditlog.ActionPlayback, Camera: "ulsan-parking", Purpose: "궁금해서", Result: auditlog.ResultDenied},
		{Actor: "system:recorder", Action: auditlog.ActionSegmentCreate, Camera: "ulsan-parking", Object: "seg-1", Detail: "sha256=ab size=3\x1b[31m"},
	} {
		if _, err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	out := c.ok("audit", "log")
	for _, want := range []string{"일련번호", "kim", "footage.playback", "2026-11-22 10:00:00", "분실물 확인", "2026-11-21 08:00:00~09:00:00", "4건"} {
		if !strings.Contains(out, want) {
			t.Fatalf("audit log lacks %q:\n%s", want, out)
		}
	}
	var evs []auditlog.Event
	if err := json.Unmarshal([]byte(c.ok("audit", "log", "--json")), &evs); err != nil || len(evs) != 4 || evs[3].Detail != "sha256=ab size=3\x1b[31m" {
		t.Fatalf("--json: %v %+v", err, evs)
	}
	if out := c.ok("audit", "log", "--actor", "lee"); !strings.Contains(out, "clip.mp4") || strings.Contains(out, "kim") {
		t.Fatalf("--actor: %s", out)
	}
	if out := c.ok("audit", "log", "--action", "footage.*", "--camera", "ulsan-lobby-1f"); !strings.Contains(out, "2건") {
		t.Fatalf("--action footage.* --camera: %s", out)
	}
	if out := c.ok("audit", "log", "--from", "2026-11-22", "--to", "2026-11-22"); !strings.Contains(out, "4건") {
		t.Fatalf("a day: %s", out)
	}
	if out := c.ok("audit", "log", "--from", "2026-11-22T10:00:01+09:00"); !strings.Contains(out, "없습니다") {
		t.Fatalf("after: %s", out)
	}
	if code, _, errs := c.run("audit", "log", "--from", "yesterday"); code != 2 || !strings.Contains(errs, "RFC 3339") {
		t.Fatalf("bad time: %d %s", code, errs)
	}
	if out := c.ok("audit", "log"); strings.Contains(out, "\x1b") {
		t.Fatal("a control character reached the terminal")
	}

	out = c.ok("audit", "verify")
	if !strings.Contains(out, "기록 4건") || !strings.Contains(out, "이상 없음") || !strings.Contains(out, "custodian-audit-checkpoint-v1 4 ") {
		t.Fatalf("verify: %s", out)
	}

	var rev auditlog.ReviewReport
	if err := json.Unmarshal([]byte(c.ok("audit", "review", "--month", "2026-11", "--json")), &rev); err != nil {
		t.Fatal(err)
	}
	// 22 November 2026 is a Sunday: every footage access is off hours.
	if rev.Records != 4 || len(rev.Exports) != 1 || rev.Exports[0].Actor != "lee" || len(rev.OffHours) != 3 || len(rev.Denied) != 1 {
		t.Fatalf("review: %+v", rev)
	}
	out = c.ok("audit", "review", "--month", "2026-11", "--hours", "08:00-20:00")
	for _, want := range []string{"2026-11 접근 기록 월별 점검", "08:00-20:00", "영상 반출·내려받기", "경찰 수사 협조", "주말", "거부된 시도", "궁금해서", "행위별 건수"} {
		if !strings.Contains(out, want) {
			t.Fatalf("review lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := c.run("audit", "review"); code != 2 {
		t.Fatal("review without --month")
	}
	if code, _, _ := c.run("audit", "review", "--month", "2026-11", "--hours", "18-9"); code != 2 {
		t.Fatal("review with bad hours")
	}

	// checkpoint: one line, which verify --checkpoint accepts.
	line := strings.TrimSpace(c.ok("audit", "checkpoint"))
	var cp auditlog.Checkpoint
	if err := cp.UnmarshalText([]byte(line)); err != nil || cp.Seq != 4 {
		t.Fatalf("checkpoint %q: %v", line, err)
	}
	cpFile := filepath.Join(t.TempDir(), "kept.txt")
	os.WriteFile(cpFile, []byte(line+"\n"), 0o644)
	if out := c.ok("audit", "verify", "--checkpoint", cpFile); !strings.Contains(out, "따로 보관한 체크포인트 1개와 일치합니다") {
		t.Fatalf("verify --checkpoint: %s", out)
	}

	// export: JSON lines, records then checkpoints, the last the newest; -o writes the same.
	exported := c.ok("audit", "export")
	lines := strings.Split(strings.TrimSpace(exported), "\n")
	if len(lines) < 6 || !strings.Contains(lines[0], `"type":"record"`) || !strings.Contains(lines[len(lines)-1], `"type":"checkpoint"`) {
		t.Fatalf("export:\n%s", exported)
	}
	expFile := filepath.Join(t.TempDir(), "audit.jsonl")
	c.ok("audit", "export", "-o", expFile)
	if b, _ := os.ReadFile(expFile); !bytes.Equal(b, []byte(exported)) {
		// Another checkpoint was signed for the second export; the records are the same.
		if !bytes.HasPrefix(b, []byte(strings.Join(lines[:4], "\n"))) {
			t.Fatalf("export -o differs:\n%s", b)
		}
	}
	if out := c.ok("audit", "verify", "--checkpoint", expFile); !strings.Contains(out, "이상 없음") {
		t.Fatalf("verify against an export: %s", out)
	}

	// English.
	if out := c.ok("--lang", "en", "audit", "verify"); !strings.Contains(out, "no problems") {
		t.Fatalf("English verify: %s", out)
	}

	// A flipped byte in the month file: exit 1, naming the file and the record.
	month := filepath.Join(c.data, "audit", "2026-11.log")
	b, _ := os.ReadFile(month)
	i := bytes.Index(b, []byte("lee"))
	b[i] = 'L'
	os.WriteFile(month, b, 0o600)
	code, out, errs := c.run("audit", "verify")
	if code != 1 || !strings.Contains(out, "2026-11.log @") || !strings.Contains(out, "(seq 2)") || !strings.Contains(errs, "문제가 1개") {
		t.Fatalf("verify after a flipped byte: %d\n%s%s", code, out, errs)
	}
	b[i] = 'l'
	os.WriteFile(month, b, 0o600)
	c.ok("audit", "verify")

	// The last record cut off together with the checkpoints that name it: the mark in
	// the database shows it (before the mark, verify said "no problems"), and so does the
	// kept checkpoint.
	cut := lastFrameStart(t, b)
	os.WriteFile(month, b[:cut], 0o600)
	cps := filepath.Join(c.data, "audit", auditlog.CheckpointsFile)
	os.WriteFile(cps, nil, 0o600)
	code, out, _ = c.run("audit", "verify")
	if code != 1 || !strings.Contains(out, "seq 4–4 are missing") {
		t.Fatalf("verify after truncation: %d\n%s", code, out)
	}
	code, out, _ = c.run("audit", "verify", "--checkpoint", cpFile)
	if code != 1 || !strings.Contains(out, "(seq 4)") || !strings.Contains(out, "삭제되었습니다") {
		t.Fatalf("verify --checkpoint after truncation: %d\n%s", code, out)
	}
}

// lastFrameStart finds where the last record of a month file begins by walking the
// frame lengths (a 64-byte header; frames of 4 + n + 36 bytes, n in the low 24 bits).
func lastFrameStart(t *testing.T, b []byte) int {
	off, last := 64, -1
	for off+4 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[off:]) & 0xFFFFFF)
		last = off
		off += 4 + n + 36
	}
	if last < 0 || off != len(b) {
		t.Fatalf("cannot walk the frames (%d of %d)", off, len(b))
	}
	return last
}

func TestAuditUsage(t *testing.T) {
	c := newCLI(t)
	out := c.ok("help")
	for _, cmd := range []string{"audit verify", "audit log", "audit review", "audit export", "audit checkpoint"} {
		if !strings.Contains(out, cmd) {
			t.Fatalf("help lacks %s", cmd)
		}
	}
	if code, _, errs := c.run("audit"); code != 2 || !strings.Contains(errs, "verify") {
		t.Fatalf("audit alone: %d %s", code, errs)
	}
	if code, _, errs := c.run("audit", "log"); code != 1 || !strings.Contains(errs, "custodian init") {
		t.Fatalf("no data directory: %d %s", code, errs)
	}
}

// Publishing checkpoints off the machine: 'audit checkpoints' prints the signed lines
// (--since filters, --json adds the public key); 'verify --witness' checks the log
// against what a witness kept, which shows a log replaced together with its
// checkpoints and the database's mark. 'audit accept-loss' lets a cut log be written
// again, recording the loss.
func TestAuditCheckpointsWitnessAcceptLoss(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	for i := 0; i < 3; i++ {
		c.ok("audit", "checkpoint")
		c.now = c.now.Add(time.Minute)
	}
	out := c.ok("audit", "checkpoints")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "custodian-audit-checkpoint-v1 1 ") { // init's, then three
		t.Fatalf("checkpoints:\n%s", out)
	}
	if out := c.ok("audit", "checkpoints", "--since", "1"); strings.TrimSpace(out) != "" {
		t.Fatalf("checkpoints --since 1: %q", out)
	}
	var list auditlog.CheckpointList
	js := c.ok("audit", "checkpoints", "--json")
	if err := json.Unmarshal([]byte(js), &list); err != nil || len(list.Checkpoints) != 4 || list.PublicKey == "" || list.Checkpoints[3].Text != lines[3] {
		t.Fatalf("checkpoints --json: %v\n%s", err, js)
	}
	witness := filepath.Join(t.TempDir(), "witness.json")
	os.WriteFile(witness, []byte(js), 0o600)
	if out := c.ok("audit", "verify", "--witness", witness); !strings.Contains(out, "따로 보관한 체크포인트 4개와 일치합니다") {
		t.Fatalf("verify --witness: %s", out)
	}
	if code, _, _ := c.run("audit", "checkpoints", "--since", "x"); code != 2 {
		t.Fatal("checkpoints --since x")
	}

	// The log, its checkpoints and the mark replaced by a new log: only the witness shows it.
	os.RemoveAll(filepath.Join(c.data, "audit"))
	db, err := sqlite.Open(t.Context(), filepath.Join(c.data, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SQL().Exec(`DELETE FROM auditlog_mark`)
	l, err := c.app().openAudit(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(t.Context(), auditlog.Event{Actor: "cli:intruder", Action: "custodian.init"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	db.Close()
	c.ok("audit", "verify")
	if code, out, _ := c.run("audit", "verify", "--witness", witness); code != 1 || !strings.Contains(out, "(seq 1)") {
		t.Fatalf("verify --witness after the log was replaced: %d\n%s", code, out)
	}

	// A cut log: refused until the loss is accepted; the loss is then in the log.
	c.ok("audit", "checkpoint") // seq 1, and the mark
	month := filepath.Join(c.data, "audit", "2026-11.log")
	b, _ := os.ReadFile(month)
	os.WriteFile(month, b[:64], 0o600) // the header only
	os.WriteFile(filepath.Join(c.data, "audit", auditlog.CheckpointsFile), nil, 0o600)
	if code, _, errs := c.run("audit", "checkpoint"); code == 0 || !strings.Contains(errs, "accept-loss") {
		t.Fatalf("checkpoint of a cut log: %d %s", code, errs)
	}
	if code, _, _ := c.run("audit", "accept-loss"); code != 2 {
		t.Fatal("accept-loss without --reason")
	}
	if out := c.ok("audit", "accept-loss", "--reason", "복구 후 확인함 (checked after restore)"); !strings.Contains(out, "log.loss") {
		t.Fatalf("accept-loss: %s", out)
	}
	c.ok("audit", "checkpoint")
	if out := c.ok("audit", "log", "--action", "log.loss"); !strings.Contains(out, "log.loss") {
		t.Fatalf("the loss is not in the log:\n%s", out)
	}
}
