package opencv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"custodian"
)

// Model files Open looks for in a model directory (../shared/models/README.md).
const (
	YOLOXFile = "yolox_nano_coco80.onnx"
	YuNetFile = "yunet_2022mar_120x160.onnx"
)

// Detectors are the detectors a model directory allows: the person detector always (YOLOX
// when its file is there, else the HOG + MOG2 fallback) and the face detector when its
// file is there (else nil).
type Detectors struct {
	Dir    string
	Person PersonDetector
	Face   *FaceDetector // nil without a face model
	// Models are the files loaded, with their SHA-256 (for the masking recipe).
	Models []Model
	faces  string // why there is no face detector
}

// Open loads the detectors from a model directory. A missing directory or a missing model
// file is not an error: the fallback is used and Report says so. A model file that is
// there but cannot be loaded (truncated, another format) is an error naming the file:
// masking must not silently run with less than was configured.
func Open(dir string, opts Options) (*Detectors, error) {
	if _, err := opts.withDefaults(); err != nil {
		return nil, err
	}
	d := &Detectors{Dir: dir}
	missing := ""
	if dir == "" {
		missing = "no model directory configured"
	} else if st, err := os.Stat(dir); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, custodian.Errorf(custodian.EINVALID, "모델 디렉터리 %s를 읽을 수 없습니다: %w",
				"cannot read the model directory %s: %w", dir, err)
		}
		missing = "no model directory " + dir
	} else if !st.IsDir() {
		return nil, custodian.Errorf(custodian.EINVALID, "모델 디렉터리 %s는 디렉터리가 아닙니다",
			"the model directory %s is not a directory", dir)
	}
	var yolox, yunet string
	if missing == "" {
		yolox, yunet = filepath.Join(dir, YOLOXFile), filepath.Join(dir, YuNetFile)
		if !exists(yolox) {
			missing = "no model file " + YOLOXFile + " in " + dir
		}
	}
	if missing == "" {
		y, err := NewYOLOX(yolox, opts)
		if err != nil {
			return nil, err
		}
		d.Person = y
		d.Models = append(d.Models, y.Model())
	} else {
		fb, err := NewFallback(opts, missing)
		if err != nil {
			return nil, err
		}
		d.Person = fb
	}
	switch {
	case yunet == "":
		d.faces = missing
	case !exists(yunet):
		d.faces = "no model file " + YuNetFile + " in " + dir
	default:
		f, err := NewFaceDetector(yunet, opts)
		if err != nil {
			d.Close()
			return nil, err
		}
		d.Face = f
		d.Models = append(d.Models, f.Model())
	}
	return d, nil
}

// exists reports whether a path is there (a broken file is still "there": loading it
// then fails loudly rather than falling back).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// Kind is the person detector's kind: "yolox-nano" or "hog+mog2".
func (d *Detectors) Kind() string { return d.Person.Kind() }

// Fallback reports whether the person detector is the HOG + MOG2 fallback.
func (d *Detectors) Fallback() bool {
	_, ok := d.Person.(*Fallback)
	return ok
}

// Report says which detectors ran, with their models' hashes or why they are missing:
// "persons: yolox-nano sha256=… (…); faces: yunet-2022mar sha256=… (…)".
func (d *Detectors) Report() string {
	var b strings.Builder
	b.WriteString("persons: ")
	b.WriteString(d.Person.Report())
	b.WriteString("; faces: ")
	if d.Face != nil {
		b.WriteString(d.Face.Report())
	} else {
		b.WriteString("none (" + d.faces + ")")
	}
	return b.String()
}

// Close frees every detector.
func (d *Detectors) Close() error {
	if d.Person != nil {
		d.Person.Close()
	}
	if d.Face != nil {
		d.Face.Close()
	}
	return nil
}
