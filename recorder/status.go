package recorder

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"custodian"
)

// StatusReport is the content of the status file.
type StatusReport struct {
	Updated time.Time `json:"updated"`
	PID     int       `json:"pid"`
	// Every is how often the recorder rewrites the file (seconds); a report older than
	// StaleAfter of it is stale.
	Every float64 `json:"every_seconds,omitempty"`
	// InPlace: the last report could not be written beside the file (the disk is full)
	// and was written over the old one, in the space it already had.
	InPlace bool     `json:"written_in_place,omitempty"`
	Cameras []Status `json:"cameras"`
}

// StaleAfter is how many rewrite intervals may pass before a report is stale.
const StaleAfter = 3

// Age returns how old the report is at now.
func (r *StatusReport) Age(now time.Time) time.Duration { return now.Sub(r.Updated) }

// Stale tells whether the report is older than StaleAfter rewrite intervals (a minute for
// a report that does not say its interval): the recorder is not running, or cannot write.
func (r *StatusReport) Stale(now time.Time) bool {
	limit := time.Minute
	if r.Every > 0 {
		limit = StaleAfter * time.Duration(r.Every*float64(time.Second))
	}
	return r.Age(now) > limit
}

func (r *Recorder) writeStatus() {
	if r.opt.StatusFile == "" {
		return
	}
	rep := StatusReport{Updated: r.opt.Now(), PID: os.Getpid(), Every: r.opt.StatusEvery.Seconds(), Cameras: r.Status()}
	inPlace, err := writeStatusFile(r.opt.StatusFile, func(inPlace bool) ([]byte, error) {
		rep.InPlace = inPlace
		return json.MarshalIndent(rep, "", "  ")
	})
	switch {
	case err != nil:
		r.opt.Log.Warn("cannot write the recorder status file", "file", r.opt.StatusFile, "err", err)
	case inPlace && !r.inPlaceLogged:
		r.inPlaceLogged = true
		r.opt.Log.Warn("the recorder status file is rewritten in place: the disk is full", "file", r.opt.StatusFile)
	case !inPlace:
		r.inPlaceLogged = false
	}
}

// statusReserve is the smallest size of the status file: the file is padded (with
// spaces after the JSON) to at least this, and to half as much again as its content, so
// that a later, larger report still fits in place when the disk is full.
const statusReserve = 16 << 10

// writeStatusFile writes the status file. It writes a temporary file beside it and
// renames it over the old one, padded so that the file keeps room to grow; the temporary
// file is removed on every error. When that fails (a full disk), the report is written
// over the old file in the space it already has, which needs no new blocks: a full disk
// does not freeze the status while /metrics moves on. content is called with whether the
// report is being written in place.
func writeStatusFile(path string, content func(inPlace bool) ([]byte, error)) (inPlace bool, err error) {
	b, err := content(false)
	if err != nil {
		return false, err
	}
	werr := writeReplace(path, pad(b, max(statusReserve, len(b)+len(b)/2)))
	if werr == nil {
		return false, nil
	}
	if b, err = content(true); err != nil {
		return false, err
	}
	if err := writeInPlace(path, b); err != nil {
		return false, errors.Join(werr, err)
	}
	return true, nil
}

// pad returns b followed by a line feed and spaces up to size bytes (rounded up to 4 KiB).
func pad(b []byte, size int) []byte {
	size = (size + 4095) &^ 4095
	out := make([]byte, max(size, len(b)+1))
	copy(out, b)
	out[len(b)] = '\n'
	for i := len(b) + 1; i < len(out); i++ {
		out[i] = ' '
	}
	return out
}

// writeReplace writes b to path through a temporary file and a rename; the temporary
// file never outlives an error.
func writeReplace(path string, b []byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		os.Remove(tmp) // a leftover of an older version, or a file in the way
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writeInPlace writes b over the start of the existing file at path, padded with spaces
// to the file's size, if it fits.
func writeInPlace(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if int64(len(b)) >= fi.Size() {
		f.Close()
		return custodian.Errorf(custodian.EINTERNAL, "상태 %d바이트가 기존 파일(%d바이트)에 들어가지 않습니다", "the status (%d bytes) does not fit in the existing file (%d bytes)", len(b), fi.Size())
	}
	p := make([]byte, fi.Size())
	copy(p, b)
	p[len(b)] = '\n'
	for i := len(b) + 1; i < len(p); i++ {
		p[i] = ' '
	}
	if _, err := f.WriteAt(p, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReadStatus reads a status file. A report being rewritten in place may be read half
// written; the read is then tried again.
func ReadStatus(path string) (*StatusReport, error) {
	var last error
	for try := 0; try < 3; try++ {
		if try > 0 {
			time.Sleep(50 * time.Millisecond)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var rep StatusReport
		if err := json.Unmarshal(b, &rep); err != nil {
			last = err
			continue
		}
		return &rep, nil
	}
	return nil, custodian.Errorf(custodian.EINVALID, "녹화 상태 파일 %s를 읽을 수 없습니다: %v", "cannot read the recorder status file %s: %v", path, last)
}
