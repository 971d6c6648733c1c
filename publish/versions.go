package publish

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"custodian"
	"custodian/internal/textdiff"
)

// PublishRequest asks for the current registry to be published as a new policy version.
type PublishRequest struct {
	Announced custodian.Date
	Effective custodian.Date
	Reason    string
	By        string
}

// PublishPolicy publishes the current registry as the next policy version: it checks the
// notice-period rule (custodian.CheckPublish), renders the Markdown text that becomes the
// version's record, and stores the version with the registry revision it came from.
func PublishPolicy(ctx context.Context, regs custodian.RegistryService, pols custodian.PolicyService, req PublishRequest) (*custodian.PolicyVersion, error) {
	reg, meta, err := regs.Registry(ctx)
	if err != nil {
		return nil, err
	}
	published, err := pols.PolicyVersions(ctx)
	if err != nil {
		return nil, err
	}
	if err := custodian.CheckPublish(reg, published, req.Announced, req.Effective); err != nil {
		return nil, err
	}
	v := &custodian.PolicyVersion{
		Number:           len(published) + 1,
		Announced:        req.Announced,
		Effective:        req.Effective,
		Reason:           strings.TrimSpace(req.Reason),
		PublishedBy:      req.By,
		RegistryRevision: meta.Revision,
		Registry:         reg,
	}
	v.Markdown = Markdown(Policy(reg, PolicyOptions{Version: v, Published: append(published, *v)}))
	if err := pols.CreatePolicyVersion(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// Draft is the version number that names the unpublished draft of the current registry.
const Draft = 0

// ResolveVersion turns a version name into a number: "draft" (Draft), "latest" (the last
// published), "current" (the one in effect on today), or a number.
func ResolveVersion(ctx context.Context, pols custodian.PolicyService, name string, today custodian.Date) (int, error) {
	switch name {
	case "", "draft":
		return Draft, nil
	case "latest", "current":
		versions, err := pols.PolicyVersions(ctx)
		if err != nil {
			return 0, err
		}
		if len(versions) == 0 {
			return 0, custodian.Errorf(custodian.ENOTFOUND, "공고된 방침이 없습니다; 'custodian policy publish'로 공고하십시오", "no policy has been published; publish one with 'custodian policy publish'")
		}
		if name == "latest" {
			return versions[len(versions)-1].Number, nil
		}
		v := custodian.InEffect(versions, today)
		if v == nil {
			return 0, custodian.Errorf(custodian.ENOTFOUND, "%s에 시행 중인 방침이 없습니다 (첫 판의 시행일: %s)", "no policy is in effect on %s (the first version takes effect on %s)", today, versions[0].Effective)
		}
		return v.Number, nil
	}
	n, err := strconv.Atoi(name)
	if err != nil || n < 1 {
		return 0, custodian.Errorf(custodian.EINVALID, "판 %q는 번호, draft, latest, current 중 하나여야 합니다", "version %q must be a number, draft, latest or current", name)
	}
	return n, nil
}

// VersionDocument returns the document of version n, rendered from its own registry
// snapshot, or of the draft of the current registry when n is Draft. It also returns the
// version (nil for the draft).
func VersionDocument(ctx context.Context, regs custodian.RegistryService, pols custodian.PolicyService, n int) (*Document, *custodian.PolicyVersion, error) {
	versions, err := pols.PolicyVersions(ctx)
	if err != nil {
		return nil, nil, err
	}
	if n == Draft {
		reg, _, err := regs.Registry(ctx)
		if err != nil {
			return nil, nil, err
		}
		return Policy(reg, PolicyOptions{Published: versions}), nil, nil
	}
	v, err := pols.PolicyVersion(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	var upTo []custodian.PolicyVersion
	for _, p := range versions {
		if p.Number <= n {
			upTo = append(upTo, p)
		}
	}
	return Policy(v.Registry, PolicyOptions{Version: v, Published: upTo}), v, nil
}

// VersionMarkdown returns the Markdown of version n exactly as published, or of the draft.
func VersionMarkdown(ctx context.Context, regs custodian.RegistryService, pols custodian.PolicyService, n int) (string, error) {
	if n == Draft {
		d, _, err := VersionDocument(ctx, regs, pols, n)
		if err != nil {
			return "", err
		}
		return Markdown(d), nil
	}
	v, err := pols.PolicyVersion(ctx, n)
	if err != nil {
		return "", err
	}
	return v.Markdown, nil
}

// Diff returns the unified diff between the Markdown of versions a and b (either may be
// Draft), or "" when they are the same.
func Diff(ctx context.Context, regs custodian.RegistryService, pols custodian.PolicyService, a, b int) (string, error) {
	ta, err := VersionMarkdown(ctx, regs, pols, a)
	if err != nil {
		return "", err
	}
	tb, err := VersionMarkdown(ctx, regs, pols, b)
	if err != nil {
		return "", err
	}
	return textdiff.Unified(versionName(a), versionName(b), ta, tb, 3), nil
}

func versionName(n int) string {
	if n == Draft {
		return "draft (초안)"
	}
	return fmt.Sprintf("v%d (제%d판)", n, n)
}
