package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"custodian"
	"custodian/accounts"
	"custodian/auth"
	"custodian/datadir"
	"custodian/examples"
	"custodian/live"
	"custodian/publish"
	"custodian/requests"
	"custodian/sqlite"
	"custodian/vault"
	"custodian/web"
	"custodian/yaml"
)

// DefaultListen is where the server listens unless told otherwise: loopback only.
const DefaultListen = "127.0.0.1:8080"

func cmdServe(a *app, ctx context.Context, args []string) error {
	fs := a.flags("serve")
	listen := fs.String("listen", DefaultListen, "대기 주소 (listen address)")
	every := fs.Duration("retention-every", time.Hour, "보관기간 만료 영상 파기 주기 (how often expired footage is destroyed)")
	rec := a.recordFlags(fs)
	logDays := fs.Int("log-retention-days", 730, "접근 기록 보존 일수, 730일(2년) 이상 (days the access log is kept; at least 730)")
	web := a.webFlags(fs)
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	rec.web = web
	if *logDays < 730 {
		return a.usagef("--log-retention-days는 730(2년) 이상이어야 합니다", "--log-retention-days must be at least 730 (two years)")
	}
	a.logRetention = time.Duration(*logDays) * 24 * time.Hour
	return a.serve(ctx, *listen, *every, rec)
}

// serve runs the web server and, beside it, the retention cycle: expired footage is
// destroyed at start and then every `every`.
func (a *app) serve(ctx context.Context, listen string, every time.Duration, rec *recordOptions) error {
	if every < time.Minute {
		return a.usagef("--retention-every는 1분 이상이어야 합니다", "--retention-every must be at least a minute")
	}
	if err := rec.check(a); err != nil {
		return err
	}
	// One server writes a data directory: a second would record every camera again and,
	// opening the vault, take the first's segments in flight for a crash's leftovers.
	dd, err := datadir.Open(a.dataPath)
	if err != nil {
		return err
	}
	lock, err := dd.LockWriter("custodian serve", a.now())
	if err != nil {
		return err
	}
	defer lock.Release()
	// A damaged database: refuse to start (docs/OPERATIONS.md). A large one is checked
	// beside recording instead, so that a restart leaves no gap in the footage while
	// quick_check reads gigabytes (about 5 s a 400 MB database here).
	if st, err := os.Stat(dd.DBPath()); err == nil && st.Size() > serveCheckLimit {
		go func() {
			db, err := sqlite.Open(ctx, dd.DBPath())
			if err == nil {
				err = db.Check(ctx)
				db.Close()
			}
			if err != nil && ctx.Err() == nil {
				slog.Error("the database is damaged; stop the server and restore it from a backup (docs/OPERATIONS.md, \"Damaged database\")", "err", a.errText(err))
			}
		}()
	} else if err := a.checkDB(ctx); err != nil {
		return err
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	f.audit.actor = "system:recorder"
	ops, closeOps, err := a.operationsLog()
	if err != nil {
		return err
	}
	defer closeOps()
	go a.retentionCycle(ctx, f, every)
	go a.presenceCycle(ctx, f, presenceEvery)
	if addr := a.getenv("CUSTODIAN_PPROF"); addr != "" {
		if err := servePprof(ctx, addr, ops); err != nil {
			return err
		}
	}
	s := web.New(f.db, f.db)
	s.Now = a.now
	s.Logger = ops
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return err
	}
	m, err := newManager(d, f.db, a.now)
	if err != nil {
		return err
	}
	m.Log = f.log
	s.Console = &web.Console{Accounts: m, Requests: f.db, Vault: f.v, Log: f.log, LogDir: d.File(auditDir)}
	s.Console.Provisions = f.db
	s.Console.Exports = f.db
	if sk, err := d.SigningKey(); err == nil {
		s.ExportKey = sk.Public().(ed25519.PublicKey) // its fingerprint is on the portal (docs/EXPORTS.md)
	}
	// Requests: the workflow, and the copies given to requesters (signed with the
	// organisation's key, written under exports/).
	reqCfg, err := a.requestConfig()
	if err != nil {
		return err
	}
	if rec.web != nil {
		if rec.web.holdMargin < 0 || rec.web.holdMargin > 24*time.Hour || rec.web.releaseDays < 0 || rec.web.releaseDays > 3650 {
			return a.usagef("--request-hold-margin은 0~24h, --request-release-days는 0~3650이어야 합니다", "--request-hold-margin must be 0 to 24h and --request-release-days 0 to 3650")
		}
		reqCfg.Margin, reqCfg.ReleaseDays = rec.web.holdMargin, rec.web.releaseDays
	}
	s.Console.Workflow = requestService(f, a.now, reqCfg)
	s.Console.ExportDir = d.File("exports")
	if s.Console.SigningKey, err = d.SigningKey(); err != nil {
		return err
	}
	if rec.web != nil && rec.web.provisionDays != 0 {
		if rec.web.provisionDays < custodian.ProvisionMinPublishDays {
			return a.usagef("--provision-publish-days는 %d 이상이어야 합니다 (시행규칙: 홈페이지 10일 이상)", "--provision-publish-days must be at least %d (the Enforcement Rule: 10 days on the homepage)", custodian.ProvisionMinPublishDays)
		}
		s.Console.ProvisionPublishDays = rec.web.provisionDays
	}
	if err := a.setupTLS(s, d, rec.web, listen); err != nil {
		return err
	}
	if rec.on {
		hub := live.NewHub()
		r := a.newRecorder(f, rec, ops, hub)
		s.Console.Live = hub
		s.Console.Status = r.Status
		s.Console.Metrics = r.MetricsHandler()
		if rec.web != nil && rec.web.metricsListen != "" {
			go a.serveMetrics(ctx, rec.web.metricsListen, s.Console.Metrics, ops)
		}
		done := make(chan struct{})
		defer func() { <-done }() // the segments being written are committed before exit
		go func() {
			defer close(done)
			r.Run(ctx)
		}()
	}
	scheme := "http"
	if s.TLS != nil {
		scheme = "https"
	}
	return s.ListenAndServe(ctx, listen, func(addr net.Addr) {
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("%s://%s/ 에서 서비스합니다 (콘솔: /console, Ctrl-C로 종료)", scheme, addr),
			fmt.Sprintf("serving on %s://%s/ (console: /console; Ctrl-C to stop)", scheme, addr)))
	})
}

// retentionCycle releases the holds of closed requests that are due (requests.Service.Sweep)
// and destroys expired footage, now and then every `every`, until ctx ends.
func (a *app) retentionCycle(ctx context.Context, f *footage, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		// The holds of closed requests whose release day has come go first (docs/design/requests.md).
		if n, err := requestService(f, a.now, requests.Config{}).Sweep(ctx); err != nil && ctx.Err() == nil {
			slog.Error("releasing the holds of closed requests failed; it runs again at the next cycle", "err", err)
		} else if n > 0 {
			slog.Info("request holds released", "requests", n)
		}
		reg, _, err := f.db.Registry(ctx)
		if err == nil {
			var rep *vault.RetentionReport
			rep, err = f.v.RunRetention(ctx, policyOf(reg), false)
			if err == nil && (len(rep.Destroyed) > 0 || len(rep.Released) > 0 || rep.Moved > 0) {
				slog.Info("retention", "keys_destroyed", len(rep.Destroyed), "segments", rep.Segments, "bytes", rep.Bytes, "holds_released", len(rep.Released), "moved_to_holds", rep.Moved)
			}
		}
		if err != nil && ctx.Err() == nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
			slog.Error("retention run failed; it runs again at the next cycle", "err", err)
		}
		// The access log keeps at least two years; older months go.
		if removed, err := f.log.Prune(ctx); err != nil && ctx.Err() == nil {
			slog.Error("pruning the access log failed", "err", err)
		} else if len(removed) > 0 {
			slog.Info("access log pruned", "months", removed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveCheckLimit is the largest database serve checks before it starts recording.
const serveCheckLimit = 128 << 20

// presenceEvery is how often the server checks that every segment's file is still there.
const presenceEvery = 10 * time.Minute

// presenceCycle notices segment files deleted or moved behind Custodian's back between
// verifications: each is logged as an error and recorded in the access log once.
func (a *app) presenceCycle(ctx context.Context, f *footage, every time.Duration) {
	seen := map[string]bool{}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		missing, err := f.v.MissingFiles(ctx)
		if err == nil {
			var n int
			n, err = f.v.ReportMissing(ctx, missing, seen)
			if n > 0 {
				slog.Error("segment files are missing (deleted or moved outside Custodian); run 'custodian verify' and restore them from a backup",
					"new", n, "missing", len(missing), "first", missing[0].Path)
			}
		}
		if err != nil && ctx.Err() == nil {
			slog.Error("checking the segment files failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// DemoData is the demo's data directory unless --data or CUSTODIAN_DATA says otherwise.
const DemoData = "./custodian-demo"

func cmdDemo(a *app, ctx context.Context, args []string) error {
	if a.getenv(datadir.EnvVar) == "" && a.dataPath == datadir.DefaultPath {
		a.dataPath = DemoData
	}
	fs := a.flags("demo")
	listen := fs.String("listen", DefaultListen, "대기 주소 (listen address)")
	example := fs.String("example", "", "가져올 등록 정보 YAML (registry to import; default the embedded "+examples.Demo+")")
	cams := fs.Int("cameras", 4, "모의 카메라 수, 0이면 녹화 없음 (simulated cameras to record; 0 for none)")
	footage := fs.String("footage", filepath.Join(".cache", "media", "vtest-h264.mp4"), "모의 카메라 영상 (the simulated cameras' video; scripts/setup.sh makes it)")
	camListen := fs.String("camsim-listen", DefaultCamsimListen, "모의 카메라 대기 주소 (the simulated cameras' listen address)")
	rec := a.recordFlags(fs)
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *cams < 0 || *cams > 1000 {
		return a.usagef("--cameras는 0에서 1000 사이여야 합니다", "--cameras must be between 0 and 1000")
	}
	var reg *custodian.Registry
	var source string
	var err error
	if *example != "" {
		if reg, source, err = a.loadFile(*example); err != nil {
			return err
		}
	} else {
		data, err := examples.FS.ReadFile(examples.Demo)
		if err != nil {
			return err
		}
		source = "examples/" + examples.Demo
		if reg, err = yaml.Load(source, data); err != nil {
			return err
		}
	}
	if _, err := os.Stat(a.dataPath); os.IsNotExist(err) {
		if err := cmdInit(a, ctx, nil); err != nil {
			return err
		}
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	err = a.demoSetup(ctx, db, reg, source)
	if err == nil && *cams > 0 {
		err = a.demoCameras(ctx, db, *cams, *camListen)
	}
	db.Close()
	if err == nil {
		err = a.demoAccounts(ctx)
	}
	if err != nil {
		return err
	}
	if *cams > 0 {
		srv, l, err := startCamsim(ctx, *footage, *cams, *camListen, "", "", a.stderr, nil)
		if err != nil {
			return err
		}
		defer srv.Close()
		go srv.Serve(l)
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("모의 카메라 %d대: rtsp://%s/cam1 … (녹화 상태: custodian --data %s cameras status)", *cams, l.Addr(), a.dataPath),
			fmt.Sprintf("%d simulated cameras: rtsp://%s/cam1 … (recording health: custodian --data %s cameras status)", *cams, l.Addr(), a.dataPath)))
	}
	return a.serve(ctx, *listen, time.Hour, rec)
}

// demoSetup imports the example and, on a fresh demo, publishes two versions: one in
// effect since last month and an announced revision that adds a camera and takes effect
// next week, so that the portal shows a history, an announcement and a diff.
func (a *app) demoSetup(ctx context.Context, db *sqlite.DB, reg *custodian.Registry, source string) error {
	versions, err := db.PolicyVersions(ctx)
	if err != nil {
		return err
	}
	if len(versions) > 0 {
		fmt.Fprintf(a.stdout, "%s\n", a.msg(
			fmt.Sprintf("기존 데모 데이터를 사용합니다: %s (공고된 판 %d개)", a.dataPath, len(versions)),
			fmt.Sprintf("using the existing demo data in %s (%d published versions)", a.dataPath, len(versions))))
		return nil
	}
	if _, err := db.SaveRegistry(ctx, reg, source); err != nil {
		return err
	}
	today := custodian.DateOf(a.now())
	if _, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{
		Announced: today.AddDays(-40), Effective: today.AddDays(-30), Reason: "데모: 최초 공고", By: "demo",
	}); err != nil {
		return err
	}
	// The revision: one more camera at the first site that has cameras.
	for i := range reg.Sites {
		s := &reg.Sites[i]
		if len(s.CameraGroups) == 0 {
			continue
		}
		g := s.CameraGroups[0]
		g.ID = g.ID + "-added"
		g.Count = 1
		g.Locations = []string{"주차장 출입구"}
		g.Range = ""
		s.CameraGroups = append(s.CameraGroups, g)
		if s.StatedTotal > 0 {
			s.StatedTotal++
		}
		if reg.Organisation.StatedTotal > 0 {
			reg.Organisation.StatedTotal++
		}
		for _, anc := range reg.Index().Ancestors(s.ID) {
			for j := range reg.Sites {
				if reg.Sites[j].ID == anc && reg.Sites[j].StatedTotal > 0 {
					reg.Sites[j].StatedTotal++
				}
			}
		}
		break
	}
	if _, err := db.SaveRegistry(ctx, reg, source+" (데모 개정: 카메라 1대 추가)"); err != nil {
		return err
	}
	if _, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{
		Announced: today, Effective: today.AddDays(reg.NoticePeriod()), Reason: "데모: 주차장 출입구 카메라 1대 추가", By: "demo",
	}); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("데모 준비 완료: %s 가져와 방침 2개 판을 공고했습니다 (데이터: %s)", publish.Josa(reg.Organisation.Name, "을/를"), a.dataPath),
		fmt.Sprintf("demo ready: imported %s and published two policy versions (data in %s)", reg.Organisation.Name, a.dataPath)))
	return nil
}

// demoCameras gives the demo organisation n recorded cameras, one per camera group in
// registry order, each a simulated camera of camsim at listen, unless it has them already.
func (a *app) demoCameras(ctx context.Context, db *sqlite.DB, n int, listen string) error {
	reg, _, err := db.Registry(ctx)
	if err != nil {
		return err
	}
	have, _ := reg.Index().Cameras()
	if len(have) >= n {
		return nil
	}
	added := len(have)
	for i := range reg.Sites {
		for j := range reg.Sites[i].CameraGroups {
			g := &reg.Sites[i].CameraGroups[j]
			if added >= n || len(g.Cameras) >= g.Count {
				continue
			}
			added++
			g.Cameras = append(g.Cameras, custodian.Camera{
				ID: fmt.Sprintf("%s-c%d", g.ID, len(g.Cameras)+1), Location: g.Locations[0], Enabled: true,
				Source: &custodian.Source{URL: fmt.Sprintf("rtsp://%s/cam%d", listen, added)},
			})
		}
	}
	_, err = db.SaveRegistry(ctx, reg, "demo: 모의 카메라 녹화 (simulated cameras recorded)")
	return err
}

// webFlags are the web server's TLS and metrics options.
type webFlags struct {
	cert, key     string
	selfSigned    bool
	metricsListen string
	trustedProxy  string
	provisionDays int
	holdMargin    time.Duration
	releaseDays   int
}

func (a *app) webFlags(fs *flag.FlagSet) *webFlags {
	w := &webFlags{}
	fs.StringVar(&w.cert, "tls-cert", "", "TLS 인증서 PEM 파일 (TLS certificate file)")
	fs.StringVar(&w.key, "tls-key", "", "TLS 개인 키 PEM 파일 (TLS private key file)")
	fs.BoolVar(&w.selfSigned, "tls-self-signed", false, "자체 서명 인증서를 만들어 HTTPS로 서비스 (serve HTTPS with a self-signed certificate made on first run)")
	fs.StringVar(&w.metricsListen, "metrics-listen", "", "로그인 없이 /metrics만 서비스할 주소, 예: 127.0.0.1:9464 (serve only /metrics without login here)")
	fs.StringVar(&w.trustedProxy, "trusted-proxy", "", "X-Forwarded-For를 믿을 역방향 프록시, CIDR 목록, 예: 10.0.0.5/32,192.168.1.0/24 (reverse proxies whose X-Forwarded-For is believed)")
	fs.IntVar(&w.provisionDays, "provision-publish-days", custodian.ProvisionPublishDays, "공공기관: 목적 외 이용·제3자 제공을 포털에 게시하는 일수, 10일 이상 (days the portal shows each published provision; at least 10)")
	fs.DurationVar(&w.holdMargin, "request-hold-margin", requests.DefaultMargin, "정보주체 청구: 청구한 기간 앞뒤로 더 보존하는 시간 (footage held on each side of a requested period)")
	fs.IntVar(&w.releaseDays, "request-release-days", requests.DefaultReleaseDays, "정보주체 청구: 종결 뒤 보존 조치를 푸는 날수 (days after a request closes that its holds are released)")
	return w
}

// setupTLS configures HTTPS from the flags. Serving plain HTTP beyond loopback is allowed
// (behind a TLS proxy) but warned about.
func (a *app) setupTLS(s *web.Server, d *datadir.Dir, w *webFlags, listen string) error {
	if w == nil {
		return nil
	}
	if err := s.SetTrustedProxies(w.trustedProxy); err != nil {
		return err
	}
	switch {
	case (w.cert == "") != (w.key == ""):
		return a.usagef("--tls-cert와 --tls-key는 함께 주어야 합니다", "--tls-cert and --tls-key go together")
	case w.cert != "" && w.selfSigned:
		return a.usagef("--tls-self-signed는 --tls-cert와 함께 쓸 수 없습니다", "--tls-self-signed cannot be combined with --tls-cert")
	case w.cert != "":
		cfg, err := web.LoadTLS(w.cert, w.key)
		if err != nil {
			return err
		}
		s.TLS = cfg
	case w.selfSigned:
		host, _, _ := net.SplitHostPort(listen)
		cert, key, err := web.SelfSigned(d.File("tls"), []string{host})
		if err != nil {
			return err
		}
		cfg, err := web.LoadTLS(cert, key)
		if err != nil {
			return err
		}
		s.TLS = cfg
		fmt.Fprintln(a.stderr, a.msg("자체 서명 인증서를 씁니다: "+cert+" (운영에는 정식 인증서를 쓰십시오)", "using a self-signed certificate: "+cert+" (use a real one in production)"))
	default:
		if host, _, err := net.SplitHostPort(listen); err == nil {
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				fmt.Fprintln(a.stderr, a.msg("경고: TLS 없이 루프백 밖에서 서비스합니다. --tls-cert/--tls-key 또는 TLS 프록시를 쓰십시오",
					"warning: serving beyond loopback without TLS; use --tls-cert/--tls-key or a TLS proxy"))
			}
		}
		return nil
	}
	s.Console.Secure = true
	return nil
}

// serveMetrics serves /metrics alone, without login, for a Prometheus on the same host.
func (a *app) serveMetrics(ctx context.Context, addr string, h http.Handler, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.ListenAndServe(); err != nil && ctx.Err() == nil {
		log.Error("metrics listener", "addr", addr, "err", err)
	}
}

// servePprof serves Go's profiles (net/http/pprof) on a loopback address, for finding where
// the server spends or waits its time (docs/BENCHMARKS.md). It is set by the environment
// variable CUSTODIAN_PPROF (e.g. 127.0.0.1:6060), not a flag: a tool for developers. It
// also turns on the block and mutex profiles, which cost a little on every wait.
func servePprof(ctx context.Context, addr string, log *slog.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return custodian.Errorf(custodian.EINVALID, "CUSTODIAN_PPROF는 루프백 주소여야 합니다, 예: 127.0.0.1:6060 (%q)",
			"CUSTODIAN_PPROF must be a loopback address, e.g. 127.0.0.1:6060 (%q)", custodian.Clip(addr, 80))
	}
	runtime.SetBlockProfileRate(int(100 * time.Microsecond)) // waits of 100 µs and more, sampled
	runtime.SetMutexProfileFraction(10)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	go func() {
		if err := srv.ListenAndServe(); err != nil && ctx.Err() == nil {
			log.Error("pprof listener", "addr", addr, "err", err)
		}
	}()
	return nil
}

// DemoPassword is the demo accounts' password (a demo only: never use it elsewhere).
const DemoPassword = "Demo-Custodian-2026"

// demoAccounts creates the demo's accounts on a fresh demo and prints how to log in: a
// chief and an operator (who see footage, so their OTP secrets are printed and written to
// demo-accounts.txt in the data directory), an auditor and an administrator.
func (a *app) demoAccounts(ctx context.Context) error {
	env, err := a.openAccounts(ctx)
	if err != nil {
		return err
	}
	defer env.f()
	path := filepath.Join(a.dataPath, "demo-accounts.txt")
	if as, err := env.db.Accounts(ctx); err != nil {
		return err
	} else if len(as) > 0 {
		fmt.Fprintln(a.stdout, a.msg("데모 계정: "+path, "demo accounts: "+path))
		return nil
	}
	reg, _, err := env.db.Registry(ctx)
	if err != nil {
		return err
	}
	site := ""
	for _, st := range reg.Sites {
		if len(st.CameraGroups) > 0 {
			site = st.ID
			break
		}
	}
	type demo struct {
		user, name, role string
		all, totp        bool
	}
	demos := []demo{
		{"chief", "총괄 김책임", "chief", true, true},
		{"operator", "관제 이운영", "access_holder", false, true},
		{"auditor", "감사 박점검", "auditor", true, false},
		{"admin", "시스템 최관리", "admin", true, false},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n# password / 비밀번호: %s\n", a.msg("데모 계정 (데모 전용)", "demo accounts (demo only)"), DemoPassword)
	for _, d := range demos {
		g := custodian.AccountGrant{Role: d.role, All: d.all}
		if !d.all {
			g.Sites = []string{site}
		}
		acct, secret, err := env.m.Create(ctx, accounts.NewAccount{Username: d.user, Name: d.name, Password: DemoPassword, TOTP: d.totp, Grants: []custodian.AccountGrant{g}}, "demo", "cli")
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%-9s %-14s", acct.Username, d.role)
		if secret != "" {
			fmt.Fprintf(&b, " OTP %s  %s", secret, auth.TOTPURI(reg.Organisation.Name, acct.Username, secret))
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return err
	}
	fmt.Fprint(a.stdout, b.String())
	fmt.Fprintln(a.stdout, a.msg("OTP가 있는 계정은 인증 앱에 위 비밀을 등록하거나 `custodian totp-code SECRET`으로 코드를 얻으십시오 (데모 전용).",
		"for accounts with OTP, add the secret to an authenticator app, or get a code with `custodian totp-code SECRET` (demo only)."))
	return nil
}
