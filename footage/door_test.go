package footage_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
	"custodian/fmp4"
	"custodian/footage"
	"custodian/sqlite"
	"custodian/vault"
)

type env struct {
	ctx  context.Context
	log  *auditlog.Log
	v    *vault.Vault
	door *footage.Door
}

var day0 = time.Date(2026, 10, 1, 10, 0, 0, 0, custodian.KST)

// stream is a fragmented MP4 of n seconds at 10 fps, a keyframe every 2 s.
func stream(t *testing.T, seconds int) []byte {
	t.Helper()
	tr := fmp4.Track{Codec: "avc1", Config: []byte{1, 0x64, 0, 0x1f, 0xff, 0xe0, 0}, Width: 768, Height: 576, Timescale: 90000}
	init, err := fmp4.MuxInit(tr)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.Write(init)
	for i := 0; i < seconds/2; i++ {
		var fb fmp4.FragmentBuilder
		at := int64(i) * 2 * 90000
		for k := 0; k < 20; k++ {
			fb.Add([][]byte{{0x65, byte(k)}}, at+int64(k)*9000, k == 0)
		}
		if _, err := fb.WriteTo(&b, uint32(i+1), 0, at+20*9000); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

type auditor struct{ log *auditlog.Log }

func (a auditor) Record(ctx context.Context, e vault.Event) error {
	_, err := a.log.Append(ctx, auditlog.Event{Actor: "test", Source: "test", Action: e.Action, Camera: e.Camera, From: e.From, To: e.To, Object: e.Object, Detail: e.Detail})
	return err
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	d, err := datadir.Init(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, key, _ := ed25519.GenerateKey(nil)
	log, err := auditlog.Open(d.File("audit"), key, auditlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	now := func() time.Time { return day0.Add(time.Hour) }
	v, err := vault.Open(ctx, vault.Options{Data: d, Catalog: db, Audit: auditor{log}, Now: now, Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	for _, cam := range []string{"cam-a", "cam-b"} {
		if _, err := v.ImportStream(ctx, bytes.NewReader(stream(t, 120)), vault.ImportOptions{Camera: cam, Start: day0, Class: "standard", Retention: custodian.Retention{Days: 30}}); err != nil {
			t.Fatal(err)
		}
	}
	return &env{ctx: ctx, log: log, v: v, door: &footage.Door{Vault: v, Log: log, Now: now}}
}

// records returns the log's records of action.
func (e *env) records(t *testing.T, action string) []auditlog.Event {
	t.Helper()
	var out []auditlog.Event
	err := auditlog.Scan(e.ctx, e.log.Dir(), auditlog.Filter{Action: action}, func(ev auditlog.Event) error {
		out = append(out, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenLogsFirstAndReadsOnlyItsWindow(t *testing.T) {
	e := newEnv(t)
	a := custodian.FootageAccess{Actor: "kim", Source: "10.0.0.7", Use: custodian.UseExport, Cameras: []string{"cam-b", "cam-a", "cam-b"},
		From: day0.Add(10 * time.Second), To: day0.Add(70 * time.Second), Purpose: "시설안전 — 누수 확인", Object: "clip.mp4", Request: 7}
	o, err := e.door.Open(e.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	recs := e.records(t, "footage.export")
	if len(recs) != 2 || len(o.Records) != 2 || recs[0].Camera != "cam-a" || recs[1].Camera != "cam-b" {
		t.Fatalf("records: %+v (opening %v)", recs, o.Records)
	}
	for i, r := range recs {
		if r.Seq != o.Records[i] || r.Actor != "kim" || r.Source != "10.0.0.7" || r.Purpose != a.Purpose || r.Object != "clip.mp4" ||
			!r.From.Equal(a.From) || !r.To.Equal(a.To) || !strings.Contains(r.Detail, "request=7") || !strings.Contains(r.Detail, "opening="+o.ID) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	var clip bytes.Buffer
	span, err := o.Reader.Clip(e.ctx, &clip, "cam-a", a.From, a.To)
	if err != nil || clip.Len() == 0 || span.Segments == 0 || span.From.After(a.From) {
		t.Fatalf("clip: %+v %d bytes, %v", span, clip.Len(), err)
	}
	// Outside the opening: another camera, before, after.
	for _, w := range []struct {
		cam      string
		from, to time.Time
	}{{"cam-c", a.From, a.To}, {"cam-a", day0, a.To}, {"cam-a", a.From, a.To.Add(time.Second)}} {
		if _, err := o.Reader.Clip(e.ctx, io.Discard, w.cam, w.from, w.to); custodian.ErrorCode(err) != custodian.EUNAUTHORIZED {
			t.Errorf("clip of %s %s–%s outside the opening: %v", w.cam, w.from, w.to, err)
		}
		if _, err := o.Reader.Segments(e.ctx, w.cam, w.from, w.to); custodian.ErrorCode(err) != custodian.EUNAUTHORIZED {
			t.Errorf("segments of %s outside the opening: %v", w.cam, err)
		}
	}
}

func TestOpenRefusesBadAccessAndLogsNothing(t *testing.T) {
	e := newEnv(t)
	good := custodian.FootageAccess{Actor: "kim", Source: "cli", Use: custodian.UsePlayback, Cameras: []string{"cam-a"}, From: day0, To: day0.Add(time.Minute), Purpose: "범죄예방"}
	for name, change := range map[string]func(a *custodian.FootageAccess){
		"unknown use":   func(a *custodian.FootageAccess) { a.Use = "peek" },
		"no actor":      func(a *custodian.FootageAccess) { a.Actor = " " },
		"no purpose":    func(a *custodian.FootageAccess) { a.Purpose = "" },
		"no camera":     func(a *custodian.FootageAccess) { a.Cameras = nil },
		"bad camera":    func(a *custodian.FootageAccess) { a.Cameras = []string{"../x"} },
		"reversed":      func(a *custodian.FootageAccess) { a.From, a.To = a.To, a.From },
		"no period":     func(a *custodian.FootageAccess) { a.To = time.Time{} },
		"too long":      func(a *custodian.FootageAccess) { a.To = a.From.Add(40 * 24 * time.Hour) },
		"many cameras":  func(a *custodian.FootageAccess) { a.Cameras = make([]string, footage.MaxCameras+1) },
		"no vault read": func(a *custodian.FootageAccess) {},
	} {
		a := good
		change(&a)
		d := e.door
		if name == "no vault read" {
			d = &footage.Door{Log: e.log}
		}
		if o, err := d.Open(e.ctx, a); err == nil || o != nil {
			t.Errorf("%s: opened %+v", name, o)
		}
	}
	if n := len(e.records(t, "footage.playback")); n != 0 {
		t.Errorf("refused openings wrote %d records", n)
	}
	// Live view needs no period and gives no reader.
	o, err := e.door.Open(e.ctx, custodian.FootageAccess{Actor: "kim", Use: custodian.UseLive, Cameras: []string{"cam-a"}, From: day0, Purpose: "범죄예방"})
	if err != nil || o.Reader != nil || len(e.records(t, "footage.live")) != 1 {
		t.Fatalf("live: %+v %v", o, err)
	}
}

// TestOpenRefusesWhenTheLogCannotBeWritten: no record, no footage.
func TestOpenRefusesWhenTheLogCannotBeWritten(t *testing.T) {
	e := newEnv(t)
	e.log.Close()
	o, err := e.door.Open(e.ctx, custodian.FootageAccess{Actor: "kim", Use: custodian.UseExport, Cameras: []string{"cam-a"}, From: day0, To: day0.Add(time.Minute), Purpose: "범죄예방"})
	if o != nil || custodian.ErrorCode(err) != custodian.EUNAVAILABLE || !strings.Contains(err.Error(), "not opened") {
		t.Fatalf("open with a closed log: %+v, %v", o, err)
	}
}

func TestDenyIsLogged(t *testing.T) {
	e := newEnv(t)
	why := custodian.Errorf(custodian.EUNAUTHORIZED, "권한 없음", "not allowed")
	err := e.door.Deny(e.ctx, custodian.FootageAccess{Actor: "lee", Source: "10.0.0.9", Use: custodian.UseLive, Cameras: []string{"cam-b"}}, why)
	if !errors.Is(err, why) {
		t.Fatalf("Deny returned %v", err)
	}
	recs := e.records(t, "footage.live")
	if len(recs) != 1 || recs[0].Result != auditlog.ResultDenied || recs[0].Actor != "lee" || recs[0].Camera != "cam-b" || !strings.Contains(recs[0].Detail, "not allowed") {
		t.Fatalf("denied records: %+v", recs)
	}
}
