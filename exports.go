package custodian

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Export is an evidence package made (docs/EXPORTS.md): for a data subject's request or a
// provision, its footage (cameras, period, purpose), where the package lies, and the
// SHA-256 of its signed manifest.
type Export struct {
	ID        string    `json:"id"`
	Request   int64     `json:"request,omitempty"`
	Provision int64     `json:"provision,omitempty"`
	Cameras   []string  `json:"cameras"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Purpose   string    `json:"purpose"`
	Recipient string    `json:"recipient,omitempty"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
	// Path is the package: a directory, a .zip, or a .zip.age (encrypted for the recipient).
	Path           string `json:"path"`
	ManifestSHA256 []byte `json:"manifest_sha256"`
	Size           int64  `json:"size"`
}

// DownloadLink lets a requester or recipient download an export a limited number of times
// before it expires. Only the SHA-256 of its token is stored; the token itself is given
// once, when the link is made.
type DownloadLink struct {
	ID          int64     `json:"id"`
	Export      string    `json:"export"`
	TokenSHA256 []byte    `json:"-"`
	Expires     time.Time `json:"expires"`
	MaxUses     int       `json:"max_uses"`
	Uses        int       `json:"uses"`
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"created_by"`
}

// Bounds of a download link.
const (
	MaxDownloadUses     = 20
	MaxDownloadLifetime = 30 * 24 * time.Hour
)

// NewDownloadLink makes a link to export that expires after lifetime and works uses
// times, returning it with its token (given to the recipient; never stored).
func NewDownloadLink(export string, lifetime time.Duration, uses int, by string, now time.Time) (*DownloadLink, string, error) {
	if lifetime <= 0 || lifetime > MaxDownloadLifetime {
		return nil, "", Errorf(EINVALID, "내려받기 링크의 유효 기간은 30일 이내여야 합니다", "a download link lasts at most 30 days")
	}
	if uses < 1 || uses > MaxDownloadUses {
		return nil, "", Errorf(EINVALID, "내려받기 횟수는 1~%d회여야 합니다", "a download link works 1 to %d times", MaxDownloadUses)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	return &DownloadLink{Export: export, TokenSHA256: TokenHash(token), Expires: now.Add(lifetime), MaxUses: uses, Created: now, CreatedBy: by}, token, nil
}

// TokenHash is the SHA-256 of a download token, as it is stored.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ErrDownloadLink is the one answer to a download link that is unknown, expired or used
// up: which of the three is not told.
func ErrDownloadLink() error {
	return Errorf(ENOTFOUND, "내려받기 링크가 없거나, 기간이 지났거나, 정해진 횟수를 다 썼습니다. 영상을 받을 담당 부서에 새 링크를 요청하십시오",
		"the download link does not exist, has expired, or has been used up; ask the office for a new link")
}

// ExportService keeps the exports made and their download links.
type ExportService interface {
	// CreateExport records an export (ECONFLICT when its ID exists).
	CreateExport(ctx context.Context, e *Export) error
	// Export returns an export by ID (ENOTFOUND).
	Export(ctx context.Context, id string) (*Export, error)
	// Exports lists the exports of a request or a provision (both 0: all), newest first.
	Exports(ctx context.Context, request, provision int64) ([]Export, error)
	// CreateDownloadLink stores a link (made by NewDownloadLink) and sets its ID.
	CreateDownloadLink(ctx context.Context, l *DownloadLink) error
	// UseDownloadLink counts one use of the link whose token is given, atomically, and
	// returns it with its export; a link unknown, expired at now or used up gets
	// ErrDownloadLink (ENOTFOUND) and nothing changes.
	UseDownloadLink(ctx context.Context, token string, now time.Time) (*DownloadLink, *Export, error)
	// DownloadLinks lists an export's links.
	DownloadLinks(ctx context.Context, export string) ([]DownloadLink, error)
}
