package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"custodian"
	"custodian/recorder"
)

// TestInspectStatusStaleness: inspect trusts the recorder's status only while
// 'cameras status' does (recorder.StatusReport.Stale: three rewrite intervals). Before,
// inspect had its own one-minute rule and recorded a camera as recording on a report
// 30 s old from a recorder that rewrites it every 5 s (stale for 'cameras status').
func TestInspectStatusStaleness(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", "../../examples/minimal.yaml")
	c.ok("cameras", "set-source", "door-1", "rtsp://127.0.0.1:1/cam1", "--group", "entrance")
	for _, tc := range []struct {
		age  time.Duration
		want string
	}{
		{2 * time.Second, recorder.StateRecording},
		{30 * time.Second, ""}, // 6 intervals of 5 s: stale
	} {
		rep := recorder.StatusReport{Updated: c.now.Add(-tc.age), PID: 1, Every: 5,
			Cameras: []recorder.Status{{Camera: "door-1", State: recorder.StateRecording}}}
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(c.data, StatusFile)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		var in custodian.Inspection
		if err := json.Unmarshal([]byte(c.ok("inspect", "--hours", "1", "--json", "--by", "관리책임자")), &in); err != nil {
			t.Fatal(err)
		}
		for _, ic := range in.Cameras {
			if ic.Camera == "door-1" && ic.State != tc.want {
				t.Errorf("a report %v old (rewritten every 5 s): door-1 is %q in the inspection, want %q", tc.age, ic.State, tc.want)
			}
		}
	}
}
