package pdf

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"custodian"
)

// FontDirEnv is the environment variable naming a directory that holds NanumGothic.ttf (and
// NanumGothicBold.ttf); it is searched before DefaultFontDir.
const FontDirEnv = "CUSTODIAN_FONT_DIR"

// DefaultFontDir is where Debian's fonts-nanum package installs the Nanum fonts.
const DefaultFontDir = "/usr/share/fonts/truetype/nanum"

// The font files: the regular face is required, the bold one is used when present.
const (
	regularFontFile = "NanumGothic.ttf"
	boldFontFile    = "NanumGothicBold.ttf"
)

// fontFamily is the name the documents select the embedded font by.
const fontFamily = "NanumGothic"

// fontSet is the Korean TrueType font embedded in every PDF: the regular and bold faces.
// Bold is the regular face when no bold file was found.
type fontSet struct {
	regular, bold []byte
}

var (
	fontOnce   sync.Once
	loadedFont fontSet
	fontErr    error
)

// fonts returns the font, reading it on first use and reusing the bytes afterwards.
func fonts() (fontSet, error) {
	fontOnce.Do(func() {
		loadedFont, fontErr = readFonts(fontDirs())
	})
	return loadedFont, fontErr
}

// fontDirs lists the directories searched for the font, in order.
func fontDirs() []string {
	var dirs []string
	if d := os.Getenv(FontDirEnv); d != "" {
		dirs = append(dirs, d)
	}
	return append(dirs, DefaultFontDir)
}

// readFonts reads the font from the first directory that has the regular face.
func readFonts(dirs []string) (fontSet, error) {
	for _, dir := range dirs {
		regular, err := os.ReadFile(filepath.Join(dir, regularFontFile))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fontSet{}, custodian.Errorf(custodian.EINTERNAL,
				"한글 글꼴 파일(%s)을 읽을 수 없습니다: %v",
				"cannot read the Korean font %s: %v", filepath.Join(dir, regularFontFile), err)
		}
		if !isTrueType(regular) {
			return fontSet{}, custodian.Errorf(custodian.EINTERNAL,
				"글꼴 파일(%s)이 TrueType 글꼴이 아닙니다",
				"%s is not a TrueType font", filepath.Join(dir, regularFontFile))
		}
		bold, err := os.ReadFile(filepath.Join(dir, boldFontFile))
		if err != nil || !isTrueType(bold) {
			bold = regular
		}
		return fontSet{regular: regular, bold: bold}, nil
	}
	where := strings.Join(dirs, ", ")
	return fontSet{}, custodian.Errorf(custodian.EINTERNAL,
		"PDF에 넣을 한글 글꼴(%[1]s)을 찾을 수 없습니다(찾아본 곳: %[2]s). Debian 패키지 fonts-nanum을 설치하거나(scripts/setup.sh가 설치합니다) %[3]s 환경 변수에 글꼴이 있는 디렉터리를 지정하십시오",
		"the Korean font %[1]s for PDFs was not found (searched %[2]s); install Debian's fonts-nanum package (scripts/setup.sh does) or set %[3]s to a directory that holds it",
		regularFontFile, where, FontDirEnv)
}

// isTrueType reports whether data starts like a TrueType font file (glyf outlines), the only
// kind fpdf embeds.
func isTrueType(data []byte) bool {
	return len(data) > 12 && (bytes.HasPrefix(data, []byte{0, 1, 0, 0}) || bytes.HasPrefix(data, []byte("true")))
}
