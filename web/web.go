// Package web is Custodian's HTTP server. At this stage it serves the public portal: the
// policy in effect, every published version with its dates and a diff, and the signboards
// of every site. Korean first; ?lang=en switches the page chrome to English (the policy
// itself is a Korean legal document and stays Korean).
package web

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"custodian"
	"custodian/export"
	"custodian/pdf"
	"custodian/publish"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Server serves the portal from the registry and policy stores.
type Server struct {
	Registry custodian.RegistryService
	Policies custodian.PolicyService
	// Now returns the current time (the policy in effect depends on the date).
	Now    func() time.Time
	Logger *slog.Logger

	// TLS, when set, serves HTTPS.
	TLS *tls.Config
	// Console, when set, enables the console, the JSON API and the request form.
	Console *Console
	// ExportKey is the organisation's signing key: the portal shows its fingerprint and
	// serves it at /signing-key.pub, so that anyone can check an evidence package's origin
	// (docs/EXPORTS.md).
	ExportKey ed25519.PublicKey

	tmpl  *template.Template
	mux   *http.ServeMux
	table []*route
	// Rate limits: logins per address, public request submissions per address, status
	// lookups per address.
	loginLimit, formLimit, lookupLimit *limiter
	// touching holds the sessions whose use is being recorded (loadSession).
	touching  sync.Map
	views     *viewTickets
	copies    copyJobs      // copies of footage being made for requests
	regs      registryCache // the registry last read (registry_cache.go)
	enrolling *pendingSecrets
	// trusted are the reverse proxies whose X-Forwarded-For is believed (SetTrustedProxies).
	trusted []netip.Prefix
}

// New returns a server over the given stores.
func New(reg custodian.RegistryService, pol custodian.PolicyService) *Server {
	s := &Server{Registry: reg, Policies: pol, Now: time.Now, Logger: slog.Default(),
		loginLimit:  newLimiter(10, time.Minute),
		formLimit:   newLimiter(5, 10*time.Minute),
		lookupLimit: newLimiter(30, time.Minute),
		views:       newViewTickets(),
		enrolling:   newPendingSecrets(),
	}
	s.tmpl = template.Must(template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html"))
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	pub := func(method, pattern string, h http.HandlerFunc) {
		s.handle(route{method: method, pattern: pattern, access: accessPublic, h: func(w http.ResponseWriter, r *http.Request, _ *call) { h(w, r) }})
	}
	pub("GET", "/static/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
	pub("GET", "/static/policy.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Write([]byte(publish.Stylesheet))
	})
	pub("GET", "/{$}", s.handleIndex)
	pub("GET", "/policy", s.handlePolicy)
	pub("GET", "/policy/{version}", s.handlePolicy)
	pub("GET", "/policy/diff", s.handleDiff)
	pub("GET", "/signage/{site}", s.handleSignage)
	pub("GET", "/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, custodian.Errorf(custodian.ENOTFOUND, "%s 페이지가 없습니다", "there is no page %s", r.URL.Path))
	})
	pub("GET", "/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	s.consoleRoutes()
	s.provisionRoutes()
	s.exportRoutes()
}

// ServeHTTP serves a request with the security headers every response carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.Console != nil && s.Console.Secure {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	s.mux.ServeHTTP(w, r)
}

// ListenAndServe serves on addr until ctx ends, then shuts down gracefully. ready, if not
// nil, is called with the bound address once the server accepts connections.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return custodian.Errorf(custodian.EINVALID, "%s에서 대기할 수 없습니다: %w", "cannot listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		TLSConfig: s.TLS, MaxHeaderBytes: 64 << 10}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() {
		if s.TLS != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

func lang(r *http.Request) string {
	if r.URL.Query().Get("lang") == "en" {
		return "en"
	}
	return "ko"
}

// page is what every template gets.
type page struct {
	Lang    string
	Title   string
	OrgName string
	Path    string
	Data    any
	CSRF    string
	User    *custodian.Account
	Menu    []menuItem
	Now     time.Time
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	s.renderFor(w, r, &call{s: s, lang: lang(r)}, status, name, title, data)
}

func (s *Server) renderFor(w http.ResponseWriter, r *http.Request, c *call, status int, name, title string, data any) {
	p := page{Lang: c.lang, Title: title, Path: r.URL.Path, Data: data, CSRF: c.csrf, Now: c.now}
	if c.acct != nil {
		p.User = c.acct
		p.Menu = c.menu()
	}
	if reg, err := s.registry(r.Context()); err == nil {
		p.OrgName = reg.Organisation.Name
	}
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		s.Logger.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail shows err as a page with the status its code maps to.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.failPage(w, r, &call{s: s, lang: lang(r)}, err, false)
}

func (s *Server) failPage(w http.ResponseWriter, r *http.Request, c *call, err error, unauth bool) {
	status := httpStatus(err)
	if unauth {
		status = http.StatusUnauthorized
	}
	msg := "내부 오류가 발생했습니다 (internal error)"
	var ce *custodian.Error
	var ve *custodian.ValidationError
	if errors.As(err, &ce) {
		msg = ce.Ko
		if c.lang == "en" {
			msg = ce.En
		}
	} else if errors.As(err, &ve) {
		status = http.StatusBadRequest
		msg = ve.Error()
	}
	if status == http.StatusInternalServerError {
		s.Logger.Error("request failed", "path", r.URL.Path, "err", err)
	}
	s.renderFor(w, r, c, status, "error.html", strconv.Itoa(status), msg)
}

func (s *Server) today() custodian.Date { return custodian.DateOf(s.Now()) }

type versionRow struct {
	custodian.PolicyVersion
	Status string // "current", "upcoming", "superseded"
}

func (s *Server) versionRows(ctx context.Context) ([]versionRow, *custodian.PolicyVersion, error) {
	versions, err := s.Policies.PolicyVersions(ctx)
	if err != nil {
		return nil, nil, err
	}
	cur := custodian.InEffect(versions, s.today())
	rows := make([]versionRow, len(versions))
	for i := range versions {
		v := versions[len(versions)-1-i] // newest first
		st := "superseded"
		switch {
		case cur != nil && v.Number == cur.Number:
			st = "current"
		case v.Effective.After(s.today()):
			st = "upcoming"
		}
		rows[i] = versionRow{v, st}
	}
	return rows, cur, nil
}

type signRow struct {
	ID, Name string
	Cameras  int
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	rows, cur, err := s.versionRows(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := struct {
		Versions []versionRow
		Current  *custodian.PolicyVersion
		Upcoming []versionRow
		Signs    []signRow
		Homepage string
		// KeyFingerprint is the SHA-256 of the signing key (SPKI DER), hex.
		KeyFingerprint string
		// Public: a public body, which publishes its provisions (/provisions).
		Public bool
	}{Versions: rows, Current: cur}
	if len(s.ExportKey) == ed25519.PublicKeySize {
		data.KeyFingerprint = export.Fingerprint(s.ExportKey)
	}
	for _, v := range rows {
		if v.Status == "upcoming" {
			data.Upcoming = append(data.Upcoming, v)
		}
	}
	if reg, err := s.registry(r.Context()); err == nil {
		x := reg.Index()
		data.Homepage = reg.Organisation.Homepage
		data.Public = reg.Organisation.Sector == custodian.SectorPublic
		for _, site := range reg.Sites {
			if n := x.SignboardTotal(site.ID); n > 0 {
				data.Signs = append(data.Signs, signRow{site.ID, site.Name, n})
			}
		}
	} else if custodian.ErrorCode(err) != custodian.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "index.html", "", data)
}

// resolve turns the {version} path value into a version number: "" and "current" mean the
// version in effect today.
func (s *Server) resolve(ctx context.Context, name string) (int, error) {
	if name == "" {
		name = "current"
	}
	if name == "draft" { // the portal shows only published text
		return 0, custodian.Errorf(custodian.ENOTFOUND, "초안은 공개되지 않습니다", "drafts are not public")
	}
	return publish.ResolveVersion(ctx, s.Policies, name, s.today())
}

func (s *Server) handlePolicy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	n, err := s.resolve(ctx, r.PathValue("version"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch format := r.URL.Query().Get("format"); format {
	case "md":
		md, err := publish.VersionMarkdown(ctx, s.Registry, s.Policies, n)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.Write([]byte(md))
		return
	case "pdf":
		doc, v, err := publish.VersionDocument(ctx, s.Registry, s.Policies, n)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		b, err := pdf.Policy(doc, pdf.Options{CreationDate: v.PublishedAt})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `inline; filename="policy-v`+strconv.Itoa(n)+`.pdf"`)
		w.Write(b)
		return
	case "", "html":
	default:
		s.fail(w, r, custodian.Errorf(custodian.EINVALID, "형식 %q는 지원하지 않습니다 (html, md, pdf)", "format %q is not supported (html, md, pdf)", format))
		return
	}
	doc, v, err := publish.VersionDocument(ctx, s.Registry, s.Policies, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := publish.HTMLBody(doc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, cur, err := s.versionRows(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "policy.html", doc.Title, struct {
		Version  *custodian.PolicyVersion
		Current  *custodian.PolicyVersion
		Versions []versionRow
		Body     template.HTML
	}{v, cur, rows, body})
}

type diffLine struct {
	Class, Text string
}

func (s *Server) handleDiff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	a, err := s.resolve(ctx, q.Get("a"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.resolve(ctx, q.Get("b"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := publish.Diff(ctx, s.Registry, s.Policies, a, b)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var lines []diffLine
	for _, l := range strings.Split(strings.TrimSuffix(d, "\n"), "\n") {
		if l == "" {
			continue
		}
		c := "ctx"
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			c = "file"
		case strings.HasPrefix(l, "@@"):
			c = "hunk"
		case l[0] == '+':
			c = "add"
		case l[0] == '-':
			c = "del"
		}
		lines = append(lines, diffLine{c, l})
	}
	rows, _, err := s.versionRows(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "diff.html", "diff", struct {
		A, B     int
		Lines    []diffLine
		Versions []versionRow
	}{a, b, lines, rows})
}

func (s *Server) handleSignage(w http.ResponseWriter, r *http.Request) {
	reg, err := s.registry(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sign, err := publish.Signboard(reg, r.PathValue("site"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b []byte
	var ctype string
	switch format := r.URL.Query().Get("format"); format {
	case "", "html":
		b, err = publish.SignHTML(sign)
		ctype = "text/html; charset=utf-8"
		// A printable page with its own inline styles and no scripts.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'")
	case "svg":
		b, err = publish.SignSVG(sign)
		ctype = "image/svg+xml"
	case "pdf":
		b, err = pdf.Sign(sign, pdf.Options{CreationDate: s.Now()})
		ctype = "application/pdf"
	default:
		err = custodian.Errorf(custodian.EINVALID, "형식 %q는 지원하지 않습니다 (html, svg, pdf)", "format %q is not supported (html, svg, pdf)", format)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(b)
}
