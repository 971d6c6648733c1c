package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"custodian"
)

// provisionEnv adds the people of a provision: a clerk (operations lead of the streets, who
// enters and delivers), the manager (who approves) and two police accounts of the police
// agreement.
func provisionEnv(t *testing.T) *consoleEnv {
	e := newConsole(t)
	e.account("clerk", custodian.AccountGrant{Role: "operations_lead", Sites: []string{"streets"}})
	e.account("mgr", custodian.AccountGrant{Role: "manager", All: true})
	e.account("police1", custodian.AccountGrant{Role: "agency", Agreement: "police"})
	e.account("police2", custodian.AccountGrant{Role: "agency", Agreement: "police"})
	return e
}

func localTime(t time.Time) string { return t.In(custodian.KST).Format("2006-01-02T15:04") }

func policeLetter(ground string) url.Values {
	from := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	v := url.Values{"kind": {"provision"}, "agency": {"예시경찰서"}, "department": {"형사과"}, "officer": {"김수사"}, "contact": {"02-0000-1234"},
		"letter_no": {"형사과-4821"}, "letter_date": {custodian.DateOf(time.Now()).String()}, "ground": {ground}, "purpose": {"편의점 절도 사건 수사"},
		"cameras": {"street-1"}, "from": {localTime(from)}, "to": {localTime(from.Add(time.Hour))}, "form": {"on_site"},
		"restrictions": {"수사 목적 외 이용 금지, 사건 종결 시 즉시 파기"}}
	if ground == "2" {
		v.Set("basis", "형사소송법 제199조제2항")
		v.Set("form", "copy")
	}
	return v
}

func provisionID(t *testing.T, loc, prefix string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(strings.TrimPrefix(loc, prefix), "%d", &id); err != nil || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("redirect %q is not to %s<id>", loc, prefix)
	}
	return id
}

func getProvision(t *testing.T, e *consoleEnv, id int64) *custodian.Provision {
	t.Helper()
	p, err := e.db.Provision(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPoliceProvision: an official letter from the police → staff entry → approval by the
// manager (not by the one who entered it) → on-site viewing through the footage door →
// closed; the access log holds the viewing with provision=N.
func TestPoliceProvision(t *testing.T) {
	e := provisionEnv(t)
	clerk, mgr := e.directSession("clerk"), e.directSession("mgr")

	// Bad input changes nothing: a ground not in the list, a deleted item.
	for _, g := range []string{"11", "4", "x"} {
		res, body := clerk.form("/console/provisions", policeLetter(g))
		if res.StatusCode != 400 || !strings.Contains(body, "ground") {
			t.Errorf("ground %s: %d\n%.400s", g, res.StatusCode, body)
		}
	}
	if ps, _ := e.db.Provisions(context.Background(), custodian.ProvisionFilter{}); len(ps) != 0 {
		t.Fatalf("refused entries were stored: %+v", ps)
	}

	res, body := clerk.form("/console/provisions", policeLetter("7"))
	if res.StatusCode != 303 {
		t.Fatalf("entry: %d %s", res.StatusCode, alertOf(body))
	}
	id := provisionID(t, res.Header.Get("Location"), "/console/provisions/")
	p := getProvision(t, e, id)
	if p.Status != custodian.ProvisionRequested || p.FiledBy != "clerk" || p.LetterNo != "형사과-4821" || p.Channel != custodian.ProvisionByStaff {
		t.Fatalf("stored: %+v", p)
	}
	// The operations lead may not approve at all; the manager approves.
	if res, _ := clerk.form(fmt.Sprintf("/console/provisions/%d/approve", id), url.Values{"pledge": {"1"}}); res.StatusCode != 403 {
		t.Fatalf("approval by the operations lead: %d", res.StatusCode)
	}
	// Delivery before approval is refused, and logs nothing.
	if res, _ := clerk.form(fmt.Sprintf("/console/provisions/%d/deliver", id), url.Values{"attendee": {"예시경찰서 김수사"}}); res.StatusCode != 409 {
		t.Fatalf("delivery before approval: %d", res.StatusCode)
	}
	// Without the pledge the manager cannot approve; with it, yes.
	if res, _ := mgr.form(fmt.Sprintf("/console/provisions/%d/approve", id), nil); res.StatusCode != 409 {
		t.Fatalf("approval without a pledge: %d", res.StatusCode)
	}
	if res, body := mgr.form(fmt.Sprintf("/console/provisions/%d/approve", id), url.Values{"pledge": {"1"}}); res.StatusCode != 303 {
		t.Fatalf("approval: %d %.300s", res.StatusCode, body)
	}
	p = getProvision(t, e, id)
	if p.Status != custodian.ProvisionApproved || p.DecidedBy != "mgr" || p.DeciderName != "이름 mgr" || !p.Pledge {
		t.Fatalf("approved: %+v", p)
	}
	res, body = clerk.form(fmt.Sprintf("/console/provisions/%d/deliver", id), url.Values{"attendee": {"예시경찰서 김수사"}})
	if res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), "view=/console/view/") {
		t.Fatalf("delivery: %d %s %.300s", res.StatusCode, res.Header.Get("Location"), body)
	}
	p = getProvision(t, e, id)
	if p.Status != custodian.ProvisionDelivered || p.Attendee != "예시경찰서 김수사" || p.Opening == "" {
		t.Fatalf("delivered: %+v", p)
	}
	// The on-site viewing page is the provision's cameras and period.
	view, err := url.QueryUnescape(strings.SplitN(res.Header.Get("Location"), "view=", 2)[1])
	if err != nil {
		t.Fatal(err)
	}
	if res, body := clerk.do("GET", view, nil); res.StatusCode != 200 || !strings.Contains(body, "street-1") {
		t.Fatalf("viewing page: %d %.300s", res.StatusCode, body)
	}
	if res, _ := clerk.form(fmt.Sprintf("/console/provisions/%d/close", id), url.Values{"note": {"수사 종결 통보 받음"}}); res.StatusCode != 303 {
		t.Fatalf("close: %d", res.StatusCode)
	}
	if p = getProvision(t, e, id); p.Status != custodian.ProvisionClosed || p.ClosedBy != "clerk" {
		t.Fatalf("closed: %+v", p)
	}
	// The access log: one footage.view record of street-1 for this provision, by the clerk,
	// with the attendee, before anything else was shown.
	n := 0
	scanLog(t, e, func(ev accessEvent) {
		if ev.Action == "footage.view" && strings.Contains(ev.Detail, fmt.Sprintf("provision=%d", id)) {
			n++
			if ev.Actor != "clerk" || ev.Camera != "street-1" || ev.Result != "ok" || !strings.Contains(ev.Detail, "attendee=예시경찰서_김수사") ||
				!strings.Contains(ev.Purpose, "제18조제2항제7호") || !ev.From.Equal(p.From) {
				t.Errorf("the record: %+v", ev)
			}
		}
	})
	if n != 1 {
		t.Fatalf("%d footage.view records with provision=%d, want 1", n, id)
	}
	// The detail page and the API show it to staff.
	if res, body := mgr.do("GET", fmt.Sprintf("/api/provisions/%d", id), nil); res.StatusCode != 200 || !strings.Contains(body, `"status": "closed"`) {
		t.Fatalf("api: %d %.300s", res.StatusCode, body)
	}
}

// TestProvisionSelfApproval: the account that entered a provision cannot approve it, even
// when its role may approve others'.
func TestProvisionSelfApproval(t *testing.T) {
	e := provisionEnv(t)
	mgr := e.directSession("mgr")
	v := policeLetter("7")
	res, _ := mgr.form("/console/provisions", v)
	if res.StatusCode != 303 {
		t.Fatalf("entry: %d", res.StatusCode)
	}
	id := provisionID(t, res.Header.Get("Location"), "/console/provisions/")
	for _, path := range []string{"/approve", "/refuse"} {
		res, body := mgr.do("POST", fmt.Sprintf("/api/provisions/%d%s", id, path), map[string]any{"pledge": true, "reason": "과도한 범위"})
		if res.StatusCode != 403 || !strings.Contains(body, "mgr") {
			t.Errorf("self %s: %d %s", path, res.StatusCode, body)
		}
	}
	if p := getProvision(t, e, id); p.Status != custodian.ProvisionRequested || p.DecidedBy != "" {
		t.Fatalf("a refused self-approval changed it: %+v", p)
	}
	e.account("boss", custodian.AccountGrant{Role: "chief", All: true})
	boss := e.directSession("boss")
	if res, body := boss.do("POST", fmt.Sprintf("/api/provisions/%d/approve", id), map[string]any{"pledge": true}); res.StatusCode != 200 {
		t.Fatalf("another manager approves: %d %s", res.StatusCode, body)
	}
}

// TestAgencyProvisions: an agency account files a request in the console for cameras its
// agreement covers, and sees only its own.
func TestAgencyProvisions(t *testing.T) {
	e := provisionEnv(t)
	p1, p2 := e.directSession("police1"), e.directSession("police2")
	from := time.Now().Add(-5 * time.Hour).Truncate(time.Minute)
	v := url.Values{"cameras": {"street-1"}, "from": {localTime(from)}, "to": {localTime(from.Add(30 * time.Minute))}, "form": {"on_site"},
		"ground": {"7"}, "purpose": {"뺑소니 사건 수사"}, "officer": {"박경위"}, "letter_no": {"교통과-77"}, "letter_date": {custodian.DateOf(time.Now()).String()}}
	if res, body := p1.do("GET", "/console/agency/provisions", nil); res.StatusCode != 200 || !strings.Contains(body, "street-1") || strings.Contains(body, "lobby-1") {
		t.Fatalf("agency page: %d %.400s", res.StatusCode, body)
	}
	res, body := p1.form("/console/agency/provisions", v)
	if res.StatusCode != 303 {
		t.Fatalf("filing: %d %s", res.StatusCode, alertOf(body))
	}
	id := provisionID(t, res.Header.Get("Location"), "/console/agency/provisions/")
	p := getProvision(t, e, id)
	if p.Channel != custodian.ProvisionByAgency || p.FiledBy != "police1" || p.Agreement != "police" || p.Agency != "예시경찰서" || p.Status != custodian.ProvisionRequested {
		t.Fatalf("filed: %+v", p)
	}
	// Outside the agreement: refused, nothing stored.
	bad := url.Values{}
	for k, x := range v {
		bad[k] = x
	}
	bad.Set("cameras", "lobby-1")
	if res, body := p1.form("/console/agency/provisions", bad); res.StatusCode != 400 || !strings.Contains(body, "lobby-1") {
		t.Fatalf("camera outside the agreement: %d %.400s", res.StatusCode, body)
	}
	bad.Set("cameras", "street-1")
	bad.Set("agreement", "education-office")
	if res, _ := p1.form("/console/agency/provisions", bad); res.StatusCode != 403 {
		t.Fatalf("another agreement: %d", res.StatusCode)
	}
	if ps, _ := e.db.Provisions(context.Background(), custodian.ProvisionFilter{}); len(ps) != 1 {
		t.Fatalf("%d provisions stored, want 1", len(ps))
	}
	// Only its own: the other police account sees nothing of it; neither sees staff pages.
	if res, body := p2.do("GET", "/api/agency/provisions", nil); res.StatusCode != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("police2's list: %d %s", res.StatusCode, body)
	}
	for _, path := range []string{fmt.Sprintf("/console/agency/provisions/%d", id), fmt.Sprintf("/api/agency/provisions/%d", id)} {
		if res, _ := p2.do("GET", path, nil); res.StatusCode != 404 {
			t.Errorf("police2 GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/console/provisions", fmt.Sprintf("/api/provisions/%d", id)} {
		if res, _ := p1.do("GET", path, nil); res.StatusCode != 403 {
			t.Errorf("police1 GET %s: %d, want 403", path, res.StatusCode)
		}
	}
	// Staff approve and deliver; the agency sees the status and what it was given, not
	// the staff's accounts.
	mgr, clerk := e.directSession("mgr"), e.directSession("clerk")
	// An agency's request comes without the restrictions: the approval states them.
	if res, body := mgr.do("POST", fmt.Sprintf("/api/provisions/%d/approve", id), map[string]any{"pledge": true}); res.StatusCode != 400 || !strings.Contains(body, "18조제5항") {
		t.Fatalf("approval without restrictions: %d %s", res.StatusCode, body)
	}
	if res, body := mgr.do("POST", fmt.Sprintf("/api/provisions/%d/approve", id), map[string]any{"pledge": true, "restrictions": "수사 목적 외 이용 금지"}); res.StatusCode != 200 {
		t.Fatalf("approve: %d %s", res.StatusCode, body)
	}
	if res, body := clerk.do("POST", fmt.Sprintf("/api/provisions/%d/deliver", id), map[string]any{"attendee": "예시경찰서 박경위"}); res.StatusCode != 200 {
		t.Fatalf("deliver: %d %s", res.StatusCode, body)
	}
	res, body = p1.do("GET", "/api/agency/provisions", nil)
	var mine []map[string]any
	if err := json.Unmarshal([]byte(body), &mine); err != nil || res.StatusCode != 200 || len(mine) != 1 {
		t.Fatalf("police1's list: %d %s", res.StatusCode, body)
	}
	if mine[0]["status"] != "delivered" || mine[0]["attendee"] != "예시경찰서 박경위" || strings.Contains(body, "mgr") || strings.Contains(body, "clerk") {
		t.Fatalf("police1 sees: %s", body)
	}
	if res, body := p1.do("GET", fmt.Sprintf("/console/agency/provisions/%d", id), nil); res.StatusCode != 200 || !strings.Contains(body, "예시경찰서 박경위") {
		t.Fatalf("police1's page: %d %.300s", res.StatusCode, body)
	}
}

// TestProvisionPublication: a public body's portal publishes each delivered provision on a
// ground of Art. 18(4), without personal details; a private organisation publishes none.
func TestProvisionPublication(t *testing.T) {
	e := provisionEnv(t)
	clerk, mgr := e.directSession("clerk"), e.directSession("mgr")
	deliver := func(ground string, form url.Values) int64 {
		res, body := clerk.form("/console/provisions", policeLetter(ground))
		if res.StatusCode != 303 {
			t.Fatalf("entry %s: %d %s", ground, res.StatusCode, alertOf(body))
		}
		id := provisionID(t, res.Header.Get("Location"), "/console/provisions/")
		if res, _ := mgr.form(fmt.Sprintf("/console/provisions/%d/approve", id), url.Values{"pledge": {"1"}}); res.StatusCode != 303 {
			t.Fatalf("approve %d: %d", id, res.StatusCode)
		}
		if res, body := clerk.form(fmt.Sprintf("/console/provisions/%d/deliver", id), form); res.StatusCode != 303 {
			t.Fatalf("deliver %d: %d %.300s", id, res.StatusCode, body)
		}
		return id
	}
	// A copy is the export package made for the provision: an unknown export or one made
	// for another provision is refused, and nothing is logged or stored.
	e.s.Console.Exports = e.db
	ctx := context.Background()
	res, body := clerk.form("/console/provisions", policeLetter("2"))
	if res.StatusCode != 303 {
		t.Fatalf("entry: %d %s", res.StatusCode, alertOf(body))
	}
	copyID := provisionID(t, res.Header.Get("Location"), "/console/provisions/")
	cp := getProvision(t, e, copyID)
	if res, _ := mgr.form(fmt.Sprintf("/console/provisions/%d/approve", copyID), url.Values{"pledge": {"1"}}); res.StatusCode != 303 {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	for _, x := range []custodian.Export{
		{ID: "exp-20261122-0001", Provision: copyID, Cameras: cp.Cameras, From: cp.From, To: cp.To, Purpose: "수사", Created: time.Now(), CreatedBy: "clerk", Path: "/x", ManifestSHA256: make([]byte, 32)},
		{ID: "exp-other", Provision: copyID + 100, Cameras: cp.Cameras, From: cp.From, To: cp.To, Purpose: "수사", Created: time.Now(), CreatedBy: "clerk", Path: "/y", ManifestSHA256: make([]byte, 32)},
	} {
		if err := e.db.CreateExport(ctx, &x); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"exp-none", "exp-other"} {
		if res, body := clerk.form(fmt.Sprintf("/console/provisions/%d/deliver", copyID), url.Values{"export_id": {bad}}); res.StatusCode != 400 || !strings.Contains(body, bad) {
			t.Errorf("copy %s: %d %s", bad, res.StatusCode, alertOf(body))
		}
	}
	if p := getProvision(t, e, copyID); p.Status != custodian.ProvisionApproved {
		t.Fatalf("a refused delivery changed it: %s", p.Status)
	}
	if res, body := clerk.form(fmt.Sprintf("/console/provisions/%d/deliver", copyID), url.Values{"export_id": {"exp-20261122-0001"}}); res.StatusCode != 303 {
		t.Fatalf("copy: %d %s", res.StatusCode, alertOf(body))
	}
	// Item 2 (another law): published. Item 7 (criminal investigation): not.
	deliver("7", url.Values{"attendee": {"예시경찰서 김수사"}})
	// The copy's handover is in the access log as an export of that package for the provision.
	n := 0
	scanLog(t, e, func(ev accessEvent) {
		if ev.Action == "footage.export" && ev.Object == "exp-20261122-0001" && strings.Contains(ev.Detail, fmt.Sprintf("provision=%d", copyID)) {
			n++
		}
	})
	if n != 1 {
		t.Errorf("%d export records of the copy, want 1", n)
	}
	anon := e.client()
	res, body = anon.do("GET", "/api/public/provisions", nil)
	var pubs []custodian.Publication
	if err := json.Unmarshal([]byte(body), &pubs); err != nil || res.StatusCode != 200 {
		t.Fatalf("publications: %d %s", res.StatusCode, body)
	}
	if len(pubs) != 1 || pubs[0].ID != copyID || pubs[0].Ground != 2 || !strings.Contains(pubs[0].Basis, "형사소송법") || pubs[0].Date != custodian.DateOf(time.Now()) {
		t.Fatalf("publications: %+v", pubs)
	}
	res, page := anon.do("GET", "/provisions", nil)
	if res.StatusCode != 200 || !strings.Contains(page, "편의점 절도 사건 수사") || !strings.Contains(page, "제18조제2항제2호") {
		t.Fatalf("public page: %d %.600s", res.StatusCode, page)
	}
	if _, home := anon.do("GET", "/", nil); !strings.Contains(home, `href="/provisions"`) {
		t.Error("a public body's portal does not link its publications")
	}
	for _, personal := range []string{"김수사", "형사과-4821", "02-0000-1234", "exp-20261122-0001", "clerk", "mgr"} {
		if strings.Contains(body, personal) || strings.Contains(page, personal) {
			t.Errorf("the publication shows %q", personal)
		}
	}
	// A private organisation publishes nothing.
	reg, _, err := e.db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reg.Organisation.Sector = custodian.SectorPrivate
	if _, err := e.db.SaveRegistry(ctx, reg, "private"); err != nil {
		t.Fatal(err)
	}
	if res, body := anon.do("GET", "/api/public/provisions", nil); res.StatusCode != 200 || strings.TrimSpace(body) != "[]" {
		t.Fatalf("private publications: %d %s", res.StatusCode, body)
	}
	if _, page := anon.do("GET", "/provisions", nil); strings.Contains(page, "편의점") || !strings.Contains(page, "공공기관이 아니어서") {
		t.Fatalf("private page: %.600s", page)
	}
	if _, home := anon.do("GET", "/", nil); strings.Contains(home, `href="/provisions"`) {
		t.Error("a private organisation's portal links publications")
	}
}

// alertOf returns the error a console page shows (or the start of the page).
func alertOf(body string) string {
	if i := strings.Index(body, `role="alert">`); i >= 0 {
		body = body[i+len(`role="alert">`):]
		if j := strings.Index(body, "<"); j >= 0 {
			return body[:j]
		}
	}
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	return fmt.Sprintf("%.400s", body)
}

// TestLiveProvision: live view given under the police agreement is delivered through the
// door as footage.provision of the provision's cameras.
func TestLiveProvision(t *testing.T) {
	e := provisionEnv(t)
	clerk, mgr := e.directSession("clerk"), e.directSession("mgr")
	in := map[string]any{"kind": "provision", "agency": "예시경찰서", "officer": "이경장", "letter_no": "112-9", "letter_date": custodian.DateOf(time.Now()).String(),
		"ground": 7, "purpose": "실종 아동 수색", "cameras": []string{"street-1"}, "form": "live", "restrictions": "수색 종료 시 중단"}
	// Live provision needs the agreement; a camera outside it is refused.
	if res, body := clerk.do("POST", "/api/provisions", in); res.StatusCode != 400 || !strings.Contains(body, "agreement") {
		t.Fatalf("live without an agreement: %d %s", res.StatusCode, body)
	}
	in["agreement"] = "police"
	res, body := clerk.do("POST", "/api/provisions", in)
	if res.StatusCode != 201 {
		t.Fatalf("entry: %d %s", res.StatusCode, body)
	}
	var p custodian.Provision
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if res, body := mgr.do("POST", fmt.Sprintf("/api/provisions/%d/approve", p.ID), map[string]any{}); res.StatusCode != 200 {
		t.Fatalf("approve: %d %s", res.StatusCode, body)
	}
	if res, body := clerk.do("POST", fmt.Sprintf("/api/provisions/%d/deliver", p.ID), map[string]any{}); res.StatusCode != 200 {
		t.Fatalf("deliver: %d %s", res.StatusCode, body)
	}
	n := 0
	scanLog(t, e, func(ev accessEvent) {
		if ev.Action == "footage.provision" && ev.Camera == "street-1" && strings.Contains(ev.Detail, fmt.Sprintf("provision=%d", p.ID)) {
			n++
		}
	})
	if n != 1 {
		t.Fatalf("%d footage.provision records, want 1", n)
	}
}
