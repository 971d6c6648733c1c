package export

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"custodian"
)

// Mismatch is one thing wrong with a package: the file and what differs.
type Mismatch struct {
	File string `json:"file"`
	What string `json:"what"`
	Ko   string `json:"what_ko"`
}

func (m Mismatch) String() string { return m.File + ": " + m.What }

// Verification is the result of checking a package.
type Verification struct {
	Path string `json:"path"`
	// KeyFrom is "package" (the signing-key.pub inside it: integrity only, not origin)
	// or "given" (a key obtained apart from the package).
	KeyFrom        string     `json:"key_from"`
	KeyFingerprint string     `json:"key_fingerprint"`
	SignatureOK    bool       `json:"signature_ok"`
	Manifest       *Manifest  `json:"manifest,omitempty"`
	Files          int        `json:"files_checked"`
	Mismatches     []Mismatch `json:"mismatches"`
}

// OK reports whether nothing is wrong.
func (v *Verification) OK() bool { return len(v.Mismatches) == 0 }

// unreadable adds a file that is missing or cannot be read.
func (v *Verification) unreadable(file string, err error) {
	if errors.Is(err, os.ErrNotExist) {
		v.add(file, "없습니다", "missing")
	} else {
		v.add(file, "읽을 수 없습니다: %v", "unreadable: %v", err)
	}
}

func (v *Verification) add(file, ko, en string, args ...any) {
	v.Mismatches = append(v.Mismatches, Mismatch{File: file, Ko: fmt.Sprintf(ko, args...), What: fmt.Sprintf(en, args...)})
}

// pkg is a package's files, from a directory or a zip.
type pkg struct {
	names []string // every file, sorted
	open  func(name string) (io.ReadCloser, error)
	size  func(name string) int64
	dupes []string
	close func()
}

func openPackage(path string) (*pkg, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "%s가 없습니다", "%s does not exist", path)
	}
	if st.IsDir() {
		p := &pkg{close: func() {}}
		sizes := map[string]int64{}
		err := filepath.WalkDir(path, func(name string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(path, name)
			if rel == "." {
				return nil
			}
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				p.names = append(p.names, rel+"/")
				return nil
			}
			if !d.Type().IsRegular() {
				p.names = append(p.names, rel)
				sizes[rel] = -1
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			p.names = append(p.names, rel)
			sizes[rel] = info.Size()
			return nil
		})
		if err != nil {
			return nil, custodian.Errorf(custodian.EUNAVAILABLE, "%s를 읽을 수 없습니다: %w", "cannot read %s: %w", path, err)
		}
		p.open = func(name string) (io.ReadCloser, error) {
			return os.Open(filepath.Join(path, filepath.FromSlash(name)))
		}
		p.size = func(name string) int64 { return sizes[name] }
		sort.Strings(p.names)
		return p, nil
	}
	if strings.HasSuffix(path, ".age") {
		return nil, custodian.Errorf(custodian.EINVALID, "%s는 암호화되어 있습니다: 먼저 'age -d -o 이름.zip %s'로 풀고 검증하십시오", "%s is encrypted: decrypt it first ('age -d -o NAME.zip %s'), then verify", path, path)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "%s는 반출 패키지(디렉터리 또는 zip)가 아닙니다: %w", "%s is not an export package (a directory or a zip): %w", path, err)
	}
	p := &pkg{close: func() { zr.Close() }}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, ok := files[f.Name]; ok {
			p.dupes = append(p.dupes, f.Name)
			continue
		}
		files[f.Name] = f
		p.names = append(p.names, f.Name)
	}
	sort.Strings(p.names)
	p.open = func(name string) (io.ReadCloser, error) {
		f, ok := files[name]
		if !ok {
			return nil, os.ErrNotExist
		}
		return f.Open()
	}
	p.size = func(name string) int64 {
		if f, ok := files[name]; ok {
			return int64(f.UncompressedSize64)
		}
		return -1
	}
	return p, nil
}

func (p *pkg) has(name string) bool {
	i := sort.SearchStrings(p.names, name)
	return i < len(p.names) && p.names[i] == name
}

// readSmall reads a file of the package that is at most max bytes.
func (p *pkg) readSmall(name string, max int64) ([]byte, error) {
	if !p.has(name) {
		return nil, os.ErrNotExist
	}
	rc, err := p.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("larger than %d bytes", max)
	}
	return b, nil
}

// VerifyExport checks a package (a directory or a zip) against the signing key inside
// it: this proves only that nothing changed since it was signed by whoever holds that
// key, not who that was. Use VerifyExportKey with the organisation's published key to
// check its origin.
func VerifyExport(path string) (*Verification, error) { return verify(path, nil) }

// VerifyExportKey checks a package against key, a public key obtained apart from it (the
// organisation's portal shows its fingerprint).
func VerifyExportKey(path string, key ed25519.PublicKey) (*Verification, error) {
	if len(key) != ed25519.PublicKeySize {
		return nil, custodian.Errorf(custodian.EINVALID, "공개 키가 올바르지 않습니다", "bad public key")
	}
	return verify(path, key)
}

func verify(path string, key ed25519.PublicKey) (*Verification, error) {
	p, err := openPackage(path)
	if err != nil {
		return nil, err
	}
	defer p.close()
	v := &Verification{Path: path, KeyFrom: "given"}
	for _, d := range p.dupes {
		v.add(d, "zip 안에 같은 이름의 파일이 두 번 있습니다", "the zip holds this name twice")
	}
	// The key.
	if key == nil {
		v.KeyFrom = "package"
		b, err := p.readSmall(PublicKeyFile, 4096)
		if err != nil {
			v.unreadable(PublicKeyFile, err)
		} else if key, err = ParsePublicKeyPEM(b); err != nil {
			v.add(PublicKeyFile, "Ed25519 공개 키(PEM)가 아닙니다", "not an Ed25519 public key (PEM)")
			key = nil
		}
	}
	if key != nil {
		v.KeyFingerprint = Fingerprint(key)
	}
	// The manifest and its signature.
	mb, err := p.readSmall(ManifestFile, 64<<20)
	if err != nil {
		v.unreadable(ManifestFile, err)
		mb = nil
	}
	sig, serr := p.readSmall(SignatureFile, 1024)
	switch {
	case serr != nil:
		v.unreadable(SignatureFile, serr)
	case len(sig) != ed25519.SignatureSize:
		v.add(SignatureFile, "Ed25519 서명이 아닙니다 (%d바이트, 64바이트여야 함)", "not an Ed25519 signature (%d bytes, want 64)", len(sig))
	case key != nil && mb != nil:
		v.SignatureOK = ed25519.Verify(key, mb, sig)
		if !v.SignatureOK {
			if v.KeyFrom == "given" {
				v.add(SignatureFile, "서명이 manifest.json과 주어진 키에 맞지 않습니다 (manifest.json이 바뀌었거나 다른 키로 서명됨)", "the signature does not match manifest.json under the given key (the manifest was changed, or signed by another key)")
			} else {
				v.add(SignatureFile, "서명이 manifest.json과 맞지 않습니다 (manifest.json 또는 서명이 바뀜)", "the signature does not match manifest.json (the manifest or the signature was changed)")
			}
		}
	}
	if mb == nil {
		return v, nil
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		v.add(ManifestFile, "형식이 올바르지 않습니다: %v", "malformed: %v", err)
		return v, nil
	}
	if dec.More() {
		v.add(ManifestFile, "JSON 뒤에 다른 내용이 있습니다", "trailing data after the JSON")
	}
	v.Manifest = &m
	if m.Format != Format {
		v.add(ManifestFile, "형식 버전 %q를 알 수 없습니다 (%s)", "unknown format %q (want %s)", custodian.Clip(m.Format, 64), Format)
	}
	if !ValidID(m.ExportID) {
		v.add(ManifestFile, "반출 ID가 없거나 올바르지 않습니다", "the export ID is missing or malformed")
	}
	if key != nil && m.SigningKey.Fingerprint != v.KeyFingerprint {
		v.add(ManifestFile, "manifest.json의 서명 키 지문(%s)이 검증에 쓴 키(%s)와 다릅니다", "the signing key fingerprint in manifest.json (%s) is not the key used to verify (%s)",
			custodian.Clip(m.SigningKey.Fingerprint, 80), v.KeyFingerprint)
	}
	listed := map[string]FileEntry{}
	for _, f := range m.Files {
		if !safeName(f.Name) || f.Name == ManifestFile || f.Name == SignatureFile {
			v.add(ManifestFile, "파일 이름 %q가 올바르지 않습니다", "bad file name %q", custodian.Clip(f.Name, 80))
			continue
		}
		if _, dup := listed[f.Name]; dup {
			v.add(ManifestFile, "파일 %s가 두 번 적혀 있습니다", "file %s is listed twice", f.Name)
			continue
		}
		listed[f.Name] = f
	}
	for _, c := range m.Cameras {
		if _, ok := listed[c.File]; !ok {
			v.add(ManifestFile, "카메라 %s의 파일 %s가 파일 목록에 없습니다", "camera %s's file %s is not in the file list", custodian.Clip(c.ID, 64), custodian.Clip(c.File, 80))
		}
	}
	if _, ok := listed[PublicKeyFile]; !ok {
		v.add(ManifestFile, "signing-key.pub가 파일 목록에 없습니다", "signing-key.pub is not in the file list")
	}
	// Every listed file: present, its size, its hash.
	for _, f := range m.Files {
		if _, ok := listed[f.Name]; !ok || listed[f.Name] != f {
			continue
		}
		if !p.has(f.Name) {
			v.add(f.Name, "패키지에 없습니다 (manifest.json에 적혀 있음)", "missing (listed in manifest.json)")
			continue
		}
		v.Files++
		if n := p.size(f.Name); n != f.Size {
			v.add(f.Name, "크기가 %d바이트입니다 (manifest.json: %d바이트)", "size is %d bytes (manifest.json: %d)", n, f.Size)
		}
		rc, err := p.open(f.Name)
		if err != nil {
			v.add(f.Name, "읽을 수 없습니다: %v", "unreadable: %v", err)
			continue
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			v.add(f.Name, "읽을 수 없습니다: %v", "unreadable: %v", err)
			continue
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != strings.ToLower(f.SHA256) {
			v.add(f.Name, "SHA-256이 %s입니다 (manifest.json: %s)", "SHA-256 is %s (manifest.json: %s)", got, custodian.Clip(f.SHA256, 80))
		}
	}
	// Nothing else.
	for _, n := range p.names {
		if n == ManifestFile || n == SignatureFile {
			continue
		}
		if _, ok := listed[n]; !ok {
			v.add(n, "manifest.json에 없는 파일입니다", "not listed in manifest.json (an extra file)")
		}
	}
	return v, nil
}
