package web_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"custodian"
	"custodian/auditlog"
)

// GET /api/audit/checkpoints: an auditor (the external witness's account) gets the signed
// checkpoints after ?since with the public key; what it gets verifies, and 'audit verify
// --witness' reads it (auditlog.ParseCheckpoints). A bad since is a 400 naming it.
func TestCheckpointsEndpoint(t *testing.T) {
	e := newConsole(t)
	e.account("witness", custodian.AccountGrant{Role: "auditor", All: true})
	c := e.client()
	c.login("witness")
	var seqs []uint64
	for i := 0; i < 3; i++ {
		if _, err := e.log.Append(t.Context(), auditlog.Event{Actor: "kim", Action: auditlog.ActionLive, Camera: "street-1"}); err != nil {
			t.Fatal(err)
		}
		cp, err := e.log.Checkpoint(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, cp.Seq)
	}
	res, body := c.do("GET", "/api/audit/checkpoints", nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	var list auditlog.CheckpointList
	if err := json.Unmarshal([]byte(body), &list); err != nil || list.PublicKey == "" || len(list.Checkpoints) < 3 {
		t.Fatalf("%v %s", err, body)
	}
	cps, err := auditlog.ParseCheckpoints([]byte(body))
	if err != nil || len(cps) != len(list.Checkpoints) {
		t.Fatalf("parse: %d %v", len(cps), err)
	}
	for _, cp := range cps {
		if !cp.Valid(e.log.PublicKey()) {
			t.Fatalf("checkpoint %s does not verify", cp)
		}
	}
	res, body = c.do("GET", "/api/audit/checkpoints?since="+strconv.FormatUint(seqs[1], 10), nil)
	if err := json.Unmarshal([]byte(body), &list); res.StatusCode != 200 || err != nil || len(list.Checkpoints) != 1 || list.Checkpoints[0].Seq != seqs[2] {
		t.Fatalf("since: %d %s", res.StatusCode, body)
	}
	if res, body := c.do("GET", "/api/audit/checkpoints?since=-1", nil); res.StatusCode != 400 || !strings.Contains(body, "since") {
		t.Fatalf("since=-1: %d %s", res.StatusCode, body)
	}
}

// The access log's records have one JSON shape: /api/accesslog returns what
// auditlog.Event.MarshalJSON writes (the CLI's 'audit log --json' and 'audit export'),
// hashes included.
func TestAccessLogAPIShape(t *testing.T) {
	e := newConsole(t)
	e.account("aud", custodian.AccountGrant{Role: "auditor", All: true})
	ev, err := e.log.Append(t.Context(), auditlog.Event{Actor: "kim", Source: "10.0.0.1", Action: auditlog.ActionLive, Camera: "street-1", Purpose: "확인"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login("aud")
	res, body := c.do("GET", "/api/accesslog?actor=kim", nil)
	var out struct {
		Records []json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal([]byte(body), &out); res.StatusCode != 200 || err != nil || len(out.Records) != 1 {
		t.Fatalf("%d %v %s", res.StatusCode, err, body)
	}
	want, _ := json.Marshal(ev)
	var got bytes.Buffer
	json.Compact(&got, out.Records[0])
	if got.String() != string(want) {
		t.Fatalf("the API's record:\n%s\nthe event's JSON:\n%s", out.Records[0], want)
	}
}

// The access log's tail is cut while the server runs: footage is not opened (its opening
// must be logged first), with an answer that says why, and the log is not written on
// from the cut.
func TestFootageRefusedAfterLogCut(t *testing.T) {
	e := newConsole(t)
	e.account("op", custodian.AccountGrant{Role: "access_holder", Sites: []string{"streets"}})
	c := e.directSession("op")
	open := map[string]any{"cameras": []string{"street-1"}, "purpose": "crime"}
	if res, body := c.do("POST", "/api/live", open); res.StatusCode >= 300 {
		t.Fatalf("live before the cut: %d %s", res.StatusCode, body)
	}
	months, _ := filepath.Glob(filepath.Join(e.logDir, "*-*.log"))
	if len(months) == 0 {
		t.Fatal("no month file")
	}
	newest := months[len(months)-1]
	if err := os.Truncate(newest, 64); err != nil { // every record of the month removed
		t.Fatal(err)
	}
	res, body := c.do("POST", "/api/live", open)
	if res.StatusCode != 503 || !strings.Contains(body, "the footage was not opened") || !strings.Contains(body, "removed") {
		t.Fatalf("live after the cut: %d %s", res.StatusCode, body)
	}
	if fi, _ := os.Stat(newest); fi.Size() != 64 {
		t.Fatalf("the log was written on from the cut: %d bytes", fi.Size())
	}
	if e.log.Err() == nil {
		t.Fatal("the log did not stop")
	}
}
