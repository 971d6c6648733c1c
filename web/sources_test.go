package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"custodian"
)

// TestRegistryEditCannotChangeSources: the registry editor (chief, manager) may edit the
// registry but not a camera's source, credentials or recording, which only cameras.manage
// may change (issue 11, item 8). Each refused save names the camera and the field, answers
// 403 and changes nothing; other edits of the same registry are saved.
func TestRegistryEditCannotChangeSources(t *testing.T) {
	e := newConsole(t)
	ctx := context.Background()
	e.account("boss", custodian.AccountGrant{Role: "chief", All: true})
	boss := e.directSession("boss")
	current := func() (*custodian.Registry, int64) {
		r, meta, err := e.db.Registry(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r, meta.Revision
	}
	lobby := func(r *custodian.Registry) *custodian.Camera {
		c, _ := r.Index().Camera("lobby-1")
		if c == nil {
			t.Fatal("no lobby-1")
		}
		return c
	}
	_, rev0 := current()
	for _, tc := range []struct {
		name, field string
		edit        func(r *custodian.Registry)
	}{
		{"point the camera elsewhere", "source.url", func(r *custodian.Registry) { lobby(r).Source.URL = "rtsp://203.0.113.9:554/steal" }},
		{"stop recording", "enabled", func(r *custodian.Registry) { lobby(r).Enabled = false }},
		{"ffmpeg on a web address", "source.kind", func(r *custodian.Registry) {
			lobby(r).Source = &custodian.Source{Kind: custodian.SourceFFmpeg, URL: "rtsp://127.0.0.1:1/lobby"}
		}},
		{"another camera account", "source.user", func(r *custodian.Registry) { lobby(r).Source.User = "admin" }},
		{"allow Basic", "source.allow_basic_auth", func(r *custodian.Registry) { lobby(r).Source.AllowBasicAuth = true }},
		{"remove the camera", "(removed) enabled", func(r *custodian.Registry) {
			for i := range r.Sites {
				for j := range r.Sites[i].CameraGroups {
					g := &r.Sites[i].CameraGroups[j]
					if g.ID == "office-entrances" {
						g.Cameras = nil
					}
				}
			}
		}},
	} {
		r, _ := current()
		tc.edit(r)
		y, err := yamlOf(r)
		if err != nil {
			t.Fatal(err)
		}
		res, body := boss.do("PUT", "/api/registry", y)
		if res.StatusCode != 403 || !strings.Contains(body, "lobby-1") || !strings.Contains(body, tc.field) || !strings.Contains(body, "cameras.manage") {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode, body)
		}
		// The console's form too.
		res, body = boss.form("/console/registry", url.Values{"yaml": {string(y)}})
		if res.StatusCode != 403 || !strings.Contains(body, "lobby-1") || !strings.Contains(body, tc.field) {
			t.Errorf("%s (form): %d", tc.name, res.StatusCode)
		}
		if _, rev := current(); rev != rev0 {
			t.Fatalf("%s: the refused registry was stored (revision %d, was %d)", tc.name, rev, rev0)
		}
	}
	// A password_file from the console is refused: only the server's import reads one.
	r, _ := current()
	lobby(r).Source.PasswordFile = "/etc/shadow"
	y, _ := yamlOf(r)
	if res, body := boss.do("PUT", "/api/registry", y); res.StatusCode != 400 || !strings.Contains(body, "password_file") {
		t.Errorf("password_file: %d %s", res.StatusCode, body)
	}
	// The registry editor may still change the rest of a camera: its location.
	r, _ = current()
	lobby(r).Location = "본관 로비 (동쪽)"
	y, _ = yamlOf(r)
	if res, body := boss.do("PUT", "/api/registry", y); res.StatusCode != 200 {
		t.Fatalf("location: %d %s", res.StatusCode, body)
	}
	// With cameras.manage (the admin role beside the chief's), a source change is saved.
	a, err := e.db.AccountByUsername(ctx, "boss")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Grant(ctx, a, custodian.AccountGrant{Role: "admin", All: true}, "test", "test"); err != nil {
		t.Fatal(err)
	}
	r, _ = current()
	lobby(r).Source.URL = "rtsp://127.0.0.1:2/lobby"
	lobby(r).Enabled = false
	y, _ = yamlOf(r)
	if res, body := boss.do("PUT", "/api/registry", y); res.StatusCode != 200 {
		t.Fatalf("with cameras.manage: %d %s", res.StatusCode, body)
	}
	if r, _ := current(); lobby(r).Source.URL != "rtsp://127.0.0.1:2/lobby" || lobby(r).Enabled {
		t.Error("the change with cameras.manage was not stored")
	}
}

// TestRegistryEditCamerasManageScope: cameras.manage over one site lets its holder change
// the sources of that site's cameras, not those of another site.
func TestRegistryEditCamerasManageScope(t *testing.T) {
	e := newConsole(t)
	ctx := context.Background()
	reg, _, err := e.db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	x := reg.Index()
	_, lobbyGroup := x.Camera("lobby-1")
	_, lobbySite := x.CameraGroup(lobbyGroup)
	_, streetGroup := x.Camera("street-1")
	_, streetSite := x.CameraGroup(streetGroup)
	if lobbySite == streetSite {
		t.Skip("the example has both cameras at one site")
	}
	a := e.account("boss", custodian.AccountGrant{Role: "chief", All: true})
	if _, err := e.m.Grant(ctx, a, custodian.AccountGrant{Role: "admin", Sites: []string{lobbySite}}, "test", "test"); err != nil {
		t.Fatal(err)
	}
	boss := e.directSession("boss")
	street, _ := reg.Index().Camera("street-1")
	street.Enabled = false
	y, _ := yamlOf(reg)
	if res, body := boss.do("PUT", "/api/registry", y); res.StatusCode != 403 || !strings.Contains(body, "street-1") {
		t.Errorf("another site's camera: %d %s", res.StatusCode, body)
	}
	reg, _, _ = e.db.Registry(ctx)
	lobby, _ := reg.Index().Camera("lobby-1")
	lobby.Enabled = false
	y, _ = yamlOf(reg)
	if res, body := boss.do("PUT", "/api/registry", y); res.StatusCode != 200 {
		t.Errorf("own site's camera: %d %s", res.StatusCode, body)
	}
}
