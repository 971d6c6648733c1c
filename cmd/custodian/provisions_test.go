package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
)

// TestProvisionsCommands: a police letter entered, refused when approved by the one who
// entered it, approved by the manager, delivered on site through the door (the access log
// holds provision=N), closed; bad input refused and changing nothing; the publication.
func TestProvisionsCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", "../../examples/002-district-office.yaml")
	add := []string{"provisions", "add", "--kind", "provision", "--agency", "예시경찰서", "--department", "형사과", "--officer", "김수사",
		"--letter-no", "형사과-4821", "--letter-date", "2026-11-21", "--ground", "7", "--purpose", "절도 사건 수사", "--camera", "crime-prevention",
		"--from", "2026-11-21 13:00", "--to", "2026-11-21 14:00", "--form", "on_site", "--restrictions", "수사 목적 외 이용 금지", "--by", "clerk"}
	for _, bad := range [][]string{
		append(append([]string{}, add...), "--ground", "11"),
		append(append([]string{}, add...), "--ground", "4"),
		append(append([]string{}, add...), "--camera", "nowhere"),
		append(append([]string{}, add...), "--form", "fax"),
		append(append([]string{}, add...), "--letter-no", ""),
	} {
		if code, out, errs := c.run(bad...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d, %s %s", bad, code, out, errs)
		}
	}
	if out := c.ok("provisions", "list"); !strings.Contains(out, "제공 기록이 없습니다") {
		t.Fatalf("bad input stored a provision:\n%s", out)
	}
	c.ok(add...)
	if code, _, errs := c.run("provisions", "approve", "1", "--by", "clerk", "--pledge"); code != 3 || !strings.Contains(errs, "clerk") {
		t.Fatalf("self-approval: exit %d %s", code, errs)
	}
	if code, _, _ := c.run("provisions", "deliver", "1", "--attendee", "김수사"); code == 0 {
		t.Fatal("delivered before approval")
	}
	c.ok("provisions", "approve", "1", "--by", "kim-manager", "--name", "김관리", "--pledge")
	if code, _, errs := c.run("provisions", "deliver", "1"); code == 0 || !strings.Contains(errs, "attendee") {
		t.Fatalf("delivery without the attendee: exit %d %s", code, errs)
	}
	out := c.ok("provisions", "deliver", "1", "--attendee", "예시경찰서 김수사")
	if !strings.Contains(out, "provision=1") {
		t.Fatalf("deliver:\n%s", out)
	}
	c.ok("provisions", "close", "1", "--note", "수사 종결")
	var p custodian.Provision
	if err := json.Unmarshal([]byte(c.ok("provisions", "show", "1", "--json")), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != custodian.ProvisionClosed || p.DecidedBy != "kim-manager" || p.Attendee != "예시경찰서 김수사" || p.Opening == "" {
		t.Fatalf("show: %+v", p)
	}
	// The access log holds the on-site viewing for provision 1.
	d, err := datadir.Open(c.data)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = auditlog.Scan(context.Background(), d.File(auditDir), auditlog.Filter{}, func(ev auditlog.Event) error {
		if ev.Action == "footage.view" && strings.Contains(ev.Detail, "provision=1") && strings.Contains(ev.Detail, "opening="+p.Opening) && ev.Camera == "crime-prevention" {
			n++
		}
		return nil
	})
	if err != nil || n != 1 {
		t.Fatalf("%d access-log records of the delivery (%v)", n, err)
	}
	// A ground that requires publication (item 2), delivered as a copy without an export
	// made for it, is refused; item 7 is not published.
	if out := c.ok("provisions", "published"); !strings.Contains(out, "공고할 것이 없습니다") {
		t.Errorf("item 7 published:\n%s", out)
	}
	c.ok("provisions", "add", "--kind", "other_use", "--agency", "예시구청 안전총괄과", "--ground", "2", "--basis", "재난 및 안전관리 기본법 제74조의3",
		"--purpose", "침수 피해 조사", "--camera", "disaster", "--from", "2026-11-21 13:00", "--to", "2026-11-21 14:00", "--form", "copy", "--by", "clerk")
	c.ok("provisions", "approve", "2", "--by", "kim-manager")
	if code, _, errs := c.run("provisions", "deliver", "2", "--export", "EXP-20261122-deadbeef"); code == 0 || errs == "" {
		t.Fatalf("a copy without its export: exit %d", code)
	}
	if out := c.ok("provisions", "grounds"); !strings.Contains(out, "범죄의 수사") {
		t.Errorf("grounds:\n%s", out)
	}
}
