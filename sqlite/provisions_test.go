package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"custodian"
)

func TestProvisionsStore(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)
	p := &custodian.Provision{Kind: custodian.ProvisionThirdParty, Agency: "예시경찰서", Officer: "김수사", LetterNo: "형사과-1", LetterDate: custodian.Date{Year: 2026, Month: 11, Day: 21},
		Ground: 7, Purpose: "수사", Cameras: []string{"street-1"}, From: now.Add(-2 * time.Hour), To: now.Add(-time.Hour), Form: custodian.ProvisionOnSite,
		Items: "영상", Restrictions: "목적 외 이용 금지", Status: custodian.ProvisionRequested, Channel: custodian.ProvisionByStaff, FiledBy: "clerk", Filed: now, Updated: now}
	if err := db.CreateProvision(ctx, p); err != nil || p.ID == 0 {
		t.Fatalf("create: %v", err)
	}
	bad := *p
	bad.Ground = 4
	if err := db.CreateProvision(ctx, &bad); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("deleted ground stored: %v", err)
	}
	got, err := db.Provision(ctx, p.ID)
	if err != nil || got.LetterDate != p.LetterDate || !got.From.Equal(p.From) || got.Cameras[0] != "street-1" || got.Officer != "김수사" {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	// Four eyes in the schema too: the filer cannot be the decider.
	self := *got
	self.Status, self.DecidedBy = custodian.ProvisionApproved, "clerk"
	if err := db.UpdateProvision(ctx, &self, custodian.ProvisionRequested); err == nil {
		t.Fatal("a self-approval was stored")
	}
	a := *got
	if err := a.Approve("manager", "관리책임자", true, "", now); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateProvision(ctx, &a, custodian.ProvisionRequested); err != nil {
		t.Fatal(err)
	}
	// A second decision from the stale state is a conflict, and changes nothing.
	b := *got
	if err := b.Refuse("chief", "총괄", "이유", now); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateProvision(ctx, &b, custodian.ProvisionRequested); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("stale update: %v", err)
	}
	got, _ = db.Provision(ctx, p.ID)
	if got.Status != custodian.ProvisionApproved || got.DecidedBy != "manager" || !got.Pledge || got.RefusalReason != "" {
		t.Fatalf("after approval: %+v", got)
	}
	if err := db.UpdateProvision(ctx, &custodian.Provision{ID: 999, Status: "closed", FiledBy: "x"}, custodian.ProvisionDelivered); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("missing: %v", err)
	}
	other := *p
	other.FiledBy = "police1"
	if err := db.CreateProvision(ctx, &other); err != nil {
		t.Fatal(err)
	}
	mine, err := db.Provisions(ctx, custodian.ProvisionFilter{FiledBy: "police1"})
	if err != nil || len(mine) != 1 || mine[0].ID != other.ID {
		t.Fatalf("by filer: %+v %v", mine, err)
	}
	all, _ := db.Provisions(ctx, custodian.ProvisionFilter{})
	if len(all) != 2 || all[0].ID != other.ID {
		t.Fatalf("all, newest first: %+v", all)
	}
	if _, err := db.SQL().ExecContext(ctx, `DELETE FROM provisions`); err == nil {
		t.Fatal("provisions were deleted")
	}
}
