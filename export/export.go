// Package export writes and verifies evidence packages (docs/EXPORTS.md): one MP4 per
// camera, read through an opening of the one door to footage, a manifest that names the
// source segments' and the output files' SHA-256, and a detached Ed25519 signature of the
// manifest by the organisation's signing key. A package is a directory, a .zip, or a
// .zip encrypted for its recipient with a passphrase (age, scrypt): <name>.zip.age.
package export

import (
	"archive/zip"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"filippo.io/age"

	"custodian"
	"custodian/mask"
)

// Format is the manifest's format version.
const Format = "custodian-export/1"

// The files of a package besides the MP4s.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.json.sig"
	PublicKeyFile = "signing-key.pub"
	// stateFile is kept in the .partial directory while an export is built.
	stateFile = ".export-state.json"
)

// Spec says what a package holds and on what ground.
type Spec struct {
	ID           string // the export ID (letters, digits, '-'; 8 to 64 characters)
	Organisation string // the organisation's name
	Request      int64  // the data subject's request, or 0
	Provision    int64  // the provision, or 0
	Recipient    string
	LegalGround  string
	Purpose      string // the stated purpose (custodian.StatedPurpose)
	Cameras      []string
	From, To     time.Time
	ExportedBy   string
	ApprovedBy   string
	// Created is the package's creation time (now when zero; kept when an export resumes).
	Created time.Time
	// Mask, when set, masks third parties: every camera's MP4 is its clip rendered by
	// mask.Render with these settings, and the manifest's masking field holds each
	// camera's recipe and coverage report. Nil: the footage is the original.
	Mask *mask.Options `json:",omitempty"`
	// MaskKeep are the tracks kept clear (the requester), by camera; a camera not named
	// keeps Mask.Keep (which needs a single camera: track IDs are per camera's footage).
	MaskKeep map[string][]int `json:",omitempty"`
}

// MaskingManifest is the manifest's masking field of a masked package.
type MaskingManifest struct {
	Cameras []MaskedCamera `json:"cameras"`
}

// MaskedCamera is how one camera's MP4 was masked.
type MaskedCamera struct {
	Camera   string        `json:"camera"`
	File     string        `json:"file"`
	Recipe   mask.Recipe   `json:"recipe"`
	Coverage mask.Coverage `json:"coverage"`
}

// Progress is reported while a package is built: camera Index (from 1) of Total, and
// the bytes of that camera's MP4 written so far. Reused is set for an MP4 kept from an
// earlier, interrupted run.
type Progress struct {
	Camera       string
	Index, Total int
	Bytes        int64
	Reused       bool
	// Frames and TotalFrames are a masked render's frames written, of about TotalFrames.
	Frames, TotalFrames int
}

// Options are a build's optional settings.
type Options struct {
	// Passphrase, when set, encrypts the package for its recipient (age, scrypt); the
	// output must then be a .zip or .zip.age path, and the file written is <name>.zip.age.
	Passphrase []byte
	// WorkFactor is the scrypt work factor (log2) of the encryption; 0: age's default (18).
	WorkFactor int
	// Progress, when set, is called as MP4s are written.
	Progress func(Progress)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Manifest is manifest.json.
type Manifest struct {
	Format       string        `json:"format"`
	ExportID     string        `json:"export_id"`
	Organisation string        `json:"organisation"`
	Request      *int64        `json:"request"`
	Provision    *int64        `json:"provision"`
	Recipient    string        `json:"recipient"`
	LegalGround  string        `json:"legal_ground"`
	Purpose      string        `json:"purpose"`
	Period       Period        `json:"period"`
	Cameras      []CameraEntry `json:"cameras"`
	Files        []FileEntry   `json:"files"`
	// Masking is the masking recipe (null: the footage is the original).
	Masking    json.RawMessage `json:"masking"`
	ExportedBy string          `json:"exported_by"`
	ApprovedBy string          `json:"approved_by"`
	Created    Instant         `json:"created"`
	SigningKey KeyInfo         `json:"signing_key"`
}

// Instant is a time in UTC and in KST.
type Instant struct {
	UTC string `json:"utc"`
	KST string `json:"kst"`
}

// Period is a time range in UTC and KST.
type Period struct {
	From Instant `json:"from"`
	To   Instant `json:"to"`
}

// CameraEntry is one camera of a package: its MP4, what the clip covers and the source
// segments it was cut from, as the vault catalogued them.
type CameraEntry struct {
	ID       string         `json:"id"`
	File     string         `json:"file"`
	Clip     Period         `json:"clip"`
	Codec    string         `json:"codec"`
	Segments []SegmentEntry `json:"segments"`
}

// SegmentEntry is a source segment: its catalogued SHA-256 and size.
type SegmentEntry struct {
	ID     string  `json:"id"`
	Start  Instant `json:"start"`
	End    Instant `json:"end"`
	SHA256 string  `json:"sha256"`
	Size   int64   `json:"size"`
}

// FileEntry is a file of the package named in the manifest.
type FileEntry struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// KeyInfo names the signing key.
type KeyInfo struct {
	Algorithm   string `json:"algorithm"`
	Fingerprint string `json:"fingerprint_sha256"`
}

// Result is a package built.
type Result struct {
	Path           string // the file or directory written
	Manifest       *Manifest
	ManifestSHA256 []byte
	Size           int64 // the bytes of the package (the zip or encrypted file; a directory's files)
	Reused         int   // MP4s kept from an interrupted run
}

func instant(t time.Time) Instant {
	return Instant{UTC: t.UTC().Format(time.RFC3339), KST: t.In(custodian.KST).Format(time.RFC3339)}
}

func period(from, to time.Time) Period { return Period{From: instant(from), To: instant(to)} }

// Fingerprint returns the fingerprint of a signing key: the SHA-256 of its SPKI DER, hex.
func Fingerprint(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

// PublicKeyPEM returns a signing key's public key as PEM (SPKI), as openssl reads it.
func PublicKeyPEM(pub ed25519.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// ParsePublicKeyPEM reads an Ed25519 public key in PEM (SPKI).
func ParsePublicKeyPEM(b []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, custodian.Errorf(custodian.EINVALID, "공개 키가 PEM(PUBLIC KEY) 형식이 아닙니다", "the public key is not PEM (PUBLIC KEY)")
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "공개 키를 읽을 수 없습니다: %w", "cannot parse the public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, custodian.Errorf(custodian.EINVALID, "공개 키가 Ed25519 키가 아닙니다", "the public key is not an Ed25519 key")
	}
	return pub, nil
}

// FileName returns the MP4 name of a camera in a package: <camera>_<from KST yyyymmdd-hhmmss>.mp4.
func FileName(camera string, from time.Time) string {
	return camera + "_" + from.In(custodian.KST).Format("20060102-150405") + ".mp4"
}

// ValidID reports whether id can name an export: 8 to 64 letters, digits and '-'.
func ValidID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func checkText(field, s string, max int) error {
	if utf8.RuneCountInString(s) > max || strings.ContainsAny(s, "\x00\r\n") || !utf8.ValidString(s) {
		return custodian.Errorf(custodian.EINVALID, "반출 %s: %d자 이내의 한 줄로 적어 주십시오", "export %s: one line of at most %d characters", field, max)
	}
	return nil
}

func (s *Spec) check() error {
	if !ValidID(s.ID) {
		return custodian.Errorf(custodian.EINVALID, "반출 ID %q가 올바르지 않습니다 (영문·숫자·'-' 8~64자)", "bad export ID %q (8 to 64 letters, digits and '-')", custodian.Clip(s.ID, 80))
	}
	if s.Request != 0 && s.Provision != 0 {
		return custodian.Errorf(custodian.EINVALID, "반출은 청구 하나 또는 제공 하나에 대한 것입니다 (둘 다 지정됨)", "an export is for one request or one provision, not both")
	}
	if s.Request < 0 || s.Provision < 0 {
		return custodian.Errorf(custodian.EINVALID, "청구·제공 번호가 올바르지 않습니다", "bad request or provision number")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"organisation", s.Organisation, 200}, {"recipient", s.Recipient, 200}, {"legal ground", s.LegalGround, 300},
		{"purpose", s.Purpose, 400}, {"exported by", s.ExportedBy, 200}, {"approved by", s.ApprovedBy, 200}} {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if strings.TrimSpace(s.Purpose) == "" {
		return custodian.Errorf(custodian.EINVALID, "반출 목적이 필요합니다", "an export needs its purpose")
	}
	if strings.TrimSpace(s.ExportedBy) == "" {
		return custodian.Errorf(custodian.EINVALID, "반출하는 사람이 필요합니다", "an export needs who exports it")
	}
	if len(s.Cameras) == 0 {
		return custodian.Errorf(custodian.EINVALID, "카메라를 하나 이상 고르십시오", "choose at least one camera")
	}
	seen := map[string]bool{}
	for _, c := range s.Cameras {
		if !custodian.ValidID(c) {
			return custodian.Errorf(custodian.EINVALID, "카메라 ID %q가 올바르지 않습니다", "bad camera ID %q", custodian.Clip(c, 64))
		}
		if seen[c] {
			return custodian.Errorf(custodian.EINVALID, "카메라 %s가 두 번 있습니다", "camera %s is named twice", c)
		}
		seen[c] = true
	}
	if s.From.IsZero() || !s.To.After(s.From) {
		return custodian.Errorf(custodian.EINVALID, "반출 기간의 끝이 시작보다 뒤여야 합니다", "the export's end must be after its start")
	}
	if s.Mask == nil && len(s.MaskKeep) > 0 {
		return custodian.Errorf(custodian.EINVALID, "가리지 않는 반출에 남길 추적이 지정되었습니다", "tracks to keep clear are named for an export without masking")
	}
	if s.Mask != nil && len(s.Mask.Keep) > 0 && len(s.Cameras) > 1 {
		return custodian.Errorf(custodian.EINVALID, "남길 추적은 카메라마다 지정하십시오 (추적 번호는 카메라별입니다)",
			"name the tracks kept clear per camera (track IDs are per camera)")
	}
	for c := range s.MaskKeep {
		if !seen[c] {
			return custodian.Errorf(custodian.EINVALID, "남길 추적의 카메라 %s가 반출에 없습니다", "the tracks kept clear name camera %s, which is not exported", custodian.Clip(c, 64))
		}
	}
	return nil
}

// state is the record of an export being built, kept in its .partial directory.
type state struct {
	ExportID string               `json:"export_id"`
	Spec     string               `json:"spec"` // the spec as JSON: a rerun must be the same export
	Created  time.Time            `json:"created"`
	Cameras  map[string]doneClip  `json:"cameras"`
	Files    map[string]FileEntry `json:"files"`
}

type doneClip struct {
	Span     custodian.ClipSpan `json:"span"`
	Segments []SegmentEntry     `json:"segments"`
	Masking  *MaskedCamera      `json:"masking,omitempty"`
}

func specKey(s Spec) string {
	c := s
	c.Created = time.Time{}
	c.From, c.To = s.From.UTC(), s.To.UTC()
	b, _ := json.Marshal(c)
	return string(b)
}

// Output names the file or directory a build writes for out: out itself, or out+".age"
// for an encrypted zip.
func Output(out string, encrypted bool) string {
	if encrypted && strings.HasSuffix(out, ".zip") {
		return out + ".age"
	}
	return out
}

func writeFileSync(name string, data []byte) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func hashFile(name string) (FileEntry, error) {
	f, err := os.Open(name)
	if err != nil {
		return FileEntry{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileEntry{}, err
	}
	return FileEntry{Name: filepath.Base(name), SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// counter reports the bytes written through it.
type counter struct {
	n    int64
	last int64
	p    func(int64)
}

func (c *counter) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	if c.p != nil && c.n-c.last >= 4<<20 {
		c.last = c.n
		c.p(c.n)
	}
	return len(b), nil
}

// Build writes the package of spec to out (a directory, or a .zip when out ends in .zip;
// <out>.age when encrypted), reading the footage only through r, the reader of an opening
// of the footage door for spec's cameras and period (Use custodian.UseExport). Everything
// is written in <out>.partial and put in place at the end: a failed build leaves no
// package, and a rerun of the same export (same ID and spec) keeps the MP4s already
// written whose recorded SHA-256 still matches.
func Build(ctx context.Context, spec Spec, r custodian.FootageReader, key ed25519.PrivateKey, out string, opt Options) (*Result, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, custodian.Errorf(custodian.EINVALID, "영상을 열지 않고 반출할 수 없습니다", "an export reads footage only through an opening")
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, custodian.Errorf(custodian.EINVALID, "서명 키가 없습니다", "no signing key")
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	out = filepath.Clean(out)
	isZip := strings.HasSuffix(out, ".zip") || strings.HasSuffix(out, ".zip.age")
	encrypted := len(opt.Passphrase) > 0
	if strings.HasSuffix(out, ".age") && !encrypted {
		return nil, custodian.Errorf(custodian.EINVALID, "%s: .age 출력에는 암호 파일(--passphrase-file)이 필요합니다", "%s: an .age output needs a passphrase (--passphrase-file)", out)
	}
	if encrypted && !isZip {
		return nil, custodian.Errorf(custodian.EINVALID, "%s: 암호화한 반출은 .zip 파일로만 만듭니다", "%s: an encrypted export is a .zip file", out)
	}
	out = strings.TrimSuffix(out, ".age")
	final := Output(out, encrypted)
	if _, err := os.Lstat(final); err == nil {
		return nil, custodian.Errorf(custodian.ECONFLICT, "%s가 이미 있습니다 (덮어쓰지 않습니다)", "%s exists already (not overwritten)", final)
	}
	stage := out + ".partial"
	st, err := loadState(stage, spec)
	if err != nil {
		return nil, err
	}
	if st.Created.IsZero() {
		st.Created = spec.Created
		if st.Created.IsZero() {
			st.Created = now()
		}
		st.Created = st.Created.UTC().Truncate(time.Second)
	}
	if err := os.MkdirAll(stage, 0o700); err != nil {
		return nil, custodian.Errorf(custodian.EUNAVAILABLE, "%s를 만들 수 없습니다: %w", "cannot create %s: %w", stage, err)
	}
	if err := saveState(stage, st); err != nil {
		return nil, err
	}
	// A build that fails before any MP4 is complete leaves nothing; one that fails later
	// keeps its .partial for a rerun to resume.
	ok := false
	defer func() {
		if !ok && len(st.Cameras) == 0 {
			os.RemoveAll(stage)
		}
	}()
	res := &Result{}
	m := &Manifest{Format: Format, ExportID: spec.ID, Organisation: spec.Organisation, Recipient: spec.Recipient, LegalGround: spec.LegalGround,
		Purpose: spec.Purpose, Period: period(spec.From, spec.To), Masking: json.RawMessage("null"), ExportedBy: spec.ExportedBy,
		ApprovedBy: spec.ApprovedBy, Created: instant(st.Created),
		SigningKey: KeyInfo{Algorithm: "Ed25519", Fingerprint: Fingerprint(key.Public().(ed25519.PublicKey))}}
	if spec.Request != 0 {
		m.Request = &spec.Request
	}
	if spec.Provision != 0 {
		m.Provision = &spec.Provision
	}
	masked := &MaskingManifest{}
	for i, cam := range spec.Cameras {
		name := FileName(cam, spec.From)
		if done, ok := st.Cameras[cam]; ok {
			if fe, err := hashFile(filepath.Join(stage, name)); err == nil && fe == st.Files[name] {
				res.Reused++
				if opt.Progress != nil {
					opt.Progress(Progress{Camera: cam, Index: i + 1, Total: len(spec.Cameras), Bytes: fe.Size, Reused: true})
				}
				m.Cameras = append(m.Cameras, CameraEntry{ID: cam, File: name, Clip: period(done.Span.From, done.Span.To), Codec: done.Span.Codec, Segments: done.Segments})
				if done.Masking != nil {
					masked.Cameras = append(masked.Cameras, *done.Masking)
				}
				continue
			}
			delete(st.Cameras, cam)
			delete(st.Files, name)
		}
		entry, fe, span, mc, err := writeClip(ctx, r, stage, name, cam, spec, i, opt.Progress)
		if err != nil {
			return nil, err
		}
		if mc != nil {
			masked.Cameras = append(masked.Cameras, *mc)
		}
		st.Cameras[cam] = doneClip{Span: span, Segments: entry.Segments, Masking: mc}
		st.Files[name] = fe
		if err := saveState(stage, st); err != nil {
			return nil, err
		}
		m.Cameras = append(m.Cameras, entry)
	}
	// The public key, the manifest and its signature.
	pub := key.Public().(ed25519.PublicKey)
	if err := writeFileSync(filepath.Join(stage, PublicKeyFile), PublicKeyPEM(pub)); err != nil {
		return nil, unavailable(stage, err)
	}
	for _, c := range m.Cameras {
		m.Files = append(m.Files, st.Files[c.File])
	}
	pk, err := hashFile(filepath.Join(stage, PublicKeyFile))
	if err != nil {
		return nil, unavailable(stage, err)
	}
	m.Files = append(m.Files, pk)
	if spec.Mask != nil {
		if m.Masking, err = json.Marshal(masked); err != nil {
			return nil, err
		}
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	mb = append(mb, '\n')
	if err := writeFileSync(filepath.Join(stage, ManifestFile), mb); err != nil {
		return nil, unavailable(stage, err)
	}
	if err := writeFileSync(filepath.Join(stage, SignatureFile), ed25519.Sign(key, mb)); err != nil {
		return nil, unavailable(stage, err)
	}
	mh := sha256.Sum256(mb)
	res.Manifest, res.ManifestSHA256, res.Path = m, mh[:], final
	names := []string{ManifestFile, SignatureFile}
	for _, f := range m.Files {
		names = append(names, f.Name)
	}
	if !isZip {
		if err := os.Remove(filepath.Join(stage, stateFile)); err != nil {
			return nil, unavailable(stage, err)
		}
		if err := syncDir(stage); err != nil {
			return nil, unavailable(stage, err)
		}
		for _, n := range names {
			if st, err := os.Stat(filepath.Join(stage, n)); err == nil {
				res.Size += st.Size()
			}
		}
		if err := os.Rename(stage, final); err != nil {
			return nil, unavailable(final, err)
		}
		syncDir(filepath.Dir(final))
		ok = true
		return res, nil
	}
	tmp := filepath.Join(stage, ".package.tmp")
	n, err := writeZip(ctx, tmp, stage, names, opt.Passphrase, opt.WorkFactor)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	res.Size = n
	if err := os.Rename(tmp, final); err != nil {
		return nil, unavailable(final, err)
	}
	syncDir(filepath.Dir(final))
	ok = true
	if err := os.RemoveAll(stage); err != nil {
		return nil, unavailable(stage, err)
	}
	return res, nil
}

func unavailable(path string, err error) error {
	return custodian.Errorf(custodian.EUNAVAILABLE, "%s에 쓸 수 없습니다: %w", "cannot write %s: %w", path, err)
}

// loadState reads the state of an interrupted build of spec at stage (a fresh one when
// there is none); a .partial of another export is refused.
func loadState(stage string, spec Spec) (*state, error) {
	st := &state{ExportID: spec.ID, Spec: specKey(spec), Cameras: map[string]doneClip{}, Files: map[string]FileEntry{}}
	b, err := os.ReadFile(filepath.Join(stage, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Lstat(stage); err == nil {
			// A .partial without state: the build stopped before it began, or it is not ours.
			entries, _ := os.ReadDir(stage)
			if len(entries) > 0 {
				return nil, custodian.Errorf(custodian.ECONFLICT, "%s에 반출 기록이 없는 파일이 있습니다; 확인 후 지우십시오", "%s holds files that are not an export in progress; check and remove it", stage)
			}
		}
		return st, nil
	}
	if err != nil {
		return nil, unavailable(stage, err)
	}
	var old state
	if err := json.Unmarshal(b, &old); err != nil || old.Cameras == nil || old.Files == nil {
		return nil, custodian.Errorf(custodian.ECONFLICT, "%s의 반출 상태 파일이 손상되었습니다; 지우고 다시 반출하십시오", "the export state in %s is damaged; remove it and export again", stage)
	}
	if old.ExportID != spec.ID || old.Spec != st.Spec {
		return nil, custodian.Errorf(custodian.ECONFLICT, "%s는 다른 반출(%s)의 중단된 작업입니다; 같은 반출로 다시 실행하거나 지우십시오",
			"%s is the interrupted work of another export (%s); rerun that export or remove it", stage, custodian.Clip(old.ExportID, 64))
	}
	return &old, nil
}

func saveState(stage string, st *state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(stage, stateFile), b); err != nil {
		return unavailable(stage, err)
	}
	return nil
}

// writeClip writes camera's MP4 into stage through the opening's reader (masked when
// spec says so: then also how), and lists the source segments.
func writeClip(ctx context.Context, r custodian.FootageReader, stage, name, cam string, spec Spec, i int, progress func(Progress)) (CameraEntry, FileEntry, custodian.ClipSpan, *MaskedCamera, error) {
	e := CameraEntry{ID: cam, File: name}
	segs, err := r.Segments(ctx, cam, spec.From, spec.To)
	if err != nil {
		return e, FileEntry{}, custodian.ClipSpan{}, nil, err
	}
	for _, s := range segs {
		e.Segments = append(e.Segments, SegmentEntry{ID: s.ID, Start: instant(s.Start), End: instant(s.End), SHA256: hex.EncodeToString(s.SHA256), Size: s.PlainSize})
	}
	path := filepath.Join(stage, name)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return e, FileEntry{}, custodian.ClipSpan{}, nil, unavailable(tmp, err)
	}
	defer os.Remove(tmp)
	h := sha256.New()
	c := &counter{}
	if progress != nil {
		progress(Progress{Camera: cam, Index: i + 1, Total: len(spec.Cameras)})
		c.p = func(n int64) { progress(Progress{Camera: cam, Index: i + 1, Total: len(spec.Cameras), Bytes: n}) }
	}
	var span custodian.ClipSpan
	var mc *MaskedCamera
	if spec.Mask == nil {
		span, err = r.Clip(ctx, &hashWriter{f: f, h: h, c: c}, cam, spec.From, spec.To)
	} else {
		// The encoder's output is written by another goroutine than the render's progress
		// reports: progress is reported by frames only, reading the bytes under a lock.
		c.p = nil
		lw := &lockedWriter{w: &hashWriter{f: f, h: h, c: c}}
		var rep *mask.Report
		span, rep, err = renderClip(ctx, r, lw, cam, spec, func(p mask.Progress) {
			if progress != nil {
				lw.mu.Lock()
				n := c.n
				lw.mu.Unlock()
				progress(Progress{Camera: cam, Index: i + 1, Total: len(spec.Cameras), Bytes: n, Frames: p.Frames, TotalFrames: p.Total})
			}
		})
		if err == nil {
			mc = &MaskedCamera{Camera: cam, File: name, Recipe: rep.Recipe, Coverage: rep.Coverage}
			span.Codec = "avc1" // the masked MP4 is H.264 (libx264)
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var ce *custodian.Error
		if errors.As(err, &ce) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return e, FileEntry{}, span, nil, err
		}
		return e, FileEntry{}, span, nil, unavailable(path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return e, FileEntry{}, span, nil, unavailable(path, err)
	}
	if progress != nil {
		pr := Progress{Camera: cam, Index: i + 1, Total: len(spec.Cameras), Bytes: c.n}
		if mc != nil {
			pr.Frames, pr.TotalFrames = mc.Coverage.Frames, mc.Coverage.Frames
		}
		progress(pr)
	}
	e.Clip, e.Codec = period(span.From, span.To), span.Codec
	return e, FileEntry{Name: name, SHA256: hex.EncodeToString(h.Sum(nil)), Size: c.n}, span, mc, nil
}

// lockedWriter serialises writes with readers of what they count.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// errRenderEnded ends a clip's pipe when the render stops reading it.
var errRenderEnded = errors.New("the masked render ended")

// renderClip writes camera's clip masked (mask.Render) to w: the opening's reader writes
// the clip into a pipe that the render reads, so the unmasked footage is never on disk.
func renderClip(ctx context.Context, r custodian.FootageReader, w io.Writer, cam string, spec Spec, progress func(mask.Progress)) (custodian.ClipSpan, *mask.Report, error) {
	opt := *spec.Mask
	if keep, ok := spec.MaskKeep[cam]; ok {
		opt.Keep = keep
	}
	opt.Duration = spec.To.Sub(spec.From)
	opt.Progress = progress
	pr, pw := io.Pipe()
	var span custodian.ClipSpan
	var clipErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		span, clipErr = r.Clip(ctx, pw, cam, spec.From, spec.To)
		pw.CloseWithError(clipErr) // nil: the render reads io.EOF
	}()
	rep, err := mask.Render(ctx, pr, w, opt)
	pr.CloseWithError(errRenderEnded) // a clip still writing stops
	<-done
	if clipErr != nil && !errors.Is(clipErr, errRenderEnded) {
		return span, nil, clipErr // the cause: the render only saw its input end
	}
	if err != nil {
		return span, nil, err
	}
	if clipErr != nil {
		return span, nil, clipErr
	}
	return span, rep, nil
}

// hashWriter writes to a file, hashing and counting what it writes.
type hashWriter struct {
	f *os.File
	h hash.Hash
	c *counter
}

func (w *hashWriter) Write(b []byte) (int, error) {
	n, err := w.f.Write(b)
	w.h.Write(b[:n])
	w.c.Write(b[:n])
	return n, err
}

// writeZip writes the named files of dir as a zip (stored, not compressed: footage does
// not compress) to name, encrypted with passphrase when set, and syncs it.
func writeZip(ctx context.Context, name, dir string, names []string, passphrase []byte, workFactor int) (int64, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, unavailable(name, err)
	}
	defer f.Close()
	var w io.Writer = f
	var enc io.WriteCloser
	if len(passphrase) > 0 {
		rcp, err := age.NewScryptRecipient(string(passphrase))
		if err != nil {
			return 0, custodian.Errorf(custodian.EINVALID, "암호를 쓸 수 없습니다: %w", "cannot use the passphrase: %w", err)
		}
		if workFactor > 0 {
			rcp.SetWorkFactor(workFactor)
		}
		if enc, err = age.Encrypt(f, rcp); err != nil {
			return 0, err
		}
		w = enc
	}
	if err := WriteZip(ctx, w, dir, names); err != nil {
		return 0, err
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return 0, unavailable(name, err)
		}
	}
	if err := f.Sync(); err != nil {
		return 0, unavailable(name, err)
	}
	st, err := f.Stat()
	if err != nil {
		return 0, unavailable(name, err)
	}
	return st.Size(), f.Close()
}

// WriteZip writes the named files of dir to w as a zip, in order, stored.
func WriteZip(ctx context.Context, w io.Writer, dir string, names []string) error {
	zw := zip.NewWriter(w)
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		src, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return unavailable(n, err)
		}
		st, err := src.Stat()
		if err != nil {
			src.Close()
			return unavailable(n, err)
		}
		hdr := &zip.FileHeader{Name: n, Method: zip.Store, Modified: st.ModTime().UTC()}
		hdr.SetMode(0o644)
		dst, err := zw.CreateHeader(hdr)
		if err == nil {
			_, err = io.Copy(dst, src)
		}
		src.Close()
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

// PackageFiles lists the files of a package directory in the order a zip of it holds
// them: the manifest, the signature, then the files the manifest names. It reads the
// manifest (unverified: only to list the files).
func PackageFiles(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "%s에 manifest.json이 없습니다", "%s has no manifest.json", dir)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "%s의 manifest.json을 읽을 수 없습니다: %w", "cannot read %s's manifest.json: %w", dir, err)
	}
	names := []string{ManifestFile, SignatureFile}
	for _, f := range m.Files {
		if !safeName(f.Name) || slices.Contains(names, f.Name) {
			return nil, custodian.Errorf(custodian.EINVALID, "manifest.json의 파일 이름 %q가 올바르지 않습니다", "bad file name %q in manifest.json", custodian.Clip(f.Name, 80))
		}
		names = append(names, f.Name)
	}
	return names, nil
}

func safeName(n string) bool {
	return n != "" && n != "." && n != ".." && !strings.ContainsAny(n, "/\\\x00") && !strings.HasPrefix(n, ".")
}

// PendingID returns the export ID of an interrupted build at out (its .partial), or "".
func PendingID(out string) string {
	out = strings.TrimSuffix(filepath.Clean(out), ".age")
	b, err := os.ReadFile(filepath.Join(out+".partial", stateFile))
	if err != nil {
		return ""
	}
	var st state
	if json.Unmarshal(b, &st) != nil || !ValidID(st.ExportID) {
		return ""
	}
	return st.ExportID
}

// Make is the one way an evidence package is made and kept: it opens spec's cameras and
// period through door as an export (a, with Use, Cameras, period, Object, Request and
// Provision taken from spec; logged before anything is read), builds the package at out
// (Build) and records it in store, made by a.Actor. The package is the original footage,
// or its masked copy when spec.Mask is set.
func Make(ctx context.Context, door custodian.FootageDoor, store custodian.ExportService, a custodian.FootageAccess, spec Spec, key ed25519.PrivateKey, out string, opt Options) (*custodian.Export, *Result, error) {
	if err := spec.check(); err != nil {
		return nil, nil, err
	}
	a.Use, a.Cameras, a.From, a.To, a.Object, a.Request, a.Provision = custodian.UseExport, spec.Cameras, spec.From, spec.To, spec.ID, spec.Request, spec.Provision
	if a.Purpose == "" {
		a.Purpose = spec.Purpose
	}
	o, err := door.Open(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	res, err := Build(ctx, spec, o.Reader, key, out, opt)
	if err != nil {
		return nil, nil, err
	}
	path, err := filepath.Abs(res.Path)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	e := &custodian.Export{ID: spec.ID, Request: spec.Request, Provision: spec.Provision, Cameras: spec.Cameras, From: spec.From, To: spec.To,
		Purpose: spec.Purpose, Recipient: spec.Recipient, Created: now(), CreatedBy: a.Actor, Path: path, ManifestSHA256: res.ManifestSHA256, Size: res.Size}
	if err := store.CreateExport(ctx, e); err != nil {
		return nil, nil, err
	}
	return e, res, nil
}
