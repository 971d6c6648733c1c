package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
	"custodian/sqlite"
	"custodian/yaml"
)

func cmdInit(a *app, ctx context.Context, args []string) error {
	fs := a.flags("init")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	d, err := datadir.Init(a.dataPath)
	if err != nil {
		return err
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		return err
	}
	defer db.Close()
	// The access log starts with the creation of the data directory.
	log, err := a.openAudit(db)
	if err != nil {
		return err
	}
	_, err = log.Append(ctx, auditlog.Event{Actor: a.cliActor(), Source: "cli", Action: "custodian.init", Result: auditlog.ResultOK, Object: d.Path})
	if cerr := log.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	key, err := d.MasterKey()
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("데이터 디렉터리를 만들었습니다: %s\n  데이터베이스  %s\n  마스터 키     %s (ID %s) — 데이터와 따로 백업하십시오 (docs/OPERATIONS.md)\n  서명 키       %s",
			d.Path, d.DBPath(), d.File(datadir.MasterKeyFile), datadir.KeyID(key), d.File(datadir.SigningKeyFile)),
		fmt.Sprintf("created the data directory %s\n  database     %s\n  master key   %s (ID %s) — back it up apart from the data (docs/OPERATIONS.md)\n  signing key  %s",
			d.Path, d.DBPath(), d.File(datadir.MasterKeyFile), datadir.KeyID(key), d.File(datadir.SigningKeyFile))))
	return nil
}

// readInput reads a file, or standard input for "-".
func (a *app) readInput(path string) ([]byte, string, error) {
	if path == "-" {
		b, err := io.ReadAll(io.LimitReader(a.stdin, yaml.MaxFileSize+1))
		return b, "(stdin)", err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, path, custodian.Errorf(custodian.ENOTFOUND, "파일 %s를 열 수 없습니다: %w", "cannot open %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, path, custodian.Errorf(custodian.EINVALID, "%s는 디렉터리입니다", "%s is a directory", path)
	}
	if st.Size() > yaml.MaxFileSize {
		return nil, path, custodian.Errorf(custodian.EINVALID, "%s가 너무 큽니다 (%d바이트, 최대 %d)", "%s is too large (%d bytes, at most %d)", path, st.Size(), yaml.MaxFileSize)
	}
	b, err := os.ReadFile(path)
	return b, path, err
}

func (a *app) loadFile(path string) (*custodian.Registry, string, error) {
	data, name, err := a.readInput(path)
	if err != nil {
		return nil, name, err
	}
	r, err := yaml.LoadFile(name, data)
	return r, name, err
}

func (a *app) summary(r *custodian.Registry) string {
	x := r.Index()
	groups := 0
	for _, s := range r.Sites {
		groups += len(s.CameraGroups)
	}
	return a.msg(
		fmt.Sprintf("%s: 사이트 %d곳, 카메라 그룹 %d개 (%d대), 목적 %d개, 보관 등급 %d개, 관계자 %d명", r.Organisation.Name, len(r.Sites), groups, x.Total(), len(r.Purposes), len(r.RetentionClasses), len(r.People)),
		fmt.Sprintf("%s: %d sites, %d camera groups (%d cameras), %d purposes, %d retention classes, %d people", r.Organisation.Name, len(r.Sites), groups, x.Total(), len(r.Purposes), len(r.RetentionClasses), len(r.People)))
}

func cmdValidate(a *app, ctx context.Context, args []string) error {
	fs := a.flags("validate")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	r, name, err := a.loadFile(pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s %s\n", a.msg(name+": 문제 없음 —", name+": valid —"), a.summary(r))
	return nil
}

func cmdImport(a *app, ctx context.Context, args []string) error {
	fs := a.flags("import")
	dry := fs.Bool("dry-run", false, "검사만 하고 저장하지 않음 (check only, store nothing)")
	allowSources := fs.Bool("allow-source-changes", false,
		"카메라의 영상 출처·비밀번호·녹화 여부를 바꾸는 것을 허용 (cameras.manage; allow changing cameras' sources, passwords and recording)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *dry {
		return cmdValidate(a, ctx, pos)
	}
	r, name, err := a.loadFile(pos[0])
	if err != nil {
		return err
	}
	// Camera passwords are read before anything is stored, so that a missing file changes
	// nothing; they are sealed under the master key, never kept in the registry.
	secrets, err := a.readPasswordFiles(r, pos[0])
	if err != nil {
		return err
	}
	var f *footage
	var db *sqlite.DB
	if len(secrets) > 0 {
		if f, err = a.openFootage(ctx); err != nil {
			return err
		}
		defer f.Close()
		db = f.db
	} else {
		if db, err = a.openDB(ctx); err != nil {
			return err
		}
		defer db.Close()
	}
	// Camera sources, passwords and recording are cameras.manage (docs/PERMISSIONS.md):
	// an import that changes them says so in so many words, so that a registry file
	// edited by the registry's editors cannot move a camera or stop its recording unseen.
	cur, _, err := db.Registry(ctx)
	if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return err
	}
	changes := custodian.SourceChanges(cur, r) // password_file was cleared: new passwords are added
	for _, s := range secrets {
		changes = append(changes, custodian.SourceChange{Camera: s.camera, Path: s.path, Field: "source.password_file", New: a.msg("(새 비밀번호)", "(new password)")})
	}
	if len(changes) > 0 && !*allowSources {
		text := custodian.SourceChangesText(changes)
		return custodian.Errorf(custodian.EUNAUTHORIZED,
			"%s: 이 등록 정보는 카메라의 영상 출처, 비밀번호 또는 녹화 여부(enabled)를 바꿉니다 (cameras.manage 권한의 일). 의도한 변경이면 --allow-source-changes를 붙여 다시 실행하십시오. 아무것도 저장하지 않았습니다. 바뀌는 항목:%s",
			"%s: this registry changes cameras' sources, passwords or recording (enabled), which is cameras.manage's to do. If you mean it, run again with --allow-source-changes. Nothing was stored. Changes:%s", name, text)
	}
	meta, err := db.SaveRegistry(ctx, r, name)
	if err != nil {
		return err
	}
	if !meta.Unchanged {
		if err := a.syncPeople(ctx, db, r); err != nil {
			return err
		}
	}
	for _, s := range secrets {
		if err := f.v.SetCameraSecret(ctx, s.camera, s.user, s.origin, s.password); err != nil {
			return err
		}
	}
	if err := a.clearMovedSecrets(ctx, db, r, secrets); err != nil {
		return err
	}
	if len(secrets) > 0 {
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("카메라 %d대의 비밀번호를 암호화하여 저장했습니다", len(secrets)),
			fmt.Sprintf("stored the passwords of %d cameras, encrypted", len(secrets))))
	}
	if meta.Unchanged {
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("변경 사항이 없습니다 (현재 개정판 %d과 같음) — %s", meta.Revision, a.summary(r)),
			fmt.Sprintf("no changes (same as the current revision %d) — %s", meta.Revision, a.summary(r))))
		return nil
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("가져왔습니다 (개정판 %d): %s", meta.Revision, a.summary(r)),
		fmt.Sprintf("imported (revision %d): %s", meta.Revision, a.summary(r))))
	return nil
}

func cmdExport(a *app, ctx context.Context, args []string) error {
	fs := a.flags("export")
	out := fs.String("o", "", "출력 파일 (output file; default stdout)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	r, _, err := db.Registry(ctx)
	if err != nil {
		return err
	}
	data, err := yaml.Encode(r)
	if err != nil {
		return err
	}
	o, err := a.create(*out, false)
	if err != nil {
		return err
	}
	_, err = o.w.Write(data)
	return o.commit(err)
}

// jsonList returns s, or an empty slice for nil, so that JSON shows [] rather than null.
func jsonList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func cmdSitesList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("sites list")
	asJSON := fs.Bool("json", false, "JSON 배열로 출력 (print a JSON array)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	sites, err := db.ListSites(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(sites)
	}
	t := &textTable{header: []string{"ID", a.msg("이름", "NAME"), a.msg("종류", "KIND"), a.msg("상위", "PARENT"), a.msg("카메라", "CAMERAS"), a.msg("하위 포함", "WITH BELOW"), a.msg("비고", "NOTE")}}
	for _, s := range sites {
		t.add(s.ID, s.Name, s.Kind, s.Parent, strconv.Itoa(s.Cameras), strconv.Itoa(s.CamerasTotal), s.NoCamerasReason)
	}
	t.write(a.stdout)
	return nil
}

func cmdCamerasList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("cameras list")
	asJSON := fs.Bool("json", false, "JSON 배열로 출력 (print a JSON array)")
	site := fs.String("site", "", "이 사이트와 하위 사이트만 (only this site and the sites below it)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	groups, err := db.ListCameraGroups(ctx, *site)
	if err != nil {
		return err
	}
	// The recorded cameras of each group, from the registry (their IDs are what footage,
	// clips and holds name).
	if reg, _, err := db.Registry(ctx); err == nil {
		x := reg.Index()
		cams, gids := x.Cameras()
		by := map[string][]custodian.CameraSummary{}
		for i, c := range cams {
			cs := custodian.CameraSummary{ID: c.ID, Location: c.Location, Enabled: c.Enabled}
			if c.Source != nil {
				cs.Kind, cs.URL = c.Source.SourceKind(), c.Source.URL
			}
			by[gids[i]] = append(by[gids[i]], cs)
		}
		for i := range groups {
			groups[i].Cameras = by[groups[i].ID]
		}
	}
	if *asJSON {
		return a.printJSON(groups)
	}
	t := &textTable{header: []string{"ID", a.msg("사이트", "SITE"), a.msg("분류", "CATEGORY"), a.msg("대수", "COUNT"), a.msg("설치 위치", "LOCATIONS"), a.msg("목적", "PURPOSES"), a.msg("보관", "RETENTION"), a.msg("녹화 카메라", "RECORDED")}}
	total := 0
	for _, g := range groups {
		var rec []string
		for _, c := range g.Cameras {
			id := c.ID
			if !c.Enabled {
				id += a.msg("(꺼짐)", "(off)")
			}
			rec = append(rec, id)
		}
		t.add(g.ID, g.SiteName, g.Category, strconv.Itoa(g.Count), strings.Join(g.Locations, ", "), strings.Join(g.Purposes, ","), g.RetentionClass, strings.Join(rec, ", "))
		total += g.Count
	}
	t.write(a.stdout)
	fmt.Fprintf(a.stdout, "%s\n", a.msg(fmt.Sprintf("카메라 그룹 %d개, 총 %d대", len(groups), total), fmt.Sprintf("%d camera groups, %d cameras", len(groups), total)))
	return nil
}

func cmdPeopleList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("people list")
	asJSON := fs.Bool("json", false, "JSON 배열로 출력 (print a JSON array)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	r, _, err := db.Registry(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(jsonList(r.People))
	}
	t := &textTable{header: []string{"ID", a.msg("이름", "NAME"), a.msg("역할", "ROLE"), a.msg("정/부", "RANK"), a.msg("부서", "DEPARTMENT"), a.msg("직위", "TITLE"), a.msg("연락처", "CONTACT"), a.msg("사이트", "SITES")}}
	for _, p := range r.People {
		role := custodian.RoleName(p.Role)
		if a.lang == "en" {
			role = p.Role
		}
		t.add(p.ID, p.Name, role, p.Rank, p.Department, p.Title, p.Phone, strings.Join(p.Sites, ","))
	}
	t.write(a.stdout)
	return nil
}

type cameraPassword struct{ camera, user, origin, password, path string }

// readPasswordFiles reads the password_file of every camera source in r (relative to the
// registry file's directory) and clears it from r.
func (a *app) readPasswordFiles(r *custodian.Registry, file string) ([]cameraPassword, error) {
	var out []cameraPassword
	for i := range r.Sites {
		for j := range r.Sites[i].CameraGroups {
			g := &r.Sites[i].CameraGroups[j]
			for k := range g.Cameras {
				c := &g.Cameras[k]
				if c.Source == nil || c.Source.PasswordFile == "" {
					continue
				}
				path := c.Source.PasswordFile
				if !filepath.IsAbs(path) && file != "-" {
					path = filepath.Join(filepath.Dir(file), path)
				}
				pw, err := readPassword(path)
				if err != nil {
					return nil, custodian.Errorf(custodian.EINVALID, "%s: sites[%d].camera_groups[%d].cameras[%d].source.password_file: %v",
						"%s: sites[%d].camera_groups[%d].cameras[%d].source.password_file: %v", file, i, j, k, err)
				}
				out = append(out, cameraPassword{c.ID, c.Source.User, custodian.SourceOrigin(c.Source.URL), pw,
					fmt.Sprintf("sites[%d].camera_groups[%d].cameras[%d].source.password_file", i, j, k)})
				c.Source.PasswordFile = ""
			}
		}
	}
	return out, nil
}

// clearMovedSecrets deletes the stored password of every camera of r whose source now
// points at another origin (scheme://host:port) than the password was stored for, and of
// every camera without a source, saying so: a stored password is sent only to the host
// it was given for (the recorder refuses it elsewhere in any case). Cameras whose password
// was just stored (fresh) are skipped.
func (a *app) clearMovedSecrets(ctx context.Context, db *sqlite.DB, r *custodian.Registry, fresh []cameraPassword) error {
	cams, _ := r.Index().Cameras()
	for _, c := range cams {
		if slices.ContainsFunc(fresh, func(p cameraPassword) bool { return p.camera == c.ID }) {
			continue
		}
		s, err := db.CameraSecret(ctx, c.ID)
		if custodian.ErrorCode(err) == custodian.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		now := ""
		if c.Source != nil {
			now = custodian.SourceOrigin(c.Source.URL)
		}
		if s.Host == now || s.Host == "" {
			continue // the same host, or one stored before hosts (never sent; set-source says how)
		}
		if err := db.DeleteCameraSecret(ctx, c.ID); err != nil {
			return err
		}
		if now == "" {
			now = a.msg("(출처 없음)", "(no source)")
		}
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("카메라 %[1]s의 출처가 %[2]s에서 %[3]s(으)로 바뀌어 저장된 비밀번호를 지웠습니다: 새 호스트의 비밀번호는 'custodian cameras set-source %[1]s URL --user U --password-file F'로 저장하십시오", c.ID, s.Host, now),
			fmt.Sprintf("camera %[1]s's source moved from %[2]s to %[3]s, so its stored password was deleted: store the new host's with 'custodian cameras set-source %[1]s URL --user U --password-file F'", c.ID, s.Host, now)))
	}
	return nil
}

// readPassword reads a password file: its first line, without the line end.
func readPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return line, nil
}
