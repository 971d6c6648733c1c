package custodian_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"custodian"
)

var provNow = time.Date(2026, 11, 22, 14, 0, 0, 0, custodian.KST)

func provRegistry() *custodian.Registry {
	reg := validRegistry()
	reg.Agreements = []custodian.Agreement{
		{ID: "police", Agency: "시험경찰서", Covers: "로비", CameraGroups: []string{"hq-lobby"}, Allows: []string{custodian.AllowRealtime, custodian.AllowEvidence},
			Start: custodian.Date{Year: 2026, Month: 1, Day: 1}, End: custodian.Date{Year: 2026, Month: 12, Day: 31}},
		{ID: "watch", Agency: "시험교육청", Covers: "로비", CameraGroups: []string{"hq-lobby"}, Allows: []string{custodian.AllowRealtime}},
	}
	return reg
}

// policeProvision is a police request by official letter, as staff enter it.
func policeProvision() *custodian.Provision {
	return &custodian.Provision{Kind: custodian.ProvisionThirdParty, Agency: "시험경찰서", Department: "형사과", Officer: "김수사", Contact: "02-000-0000",
		LetterNo: "형사과-1234", LetterDate: custodian.Date{Year: 2026, Month: 11, Day: 21}, Ground: 7, Purpose: "절도 사건 수사",
		Cameras: []string{"hq-lobby"}, From: provNow.Add(-26 * time.Hour), To: provNow.Add(-25 * time.Hour), Form: custodian.ProvisionOnSite,
		Restrictions: "수사 목적 외 이용 금지, 수사 종결 후 파기", Channel: custodian.ProvisionByStaff, FiledBy: "clerk"}
}

func TestProvisionValidate(t *testing.T) {
	reg := provRegistry()
	p := policeProvision()
	if err := p.Validate(reg, provNow); err != nil {
		t.Fatalf("valid provision refused: %v", err)
	}
	if !strings.Contains(p.Items, "hq-lobby") {
		t.Errorf("items not filled from the cameras and period: %q", p.Items)
	}
	cases := []struct {
		name, want string
		edit       func(p *custodian.Provision, reg *custodian.Registry)
	}{
		{"ground not in the list", "ground", func(p *custodian.Provision, _ *custodian.Registry) { p.Ground = 11 }},
		{"ground zero", "ground", func(p *custodian.Provision, _ *custodian.Registry) { p.Ground = 0 }},
		{"deleted item 4", "삭제", func(p *custodian.Provision, _ *custodian.Registry) { p.Ground = 4 }},
		{"item 7 for a private body", "공공기관", func(p *custodian.Provision, reg *custodian.Registry) {
			reg.Organisation.Sector = custodian.SectorPrivate
		}},
		{"police without a letter number", "letter_no", func(p *custodian.Provision, _ *custodian.Registry) { p.LetterNo = "" }},
		{"item 2 without the law", "basis", func(p *custodian.Provision, _ *custodian.Registry) { p.Ground = 2 }},
		{"no recipient", "agency", func(p *custodian.Provision, _ *custodian.Registry) { p.Agency = " " }},
		{"no restrictions", "restrictions", func(p *custodian.Provision, _ *custodian.Registry) { p.Restrictions = "" }},
		{"unknown camera", "cameras", func(p *custodian.Provision, _ *custodian.Registry) { p.Cameras = []string{"nope"} }},
		{"no cameras", "cameras", func(p *custodian.Provision, _ *custodian.Registry) { p.Cameras = nil }},
		{"backwards period", "to", func(p *custodian.Provision, _ *custodian.Registry) { p.To = p.From.Add(-time.Minute) }},
		{"bad form", "form", func(p *custodian.Provision, _ *custodian.Registry) { p.Form = "fax" }},
		{"bad kind", "kind", func(p *custodian.Provision, _ *custodian.Registry) { p.Kind = "gift" }},
		{"future letter", "letter_date", func(p *custodian.Provision, _ *custodian.Registry) {
			p.LetterDate = custodian.Date{Year: 2027, Month: 1, Day: 1}
		}},
		{"live without agreement", "agreement", func(p *custodian.Provision, _ *custodian.Registry) { p.Form = custodian.ProvisionLive }},
		{"agency outside its agreement", "agreement", func(p *custodian.Provision, _ *custodian.Registry) {
			p.Channel, p.Agreement, p.Cameras = custodian.ProvisionByAgency, "police", []string{"parking-gate"}
		}},
		{"agreement ended", "효력", func(p *custodian.Provision, reg *custodian.Registry) {
			p.Channel, p.Agreement = custodian.ProvisionByAgency, "police"
			reg.Agreements[0].End = custodian.Date{Year: 2026, Month: 11, Day: 1}
		}},
		{"agreement without evidence", "form", func(p *custodian.Provision, _ *custodian.Registry) {
			p.Channel, p.Agreement = custodian.ProvisionByAgency, "watch"
		}},
		{"control characters", "purpose", func(p *custodian.Provision, _ *custodian.Registry) { p.Purpose = "수사\u202e" }},
	}
	for _, c := range cases {
		p, reg := policeProvision(), provRegistry()
		c.edit(p, reg)
		err := p.Validate(reg, provNow)
		if custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("%s: %v, want invalid", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v does not name %q", c.name, err, c.want)
		}
	}
	// An agency's request within its agreement passes, live as well.
	p = policeProvision()
	p.Channel, p.Agreement, p.Form = custodian.ProvisionByAgency, "police", custodian.ProvisionLive
	if err := p.Validate(provRegistry(), provNow); err != nil {
		t.Errorf("live under the agreement: %v", err)
	}
}

func TestProvisionWorkflow(t *testing.T) {
	p := policeProvision()
	p.ID, p.Status = 1, custodian.ProvisionRequested
	if err := p.Approve("clerk", "담당자", true, "", provNow); custodian.ErrorCode(err) != custodian.EUNAUTHORIZED {
		t.Fatalf("approval by the requester: %v, want unauthorized", err)
	}
	if p.Status != custodian.ProvisionRequested || p.Pledge {
		t.Fatalf("a refused approval changed the provision: %+v", p)
	}
	if err := p.Approve("manager", "관리책임자", false, "", provNow); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("approval without a security pledge: %v, want conflict", err)
	}
	if err := p.Deliver("clerk", "", "김수사", "", provNow); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("delivery before approval: %v", err)
	}
	if err := p.Approve("manager", "관리책임자", true, "", provNow); err != nil {
		t.Fatal(err)
	}
	if p.Status != custodian.ProvisionApproved || p.DecidedBy != "manager" || !p.Pledge {
		t.Fatalf("after approval: %+v", p)
	}
	if err := p.Refuse("chief", "총괄", "늦음", provNow); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("refusing an approved provision: %v", err)
	}
	if err := p.Close("clerk", "", provNow); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("closing before delivery: %v", err)
	}
	if err := p.Deliver("clerk", "", " ", "", provNow); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("on-site delivery without the attendee: %v", err)
	}
	if err := p.Deliver("clerk", "", "김수사", "abc", provNow); err != nil {
		t.Fatal(err)
	}
	if err := p.Close("clerk", "수사 종결 통보", provNow); err != nil || p.Status != custodian.ProvisionClosed {
		t.Fatalf("close: %v %s", err, p.Status)
	}
	q := policeProvision()
	q.ID, q.Status = 2, custodian.ProvisionRequested
	if err := q.Refuse("manager", "관리책임자", "", provNow); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("refusal without a reason: %v", err)
	}
	if err := q.Refuse("manager", "관리책임자", "요청 범위가 과도함", provNow); err != nil || q.Status != custodian.ProvisionRefused {
		t.Fatalf("refusal: %v", err)
	}
}

func TestProvisionGrounds(t *testing.T) {
	// The fixed list: items 1 to 10, item 4 deleted; 5–9 public only; publication on 2–6
	// and 8–10 (not 1, consent, nor 7, criminal investigation).
	var publish, public []int
	for i, g := range custodian.ProvisionGrounds {
		if g.Item != i+1 {
			t.Fatalf("item %d at %d", g.Item, i)
		}
		if g.Publish {
			publish = append(publish, g.Item)
		}
		if g.PublicOnly {
			public = append(public, g.Item)
		}
	}
	if got := fmt.Sprint(publish); got != "[2 3 5 6 8 9 10]" {
		t.Errorf("publication grounds %s", got)
	}
	if got := fmt.Sprint(public); got != "[5 6 7 8 9]" {
		t.Errorf("public-only grounds %s", got)
	}
}

func TestPublications(t *testing.T) {
	reg := provRegistry()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 10, 0, 0, 0, custodian.KST) }
	mk := func(id int64, ground int, status string, delivered time.Time) custodian.Provision {
		p := *policeProvision()
		p.ID, p.Ground, p.Status, p.Delivered, p.Basis = id, ground, status, delivered, "형사소송법 제199조제2항"
		p.Items = "영상정보 (로비, 1시간)"
		return p
	}
	ps := []custodian.Provision{
		mk(1, 7, custodian.ProvisionClosed, day(1)),                        // criminal investigation: not published
		mk(2, 2, custodian.ProvisionDelivered, day(3)),                     // another law: published
		mk(3, 8, custodian.ProvisionClosed, day(20)),                       // courts: published
		mk(4, 2, custodian.ProvisionApproved, time.Time{}),                 // not yet given
		mk(5, 1, custodian.ProvisionDelivered, day(21)),                    // consent: not published
		mk(6, 3, custodian.ProvisionDelivered, day(21).AddDate(0, 0, -40)), // past the period
	}
	got := custodian.Publications(reg, ps, day(22), 0)
	if len(got) != 2 || got[0].ID != 3 || got[1].ID != 2 {
		t.Fatalf("publications: %+v", got)
	}
	if got[1].Until != (custodian.Date{Year: 2026, Month: 12, Day: 2}) {
		t.Errorf("shown until %s, want 30 days from 2026-11-03", got[1].Until)
	}
	all := ""
	for _, x := range got {
		all += x.Basis + x.Purpose + x.Items + x.KindKo
	}
	for _, personal := range []string{"김수사", "형사과-1234", "02-000-0000", "형사과"} {
		if strings.Contains(all, personal) {
			t.Errorf("publication shows %q: %s", personal, all)
		}
	}
	// A shorter configured period drops row 2 (delivered on the 3rd; 10 days end on the 12th).
	if got := custodian.Publications(reg, ps, day(22), 10); len(got) != 1 || got[0].ID != 3 {
		t.Errorf("10-day publication: %+v", got)
	}
	reg.Organisation.Sector = custodian.SectorPrivate
	if got := custodian.Publications(reg, ps, day(22), 0); len(got) != 0 {
		t.Errorf("a private organisation publishes: %+v", got)
	}
}
