package main

import (
	"context"
	"fmt"
	"strings"

	"custodian"
)

func init() {
	register(1,
		&command{name: "cameras set-source", args: "ID URL [--group G] [--kind rtsp|ffmpeg] [--user U --password-file F] [--transport tcp|udp] [--location L] [--disable]",
			ko: "카메라의 영상 출처를 정하고 녹화를 켭니다 (비밀번호는 암호화하여 저장)", en: "set a camera's source and enable recording (the password is stored encrypted)", run: cmdCamerasSetSource},
		&command{name: "cameras enable", args: "ID", ko: "카메라 녹화를 켭니다", en: "enable recording of a camera", run: cmdCamerasEnable(true)},
		&command{name: "cameras disable", args: "ID", ko: "카메라 녹화를 끕니다", en: "disable recording of a camera", run: cmdCamerasEnable(false)},
	)
}

// cmdCamerasSetSource sets (or adds) a camera's source: a new registry revision, and the
// password, if given, sealed under the master key.
func cmdCamerasSetSource(a *app, ctx context.Context, args []string) error {
	fs := a.flags("cameras set-source")
	group := fs.String("group", "", "카메라가 없으면 이 카메라 그룹에 추가 (add the camera to this group if it does not exist)")
	kind := fs.String("kind", custodian.SourceRTSP, "rtsp 또는 ffmpeg (rtsp or ffmpeg)")
	user := fs.String("user", "", "카메라 계정 (the camera's user)")
	pwFile := fs.String("password-file", "", "비밀번호 파일, 첫 줄 (file holding the password, first line; - for stdin)")
	transport := fs.String("transport", "", "tcp 또는 udp (rtsp only; default tcp)")
	location := fs.String("location", "", "설치 위치 (where it is installed)")
	disable := fs.Bool("disable", false, "출처만 정하고 녹화는 끈 상태로 (set the source but leave recording off)")
	pos, err := a.parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	id, url := pos[0], pos[1]
	if *pwFile != "" && *user == "" {
		return a.usagef("--password-file에는 --user가 필요합니다", "--password-file needs --user")
	}
	var password string
	if *pwFile != "" {
		if *pwFile == "-" {
			b := make([]byte, 4096)
			n, _ := a.stdin.Read(b)
			password = strings.TrimRight(strings.SplitN(string(b[:n]), "\n", 2)[0], "\r")
		} else if password, err = readPassword(*pwFile); err != nil {
			return custodian.Errorf(custodian.EINVALID, "--password-file: %w", "--password-file: %w", err)
		}
		if password == "" {
			return custodian.Errorf(custodian.EINVALID, "--password-file: 비밀번호가 비어 있습니다", "--password-file: the password is empty")
		}
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	r, _, err := f.db.Registry(ctx)
	if err != nil {
		return err
	}
	x := r.Index() // its pointers are into r: changes through them are r's
	cam, _ := x.Camera(id)
	if cam == nil {
		if *group == "" {
			return custodian.Errorf(custodian.ENOTFOUND, "등록 정보에 카메라 %q가 없습니다: 새 카메라라면 --group으로 카메라 그룹을 정하십시오",
				"no camera %q in the registry: for a new camera, name its camera group with --group", id)
		}
		g, _ := x.CameraGroup(*group)
		if g == nil {
			return custodian.Errorf(custodian.ENOTFOUND, "등록 정보에 카메라 그룹 %q가 없습니다 ('custodian cameras list')", "no camera group %q in the registry (see 'custodian cameras list')", *group)
		}
		g.Cameras = append(g.Cameras, custodian.Camera{ID: id})
		cam = &g.Cameras[len(g.Cameras)-1]
	} else if *group != "" {
		return custodian.Errorf(custodian.ECONFLICT, "카메라 %q는 이미 있습니다: --group은 새 카메라에만 씁니다", "camera %q exists: --group is for new cameras only", id)
	}
	src := &custodian.Source{Kind: *kind, URL: url, User: *user, Transport: *transport}
	if src.Kind == custodian.SourceRTSP {
		src.Kind = "" // the default is not written out
	}
	if *user == "" && cam.Source != nil {
		src.User = cam.Source.User // keep the stored account unless a new one is given
	}
	cam.Source = src
	cam.Enabled = !*disable
	if *location != "" {
		cam.Location = *location
	}
	meta, err := f.db.SaveRegistry(ctx, r, "cameras set-source "+id)
	if err != nil {
		return err
	}
	origin := custodian.SourceOrigin(url)
	if password != "" {
		if err := f.v.SetCameraSecret(ctx, id, src.User, origin, password); err != nil {
			return err
		}
	} else if s, err := f.db.CameraSecret(ctx, id); err == nil && s.Host != "" && s.Host != origin {
		// A stored password goes only to the host it was given for.
		if err := f.db.DeleteCameraSecret(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("저장된 비밀번호는 %s용이었으므로 지웠습니다: 새 호스트의 비밀번호는 --user와 --password-file로 정하십시오", s.Host),
			fmt.Sprintf("the stored password was for %s and has been deleted: give the new host's with --user and --password-file", s.Host)))
	} else if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return err
	}
	state := a.msg("녹화 켬", "recording enabled")
	if *disable {
		state = a.msg("녹화 끔", "recording disabled")
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("카메라 %s의 출처를 %s(으)로 정했습니다 (%s, 등록 정보 개정판 %d)", id, url, state, meta.Revision),
		fmt.Sprintf("camera %s now records from %s (%s, registry revision %d)", id, url, state, meta.Revision)))
	return nil
}

func cmdCamerasEnable(on bool) func(a *app, ctx context.Context, args []string) error {
	return func(a *app, ctx context.Context, args []string) error {
		name := "cameras disable"
		if on {
			name = "cameras enable"
		}
		fs := a.flags(name)
		pos, db, err := a.parseOpen(ctx, fs, args, 1, 1)
		if err != nil {
			return err
		}
		defer db.Close()
		r, _, err := db.Registry(ctx)
		if err != nil {
			return err
		}
		cam, _ := r.Index().Camera(pos[0])
		if cam == nil {
			return custodian.Errorf(custodian.ENOTFOUND, "등록 정보에 카메라 %q가 없습니다", "no camera %q in the registry", pos[0])
		}
		cam.Enabled = on
		meta, err := db.SaveRegistry(ctx, r, name+" "+pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("카메라 %s: %s (등록 정보 개정판 %d)", pos[0], map[bool]string{true: "녹화 켬", false: "녹화 끔"}[on], meta.Revision),
			fmt.Sprintf("camera %s: %s (registry revision %d)", pos[0], map[bool]string{true: "recording enabled", false: "recording disabled"}[on], meta.Revision)))
		return nil
	}
}
