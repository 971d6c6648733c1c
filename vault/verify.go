package vault

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"custodian"
)

// Verification levels.
const (
	LevelPresence = "presence" // every segment's file exists
	LevelSize     = "size"     // ... and has the size recorded
	LevelHash     = "hash"     // ... and decrypts, every chunk authentic, to the SHA-256 recorded
)

// Problem is one thing wrong that Verify found.
type Problem struct {
	Segment string `json:"segment,omitempty"`
	Camera  string `json:"camera,omitempty"`
	Path    string `json:"path"`
	Ko      string `json:"ko"`
	En      string `json:"en"`
}

// VerifyReport is the result of Verify.
type VerifyReport struct {
	Level    string    `json:"level"`
	Segments int       `json:"segments"`
	Bytes    int64     `json:"bytes"`
	Problems []Problem `json:"problems"`
}

// Verify checks every segment in the catalog against its file at the given level, and
// looks for files in the vault that no segment owns. progress, if set, is called with the
// work done and the total (segments, or bytes at LevelHash).
func (v *Vault) Verify(ctx context.Context, level string, progress func(done, total int64)) (*VerifyReport, error) {
	switch level {
	case LevelPresence, LevelSize, LevelHash:
	default:
		return nil, custodian.Errorf(custodian.EINVALID, "검사 수준 %q는 presence, size, hash 중 하나여야 합니다", "level %q must be presence, size or hash", level)
	}
	rows, err := v.cat.Storage(ctx)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, r := range rows {
		if level == LevelHash {
			total += r.Bytes
		} else {
			total += int64(r.Segments)
		}
	}
	rep := &VerifyReport{Level: level, Problems: []Problem{}}
	// The files are listed before the catalog is read, so that a segment that a running
	// server begins meanwhile is not taken for a stray file.
	var files []string
	err = filepath.WalkDir(v.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(v.dir, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	owned := map[string]bool{}
	var done int64
	add := func(s *custodian.Segment, ko, en string) {
		rep.Problems = append(rep.Problems, Problem{Segment: s.ID, Camera: s.Camera, Path: s.Path, Ko: ko, En: en})
	}
	// Segments of one camera never overlap: one writer records a camera, segment after
	// segment. Overlaps mean two writers recorded it at once.
	var last custodian.Segment
	err = v.cat.EachSegment(ctx, func(s custodian.Segment) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if last.Camera == s.Camera && s.Start.Before(last.End) {
			add(&s, fmt.Sprintf("같은 카메라의 세그먼트 %s(%s–%s)와 시간이 겹칩니다 (두 프로세스가 동시에 녹화했거나 중복으로 가져옴)", last.ID, stamp(last.Start), stamp(last.End)),
				fmt.Sprintf("overlaps segment %s (%s–%s) of the same camera (two processes recorded it at once, or footage was imported twice)", last.ID, stamp(last.Start), stamp(last.End)))
		}
		if last.Camera != s.Camera || s.End.After(last.End) {
			last = s
		}
		rep.Segments++
		owned[filepath.FromSlash(s.Path)] = true
		st, err := os.Stat(v.path(s.Path))
		switch {
		case errors.Is(err, fs.ErrNotExist) && v.gone(ctx, s):
			// Destroyed or moved by a running server since the catalog was read.
		case errors.Is(err, fs.ErrNotExist):
			add(&s, "파일이 없습니다 (삭제되었거나 옮겨짐)", "the file is missing (deleted or moved)")
		case err != nil:
			add(&s, "파일을 확인할 수 없습니다: "+err.Error(), "cannot stat the file: "+err.Error())
		case level != LevelPresence && st.Size() != s.StoredSize:
			add(&s, "파일 크기가 기록과 다릅니다", "the file's size differs from the catalog's")
		case level == LevelHash:
			if ko, en := v.verifyContent(ctx, s); ko != "" {
				add(&s, ko, en)
			}
		}
		rep.Bytes += s.StoredSize
		if level == LevelHash {
			done += s.StoredSize
		} else {
			done++
		}
		if progress != nil {
			progress(done, total)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	// Damaged keys: their footage cannot be read.
	damaged, err := v.cat.DamagedKeys(ctx)
	if err != nil {
		return rep, err
	}
	for _, k := range damaged {
		s := custodian.Segment{Camera: k.Camera, Path: keyDir(&k)}
		add(&s, fmt.Sprintf("데이터 키 %s(%s)가 손상되어 그 아래 영상을 읽을 수 없습니다 (%s에 발견; 데이터베이스를 백업에서 복원하면 읽을 수 있습니다)", k.ID, k.Period, stamp(k.Damaged)),
			fmt.Sprintf("data key %s (%s) is damaged: the footage under it cannot be read (found %s; restoring the database from a backup makes it readable)", k.ID, k.Period, stamp(k.Damaged)))
	}
	// Files no segment owns. Segments being written (by a running server) and files
	// waiting to be removed own theirs.
	writing, err := v.cat.WritingSegments(ctx)
	if err != nil {
		return rep, err
	}
	for _, w := range writing {
		owned[filepath.FromSlash(w.Path)] = true
	}
	garbage, err := v.cat.PendingGarbage(ctx)
	if err != nil {
		return rep, err
	}
	for _, rel := range files {
		if owned[rel] || underGarbage(rel, garbage) {
			continue
		}
		if _, err := os.Stat(filepath.Join(v.dir, rel)); errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile (a segment aborted or destroyed)
		}
		s := custodian.Segment{Path: filepath.ToSlash(rel), ID: strings.TrimSuffix(filepath.Base(rel), ".seg")}
		if seg, err := v.cat.Segment(ctx, s.ID); err == nil && filepath.FromSlash(seg.Path) == rel {
			continue // committed meanwhile
		}
		add(&s, "카탈로그에 없는 파일입니다", "a file that no segment in the catalog owns")
	}
	if err := v.spare("verify", func() error {
		return v.record(ctx, Event{Action: ActionVerify, Detail: "level=" + level, Result: resultOf(rep)})
	}); err != nil {
		return rep, err
	}
	return rep, nil
}

func resultOf(r *VerifyReport) string {
	if len(r.Problems) > 0 {
		return "error"
	}
	return "ok"
}

// verifyContent decrypts a whole segment, every chunk authenticated, and checks its hash.
func (v *Vault) verifyContent(ctx context.Context, s custodian.Segment) (ko, en string) {
	seg, err := v.Open(ctx, s)
	if err != nil {
		var ce *custodian.Error
		if errors.As(err, &ce) {
			return ce.Ko, ce.En
		}
		return err.Error(), err.Error()
	}
	defer seg.Close()
	h := sha256.New()
	buf := make([]byte, ChunkSize)
	for off := int64(0); ; {
		n, err := seg.ReadAt(buf, off)
		h.Write(buf[:n])
		off += int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var ce *custodian.Error
			if errors.As(err, &ce) {
				return ce.Ko, ce.En
			}
			return err.Error(), err.Error()
		}
	}
	if !bytes.Equal(h.Sum(nil), s.SHA256) {
		return "내용이 기록 당시의 SHA-256과 다릅니다", "the content does not match the SHA-256 recorded when it was written"
	}
	return "", ""
}

// CheckSegment decrypts a whole segment, every chunk authenticated, and compares its hash
// with the one recorded at write: "" when it is intact, else what is wrong.
func (v *Vault) CheckSegment(ctx context.Context, s custodian.Segment) (ko, en string) {
	return v.verifyContent(ctx, s)
}

// stamp writes a time in KST to the second.
func stamp(t time.Time) string { return t.In(custodian.KST).Format("2006-01-02 15:04:05") }

// gone reports whether segment s left the catalog, or moved to another file, since it was
// listed: a running server destroyed or moved it.
func (v *Vault) gone(ctx context.Context, s custodian.Segment) bool {
	cur, err := v.cat.Segment(ctx, s.ID)
	if custodian.ErrorCode(err) == custodian.ENOTFOUND {
		return true
	}
	return err == nil && cur.Path != s.Path
}

// underGarbage reports whether the file rel is, or lies under, a path waiting for removal.
func underGarbage(rel string, garbage []custodian.Garbage) bool {
	rel = filepath.ToSlash(rel)
	for _, g := range garbage {
		if rel == g.Path || strings.HasPrefix(rel, strings.TrimSuffix(g.Path, "/")+"/") {
			return true
		}
	}
	return false
}
