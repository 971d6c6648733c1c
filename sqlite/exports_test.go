package sqlite_test

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"custodian"
)

// TestExportsAndDownloadLinks: exports are recorded once; a link counts its uses
// atomically (of ten downloads at once, exactly max_uses get through); unknown, expired
// and used-up tokens get the same error and change nothing; only the token's hash is
// stored.
func TestExportsAndDownloadLinks(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, custodian.KST)
	e := &custodian.Export{ID: "EXP-20261122-0001", Request: 3, Cameras: []string{"cam-a", "cam-b"}, From: now.Add(-time.Hour), To: now, Purpose: "열람 청구",
		Recipient: "홍길동", Created: now, CreatedBy: "op", Path: "/srv/exports/x.zip", ManifestSHA256: bytes.Repeat([]byte{7}, 32), Size: 1234}
	if err := db.CreateExport(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateExport(ctx, e); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Errorf("the same export twice: %v", err)
	}
	bad := *e
	bad.ID, bad.Provision = "EXP-20261122-0002", 4
	if err := db.CreateExport(ctx, &bad); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("an export for a request and a provision: %v", err)
	}
	got, err := db.Export(ctx, e.ID)
	if err != nil || got.Request != 3 || len(got.Cameras) != 2 || !got.From.Equal(e.From) || got.Size != 1234 || !bytes.Equal(got.ManifestSHA256, e.ManifestSHA256) {
		t.Fatalf("export: %+v %v", got, err)
	}
	if list, _ := db.Exports(ctx, 3, 0); len(list) != 1 {
		t.Errorf("exports of request 3: %+v", list)
	}
	if list, _ := db.Exports(ctx, 4, 0); len(list) != 0 {
		t.Errorf("exports of request 4: %+v", list)
	}
	if _, err := db.Export(ctx, "EXP-none-0000"); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Errorf("unknown export: %v", err)
	}

	// Bad links are refused.
	if _, _, err := custodian.NewDownloadLink(e.ID, 31*24*time.Hour, 3, "op", now); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("31 days: %v", err)
	}
	if _, _, err := custodian.NewDownloadLink(e.ID, time.Hour, 0, "op", now); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("0 uses: %v", err)
	}
	nl, _, _ := custodian.NewDownloadLink("EXP-none-0000", time.Hour, 1, "op", now)
	if err := db.CreateDownloadLink(ctx, nl); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Errorf("a link to no export: %v", err)
	}

	l, token, err := custodian.NewDownloadLink(e.ID, 24*time.Hour, 3, "op", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateDownloadLink(ctx, l); err != nil || l.ID == 0 {
		t.Fatal(err)
	}
	var raw int
	db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM download_links WHERE token_sha256 = ? OR CAST(token_sha256 AS TEXT) = ?`, []byte(token), token).Scan(&raw)
	if raw != 0 {
		t.Error("the token itself is stored")
	}
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ex, err := db.UseDownloadLink(ctx, token, now.Add(time.Hour))
			switch {
			case err == nil && ex.ID == e.ID:
				ok.Add(1)
			case custodian.ErrorCode(err) == custodian.ENOTFOUND:
				refused.Add(1)
			default:
				t.Errorf("use: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 3 || refused.Load() != 7 {
		t.Errorf("%d downloads got through, %d refused; want 3 and 7", ok.Load(), refused.Load())
	}
	// Used up, unknown, expired: the same error, nothing changes.
	l2, token2, _ := custodian.NewDownloadLink(e.ID, time.Hour, 2, "op", now)
	db.CreateDownloadLink(ctx, l2)
	var msgs []string
	for _, tc := range []struct {
		token string
		at    time.Time
	}{{token, now.Add(time.Hour)}, {"forged-token", now}, {token2, now.Add(time.Hour)}, {token2, now.Add(2 * time.Hour)}, {"", now}} {
		_, _, err := db.UseDownloadLink(ctx, tc.token, tc.at)
		if custodian.ErrorCode(err) != custodian.ENOTFOUND {
			t.Errorf("%q at %v: %v", tc.token, tc.at, err)
			continue
		}
		msgs = append(msgs, err.Error())
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Errorf("different answers: %q and %q", m, msgs[0])
		}
	}
	links, _ := db.DownloadLinks(ctx, e.ID)
	if len(links) != 2 || links[0].Uses != 3 || links[1].Uses != 0 || links[1].MaxUses != 2 {
		t.Errorf("links: %+v", links)
	}
	// Just before it expires, the second link works.
	if _, _, err := db.UseDownloadLink(ctx, token2, now.Add(time.Hour-time.Nanosecond)); err != nil {
		t.Errorf("before expiry: %v", err)
	}
}
