package custodian

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Uses of footage: what an opening of footage is for. Each is logged under the access-log
// action of the same name ("footage." + use); docs/design/footage-access.md.
const (
	UseLive      = "live"      // live view in the console (실시간 모니터링)
	UsePlayback  = "playback"  // recorded footage in the console (녹화 영상 재생)
	UseExport    = "export"    // a copy leaves the system: a clip or an evidence package (반출)
	UseView      = "view"      // on-site viewing against a request or provision (현장 열람)
	UseDownload  = "download"  // a requester or recipient downloads an export (내려받기)
	UseDelete    = "delete"    // deletion on a data subject's request (삭제)
	UseProvision = "provision" // live view given to an agency under an agreement (제공)
)

// FootageUseNames maps a use to Korean and English.
var FootageUseNames = map[string][2]string{
	UseLive:      {"실시간 모니터링", "live view"},
	UsePlayback:  {"녹화 영상 재생", "playback"},
	UseExport:    {"반출", "export"},
	UseView:      {"현장 열람", "on-site viewing"},
	UseDownload:  {"내려받기", "download"},
	UseDelete:    {"삭제", "deletion"},
	UseProvision: {"제공", "provision"},
}

// FootageAccess is one request to reach footage: who, from where, for what use and
// purpose, which cameras over which period, and what it is about.
type FootageAccess struct {
	Actor   string // the account's username, or "cli:<os user>[/<account>]"
	Source  string // the remote address, or "cli"
	Use     string // one of the Use constants
	Cameras []string
	From    time.Time
	To      time.Time // zero for live view
	// Purpose is the stated purpose, as StatedPurpose returned it (required).
	Purpose string
	// Object names what is shown or given: "view:<ticket>", an export ID, a file name.
	Object string
	// Request and Provision tie the access to a data subject's request or a provision
	// (0 when none).
	Request   int64
	Provision int64
	// Detail is free text for the log ("attendee=…").
	Detail string
}

// FootageReader reads the footage of one opening: only its cameras, only within its period.
type FootageReader interface {
	// Segments lists camera's catalogued segments overlapping [from, to) (within the
	// opening's period).
	Segments(ctx context.Context, camera string, from, to time.Time) ([]Segment, error)
	// Clip writes one MP4 of camera's footage in [from, to) (within the opening's period)
	// to w; it returns the clip's actual start and end (from a keyframe at or before from).
	Clip(ctx context.Context, w io.Writer, camera string, from, to time.Time) (ClipSpan, error)
}

// ClipSpan is what a written clip covers.
type ClipSpan struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Segments int       `json:"segments"`
	Bytes    int64     `json:"bytes"`
	Codec    string    `json:"codec"`
}

// FootageOpening is an opening of footage that has been logged.
type FootageOpening struct {
	ID     string // random, unique: ties the log records of one opening together
	Access FootageAccess
	Opened time.Time
	// Records are the access-log sequence numbers written for the opening, one per camera.
	Records []uint64
	// Reader reads the footage (nil for live view, which the recorder feeds).
	Reader FootageReader
}

// FootageDoor is the one way to reach footage (docs/design/footage-access.md). Open
// checks the access (a known use, a stated purpose, cameras and a period), writes one
// access-log record per camera, and only then returns the opening; when the log cannot be
// written it refuses (EUNAVAILABLE) and nothing is shown. Whether the actor may do this is
// the caller's check (the console's grants; the CLI is run by the system's operator), made
// before Open; a refusal is logged with Deny.
type FootageDoor interface {
	Open(ctx context.Context, a FootageAccess) (*FootageOpening, error)
	// Deny logs a refused attempt (result "denied") and returns the error to give.
	Deny(ctx context.Context, a FootageAccess, why error) error
}

// PurposeOther is the purpose ID of a purpose not in the registry: it needs text.
const PurposeOther = "other"

// StatedPurpose checks the purpose of an opening of footage: one of the registry's
// purposes (by ID), or PurposeOther with text (at least 4 characters); text, at most 200
// characters, adds detail. It returns the purpose as it is logged: "<name>", "<name> —
// <text>", or "기타: <text>".
func StatedPurpose(purposes []Purpose, id, text string) (string, error) {
	text = strings.TrimSpace(text)
	id = strings.TrimSpace(id)
	if utf8.RuneCountInString(text) > 200 {
		return "", Errorf(EINVALID, "목적 설명은 200자 이내로 적어 주십시오", "purpose: the text may have at most 200 characters")
	}
	if err := CheckText(text, 1000, false); err != nil || strings.ContainsAny(text, "\x00\r\n\t") {
		return "", Errorf(EINVALID, "목적 설명에 제어 문자를 쓸 수 없습니다", "purpose: the text may not contain control characters")
	}
	if id == "" {
		return "", Errorf(EINVALID, "열람 목적을 고르십시오 (개인정보 보호법 시행령 제30조: 열람마다 목적을 기록합니다)", "choose the purpose of viewing (every viewing records its purpose)")
	}
	if id == PurposeOther {
		if utf8.RuneCountInString(text) < 4 {
			return "", Errorf(EINVALID, "기타 목적은 4자 이상으로 구체적으로 적어 주십시오", "for another purpose, describe it in at least 4 characters")
		}
		return "기타: " + text, nil
	}
	for _, p := range purposes {
		if p.ID == id {
			if text != "" {
				return p.Name + " — " + text, nil
			}
			return p.Name, nil
		}
	}
	ids := make([]string, 0, len(purposes)+1)
	for _, p := range purposes {
		ids = append(ids, p.ID)
	}
	ids = append(ids, PurposeOther)
	return "", Errorf(EINVALID, "목적 %q는 등록부에 없습니다 (%s 중 하나)", "purpose %q is not in the registry (one of %s)", Clip(id, 64), strings.Join(ids, ", "))
}
