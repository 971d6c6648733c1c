package auditlog

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"custodian"
)

// listMonths returns the months of the regular month files in dir, oldest first.
func listMonths(dir string) ([]month, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "접근 기록 디렉터리 %s를 읽을 수 없습니다: %w", "cannot read the access log directory %s: %w", dir, err)
	}
	var ms []month
	for _, e := range entries {
		if m, ok := parseFileName(e.Name()); ok && e.Type().IsRegular() {
			ms = append(ms, m)
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i] < ms[j] })
	return ms, nil
}

func isLogName(name string) bool {
	name = strings.TrimSuffix(name, tmpExt)
	_, ok := parseFileName(name)
	return ok || name == CheckpointsFile || name == lockFile
}

func notALog(dir, what string) error {
	return custodian.Errorf(custodian.EINVALID, "%s는 접근 기록 디렉터리가 아닙니다 (%s)", "%s is not an access log directory (%s)", dir, what)
}

// checkDir checks that dir is a log directory (or empty), creating it if asked.
func checkDir(dir string, create bool) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return custodian.Errorf(custodian.ENOTFOUND, "접근 기록 디렉터리 %s가 없습니다", "no access log at %s", dir)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return custodian.Errorf(custodian.EINTERNAL, "접근 기록 디렉터리 %s를 만들 수 없습니다: %w", "cannot create the access log directory %s: %w", dir, err)
		}
		return nil
	}
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 디렉터리 %s를 읽을 수 없습니다: %w", "cannot read the access log directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return notALog(dir, "not a directory")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return custodian.Errorf(custodian.EINTERNAL, "접근 기록 디렉터리 %s를 읽을 수 없습니다: %w", "cannot read the access log directory %s: %w", dir, err)
	}
	known, other := 0, ""
	for _, e := range entries {
		if isLogName(e.Name()) {
			known++
		} else if other == "" {
			other = e.Name()
		}
	}
	if known == 0 && other != "" {
		return notALog(dir, "it holds "+other+" and no log files")
	}
	return nil
}

// removeTemps removes the temporary files a crash may have left (with the lock held).
func removeTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), tmpExt) && isLogName(e.Name()) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
