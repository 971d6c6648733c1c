package custodian

import (
	"context"
	"time"
)

// PolicyVersion is one published version of the operation & management policy: when it was
// announced and when it takes effect, why it changed, and the registry it was rendered from.
// A published version never changes; editing the registry only affects later versions.
type PolicyVersion struct {
	Number    int    `json:"number"`
	Announced Date   `json:"announced"`
	Effective Date   `json:"effective"`
	Reason    string `json:"reason,omitempty"`
	// PublishedAt and PublishedBy record who published it and when.
	PublishedAt time.Time `json:"published_at"`
	PublishedBy string    `json:"published_by,omitempty"`
	// RegistryRevision is the registry revision the snapshot was taken from.
	RegistryRevision int64 `json:"registry_revision"`
	// Registry is the snapshot; nil in listings.
	Registry *Registry `json:"registry,omitempty"`
	// Markdown is the text as published, and MarkdownSHA256 its digest (hex).
	Markdown       string `json:"markdown,omitempty"`
	MarkdownSHA256 string `json:"markdown_sha256"`
}

// InEffect returns the version in effect on day d: the one with the latest effective date
// not after d; nil when none.
func InEffect(versions []PolicyVersion, d Date) *PolicyVersion {
	var cur *PolicyVersion
	for i := range versions {
		v := &versions[i]
		if v.Effective.After(d) {
			continue
		}
		if cur == nil || !v.Effective.Before(cur.Effective) {
			cur = v
		}
	}
	return cur
}

// CheckPublish applies the rules for publishing a new version after the published ones:
// the effective date is no earlier than the announcement plus the notice period (7 days
// unless the organisation states another), and no earlier than the previous version's.
func CheckPublish(r *Registry, published []PolicyVersion, announced, effective Date) error {
	if announced.IsZero() {
		return Errorf(EINVALID, "공고일(--announce)이 필요합니다", "the announcement date (--announce) is required")
	}
	if effective.IsZero() {
		return Errorf(EINVALID, "시행일(--effective)이 필요합니다", "the effective date (--effective) is required")
	}
	n := r.NoticePeriod()
	if earliest := announced.AddDays(n); effective.Before(earliest) {
		return Errorf(EINVALID,
			"시행일 %[1]s은 공고일 %[2]s부터 공고 기간 %[3]d일이 지난 %[4]s 이후여야 합니다",
			"the effective date %[1]s must be at least the notice period of %[3]d days after the announcement %[2]s, i.e. on or after %[4]s",
			effective, announced, n, earliest)
	}
	for _, p := range published {
		if effective.Before(p.Effective) || effective == p.Effective {
			return Errorf(EINVALID,
				"시행일 %[1]s은 제%[2]d판의 시행일 %[3]s보다 뒤여야 합니다",
				"the effective date %[1]s must be after version %[2]d's effective date %[3]s",
				effective, p.Number, p.Effective)
		}
		if announced.Before(p.Announced) {
			return Errorf(EINVALID,
				"공고일 %[1]s이 제%[2]d판의 공고일 %[3]s보다 앞섭니다",
				"the announcement %[1]s is before version %[2]d's announcement %[3]s",
				announced, p.Number, p.Announced)
		}
	}
	return nil
}

// PolicyService stores published policy versions. Stored versions are immutable.
type PolicyService interface {
	// CreatePolicyVersion stores v, which must be numbered one after the last version
	// (ECONFLICT otherwise), and sets v.MarkdownSHA256.
	CreatePolicyVersion(ctx context.Context, v *PolicyVersion) error
	// PolicyVersions lists every version, oldest first, without snapshot or text.
	PolicyVersions(ctx context.Context) ([]PolicyVersion, error)
	// PolicyVersion returns version n with its snapshot and text; ENOTFOUND if none.
	PolicyVersion(ctx context.Context, n int) (*PolicyVersion, error)
}
