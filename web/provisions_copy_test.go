package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
)

// TestProvisionCopyInConsole: an agency asks for a copy; once approved, staff make the
// signed copy in the console (through the door, logged with provision=N), deliver it with
// its export ID, and the agency's page gives the download link (each download logged);
// a copy before approval, or of an on-site provision, is refused and changes nothing.
func TestProvisionCopyInConsole(t *testing.T) {
	e := provisionEnv(t)
	e.withCopies()
	start := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	e.footageOf("street-1", start)
	p1, mgr, clerk := e.directSession("police1"), e.directSession("mgr"), e.directSession("clerk")
	v := url.Values{"cameras": {"street-1"}, "from": {localTime(start)}, "to": {localTime(start.Add(2 * time.Minute))}, "form": {"copy"},
		"ground": {"7"}, "purpose": {"뺑소니 사건 수사"}, "officer": {"박경위"}, "letter_no": {"교통과-78"}, "letter_date": {custodian.DateOf(time.Now()).String()}}
	res, body := p1.form("/console/agency/provisions", v)
	if res.StatusCode != 303 {
		t.Fatalf("filing: %d %s", res.StatusCode, alertOf(body))
	}
	id := provisionID(t, res.Header.Get("Location"), "/console/agency/provisions/")
	copyURL := fmt.Sprintf("/api/provisions/%d/copy", id)
	if res, body := clerk.do("POST", copyURL, map[string]any{}); res.StatusCode != 409 {
		t.Fatalf("a copy before approval: %d %s", res.StatusCode, body)
	}
	if res, body := mgr.do("POST", fmt.Sprintf("/api/provisions/%d/approve", id), map[string]any{"pledge": true, "restrictions": "수사 목적 외 이용 금지"}); res.StatusCode != 200 {
		t.Fatalf("approve: %d %s", res.StatusCode, body)
	}
	if res, body := p1.do("POST", copyURL, map[string]any{}); res.StatusCode != 403 {
		t.Fatalf("the agency makes its own copy: %d %s", res.StatusCode, body)
	}
	if res, body := clerk.do("POST", copyURL, map[string]any{}); res.StatusCode != 202 {
		t.Fatalf("copy: %d %s", res.StatusCode, body)
	}
	var st struct {
		Export string
		Copy   struct {
			Done  bool
			Error string
		}
		Links []struct{ URL string } `json:"download_links"`
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, body := clerk.do("GET", copyURL, nil)
		json.Unmarshal([]byte(body), &st)
		if st.Copy.Done && (st.Copy.Error != "" || len(st.Links) > 0) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the copy was not made: %s", body)
		}
	}
	if st.Copy.Error != "" || len(st.Links) != 1 {
		t.Fatalf("copy: %+v", st)
	}
	if res, _ := clerk.do("POST", copyURL, map[string]any{}); res.StatusCode != 409 {
		t.Errorf("a second copy: %d", res.StatusCode)
	}
	// Not yet delivered: the agency sees no link.
	if _, body := p1.do("GET", fmt.Sprintf("/console/agency/provisions/%d", id), nil); strings.Contains(body, "/d/") {
		t.Error("the agency sees the link before the copy is delivered")
	}
	if res, body := clerk.do("POST", fmt.Sprintf("/api/provisions/%d/deliver", id), map[string]any{"export_id": st.Export}); res.StatusCode != 200 {
		t.Fatalf("deliver: %d %s", res.StatusCode, body)
	}
	_, page := p1.do("GET", fmt.Sprintf("/console/agency/provisions/%d", id), nil)
	if !strings.Contains(page, st.Links[0].URL) {
		t.Fatalf("the agency's page lacks the link %s", st.Links[0].URL)
	}
	dl, err := http.Get(e.ts.URL + st.Links[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	zip, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.StatusCode != 200 || len(zip) < 1000 {
		t.Fatalf("download: %d (%d bytes)", dl.StatusCode, len(zip))
	}
	counts := map[string]int{}
	scanLog(t, e, func(ev auditlog.Event) {
		if strings.Contains(ev.Detail, fmt.Sprintf("provision=%d", id)) && ev.Result == auditlog.ResultOK {
			counts[ev.Action]++
		}
	})
	// Two exports: the copy made (its footage read), and the copy handed over (the
	// delivery); and the download.
	if counts["footage.export"] != 2 || counts["footage.download"] != 1 {
		t.Errorf("access log for the provision: %v, want the copy made, its delivery and one download", counts)
	}
}
