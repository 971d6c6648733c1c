package web

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"custodian"
	"custodian/export"
)

// exportRoutes adds the download of evidence packages by link (docs/EXPORTS.md).
func (s *Server) exportRoutes() {
	s.handle(route{method: "GET", pattern: "/d/{token}", access: accessPublic, h: s.download})
	s.handle(route{method: "GET", pattern: "/signing-key.pub", access: accessPublic, h: s.signingKey})
}

// signingKey serves the organisation's signing key (PEM, SPKI), which checks the origin
// of its evidence packages ('custodian verify-export --key', openssl pkeyutl).
func (s *Server) signingKey(w http.ResponseWriter, r *http.Request, c *call) {
	if len(s.ExportKey) != ed25519.PublicKeySize {
		s.failPage(w, r, c, custodian.Errorf(custodian.ENOTFOUND, "서명 키가 설정되지 않았습니다", "no signing key is configured"), false)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="signing-key.pub"`)
	w.Write(export.PublicKeyPEM(s.ExportKey))
}

// download streams the package of a download link: the link's use is counted first (a
// link unknown, expired or used up gets one answer and changes nothing), then the footage
// is opened through the door as a download (logged, one record per camera) and only then
// is the package sent.
func (s *Server) download(w http.ResponseWriter, r *http.Request, c *call) {
	w.Header().Set("Cache-Control", "no-store")
	if s.Console == nil || s.Console.Exports == nil {
		s.failPage(w, r, c, custodian.Errorf(custodian.EUNAVAILABLE, "내려받기가 설정되지 않았습니다", "downloads are not configured"), false)
		return
	}
	if ok, wait := s.lookupLimit.allow(c.source, c.now); !ok {
		s.failPage(w, r, c, errRateLimited(wait), false)
		return
	}
	ctx := r.Context()
	l, e, err := s.Console.Exports.UseDownloadLink(ctx, r.PathValue("token"), c.now)
	if err != nil {
		s.failPage(w, r, c, err, false)
		return
	}
	pkg, err := openPackage(ctx, e)
	if err != nil {
		s.failPage(w, r, c, err, false)
		return
	}
	defer pkg.Close()
	actor := "recipient:export:" + e.ID
	switch {
	case e.Request != 0:
		actor = "requester:" + strconv.FormatInt(e.Request, 10)
		if s.Console.Requests != nil {
			if q, err := s.Console.Requests.Request(ctx, e.Request); err == nil {
				actor = "requester:" + q.Code
			}
		}
	case e.Provision != 0:
		actor = "recipient:" + strconv.FormatInt(e.Provision, 10)
	}
	if _, err := s.door().Open(ctx, custodian.FootageAccess{Actor: actor, Source: c.source, Use: custodian.UseDownload, Cameras: e.Cameras, From: e.From, To: e.To,
		Purpose: e.Purpose, Object: e.ID, Request: e.Request, Provision: e.Provision, Detail: fmt.Sprintf("link=%d use=%d/%d", l.ID, l.Uses, l.MaxUses)}); err != nil {
		s.failPage(w, r, c, err, false)
		return
	}
	h := w.Header()
	h.Set("Content-Type", pkg.contentType)
	h.Set("Content-Disposition", `attachment; filename="`+pkg.name+`"`)
	if pkg.size > 0 {
		h.Set("Content-Length", strconv.FormatInt(pkg.size, 10))
	}
	// A package may be large: the server's write timeout is for pages.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Hour))
	if err := pkg.write(w); err != nil {
		s.Logger.Warn("download ended early", "export", e.ID, "link", l.ID, "err", err)
	}
}

// pkgFile is a package ready to send.
type pkgFile struct {
	name, contentType string
	size              int64
	write             func(io.Writer) error
	Close             func()
}

// openPackage opens an export's package and checks that its manifest is the one
// recorded when it was made (for a directory or a zip; an encrypted zip cannot be read).
func openPackage(ctx context.Context, e *custodian.Export) (*pkgFile, error) {
	gone := func(err error) error {
		return custodian.Errorf(custodian.EUNAVAILABLE, "반출 패키지 %s를 읽을 수 없습니다; 담당 부서에 문의하십시오: %w", "the package of export %s cannot be read; please contact the office: %w", e.ID, err)
	}
	changed := custodian.Errorf(custodian.EINTERNAL, "반출 패키지 %s가 만든 뒤에 바뀌어 내보내지 않았습니다; 담당 부서에 문의하십시오", "the package of export %s changed after it was made and was not sent; please contact the office", e.ID)
	st, err := os.Stat(e.Path)
	if err != nil {
		return nil, gone(err)
	}
	if st.IsDir() {
		mb, err := os.ReadFile(filepath.Join(e.Path, export.ManifestFile))
		if err != nil {
			return nil, gone(err)
		}
		if h := sha256.Sum256(mb); !bytes.Equal(h[:], e.ManifestSHA256) {
			return nil, changed
		}
		names, err := export.PackageFiles(e.Path)
		if err != nil {
			return nil, gone(err)
		}
		return &pkgFile{name: e.ID + ".zip", contentType: "application/zip", Close: func() {},
			write: func(w io.Writer) error { return export.WriteZip(ctx, w, e.Path, names) }}, nil
	}
	f, err := os.Open(e.Path)
	if err != nil {
		return nil, gone(err)
	}
	p := &pkgFile{name: e.ID + ".zip", contentType: "application/zip", size: st.Size(), Close: func() { f.Close() },
		write: func(w io.Writer) error { _, err := io.Copy(w, f); return err }}
	if strings.HasSuffix(e.Path, ".age") {
		p.name, p.contentType = e.ID+".zip.age", "application/octet-stream"
		return p, nil
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, gone(err)
	}
	var mb []byte
	for _, zf := range zr.File {
		if zf.Name == export.ManifestFile {
			rc, err := zf.Open()
			if err == nil {
				mb, err = io.ReadAll(io.LimitReader(rc, 64<<20))
				rc.Close()
			}
			if err != nil {
				f.Close()
				return nil, gone(err)
			}
		}
	}
	if h := sha256.Sum256(mb); mb == nil || !bytes.Equal(h[:], e.ManifestSHA256) {
		f.Close()
		return nil, changed
	}
	return p, nil
}
