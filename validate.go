package custodian

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Validate checks every rule a registry must follow: required fields, valid values, unique
// and existing IDs, stated totals, and the law's rules:
//
//   - no camera group may cover a bathroom, toilet, sauna or changing room (PIPA Art. 25(2)),
//     unless its site is a custody facility under the narrow exception;
//   - a retention period over 30 days needs a stated reason;
//   - every camera group has a purpose and a retention class;
//   - the responsible manager is named (Decree Art. 25 item 3);
//   - data-subject requests are answered within 10 days (Decree Art. 42).
//
// It returns nil or a *ValidationError listing every problem with its field path.
func (r *Registry) Validate() error {
	v := &validator{r: r, x: r.Index()}
	v.organisation()
	v.sites()
	v.purposes()
	v.retention()
	v.people()
	v.checking()
	v.requests()
	v.contractors()
	v.agreements()
	v.controlledAreas()
	v.forms()
	v.policy()
	v.text()
	if len(v.problems) == 0 {
		return nil
	}
	return NewValidationError(v.problems)
}

type validator struct {
	r        *Registry
	x        *Index
	problems []Problem
}

// add records a problem. The Korean and English formats take the same arguments; a format
// that needs only some of them uses explicit indexes (%[2]s). A string argument longer than
// MaxEcho bytes is echoed cut, with its length (Clip).
func (v *validator) add(path, ko, en string, args ...any) {
	args = clipArgs(args, MaxEcho)
	v.problems = append(v.problems, Problem{Path: path, Ko: fmt.Sprintf(ko, args...), En: fmt.Sprintf(en, args...)})
}

func (v *validator) addText(path, ko, en string) {
	v.problems = append(v.problems, Problem{Path: path, Ko: ko, En: en})
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidID reports whether s is a valid ID: 1–64 lower-case letters, digits, '-' and '_',
// starting with a letter or digit.
func ValidID(s string) bool { return idPattern.MatchString(s) }

func (v *validator) id(path, id string, seen map[string]string) {
	switch {
	case id == "":
		v.add(path, "ID가 비어 있습니다", "the ID is empty")
	case !ValidID(id):
		v.add(path, "ID %q은(는) 영문 소문자, 숫자, '-', '_'로 1~64자여야 합니다", "ID %q must be 1-64 lower-case letters, digits, '-' or '_'", id)
	default:
		if first, dup := seen[id]; dup {
			v.add(path, "ID %q이(가) 중복됩니다 (처음 정의: %s)", "duplicate ID %q (first defined at %s)", id, first)
			return
		}
		seen[id] = path
	}
}

func (v *validator) required(path, value, ko, en string) {
	if strings.TrimSpace(value) == "" {
		v.addText(path, ko+" 값이 필요합니다", en+" is required")
	}
}

func (v *validator) oneOf(path, value string, allowed []string, allowEmpty bool) {
	if value == "" && allowEmpty {
		return
	}
	if !slices.Contains(allowed, value) {
		if value == "" {
			v.add(path, "값이 필요합니다: %s 중 하나", "a value is required: one of %s", ours(strings.Join(allowed, ", ")))
			return
		}
		v.add(path, "%q은(는) 허용되지 않는 값입니다: %s 중 하나여야 합니다", "%q is not allowed: must be one of %s", value, ours(strings.Join(allowed, ", ")))
	}
}

// ref checks that id names an existing entity of the kind described.
func (v *validator) ref(path, id string, exists bool, kindKo, kindEn string, known []string) {
	if id == "" {
		v.addText(path, kindKo+" ID가 필요합니다", "a "+kindEn+" ID is required")
		return
	}
	if exists {
		return
	}
	hint := ""
	if len(known) > 0 && len(known) <= 12 {
		hint = " [" + strings.Join(known, ", ") + "]"
	}
	v.add(path, "%[1]s %[2]q이(가) 없습니다%[3]s", "no %[4]s with ID %[2]q%[3]s", kindKo, id, ours(hint), kindEn)
}

func siteIDs(r *Registry) []string {
	out := make([]string, len(r.Sites))
	for i, s := range r.Sites {
		out[i] = s.ID
	}
	return out
}

func (v *validator) organisation() {
	o := v.r.Organisation
	v.id("organisation.id", o.ID, map[string]string{})
	v.required("organisation.name", o.Name, "기관명", "the organisation's name")
	v.oneOf("organisation.sector", o.Sector, []string{SectorPublic, SectorPrivate}, false)
	if o.Homepage != "" {
		if u, err := url.Parse(o.Homepage); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("organisation.homepage", "홈페이지 주소 %q은(는) http:// 또는 https://로 시작하는 URL이어야 합니다", "homepage %q must be an http:// or https:// URL", o.Homepage)
		}
	}
	if o.StatedTotal < 0 {
		v.add("organisation.stated_total", "음수일 수 없습니다", "must not be negative")
	} else if o.StatedTotal > 0 {
		if t := v.x.Total(); t != o.StatedTotal {
			v.add("organisation.stated_total", "명시된 총 대수 %d대가 카메라 그룹 대수의 합 %d대와 다릅니다", "the stated total %d differs from the sum of the camera groups' counts, %d", o.StatedTotal, t)
		}
	}
	if o.ControlCentre != "" {
		s := v.x.Site(o.ControlCentre)
		v.ref("organisation.control_centre", o.ControlCentre, s != nil, "사이트", "site", siteIDs(v.r))
		if s != nil && s.Kind != SiteControlCentre {
			v.add("organisation.control_centre", "사이트 %[1]q의 종류가 %[2]s입니다; 통합관제센터는 kind: control_centre인 사이트여야 합니다", "site %[1]q is of kind %[2]s; the control centre must be a site of kind control_centre", o.ControlCentre, s.Kind)
		}
	}
}

// forbiddenPlaces are the places PIPA Art. 25(2) forbids cameras to see inside, as words
// that appear in a camera group's location or range. Matching ignores case and spaces.
var forbiddenPlaces = []struct{ word, ko, en string }{
	{"화장실", "화장실", "toilet"},
	{"변소", "화장실", "toilet"},
	{"욕실", "목욕실", "bathroom"},
	{"목욕탕", "목욕탕", "bathhouse"},
	{"목욕실", "목욕실", "bathroom"},
	{"샤워실", "샤워실", "shower room"},
	{"샤워장", "샤워실", "shower room"},
	{"사우나", "사우나", "sauna"},
	{"발한실", "발한실", "sauna"},
	{"찜질방", "찜질방", "sauna"},
	{"탈의실", "탈의실", "changing room"},
	{"갱의실", "탈의실", "changing room"},
	{"경의실", "탈의실", "changing room"},
	{"toilet", "화장실", "toilet"},
	{"restroom", "화장실", "toilet"},
	{"washroom", "화장실", "toilet"},
	{"lavatory", "화장실", "toilet"},
	{"bathroom", "목욕실", "bathroom"},
	{"shower", "샤워실", "shower room"},
	{"sauna", "사우나", "sauna"},
	{"changingroom", "탈의실", "changing room"},
	{"lockerroom", "탈의실", "changing room"},
	{"dressingroom", "탈의실", "changing room"},
}

// ForbiddenPlace returns the Korean and English name of the place PIPA Art. 25(2) forbids
// that text mentions, or "" if it mentions none.
func ForbiddenPlace(text string) (ko, en string) {
	t := strings.ToLower(strings.Join(strings.Fields(text), ""))
	for _, f := range forbiddenPlaces {
		if strings.Contains(t, f.word) {
			return f.ko, f.en
		}
	}
	return "", ""
}

func (v *validator) sites() {
	if len(v.r.Sites) == 0 {
		v.add("sites", "사이트가 하나 이상 필요합니다", "at least one site is required")
	}
	seen := map[string]string{}
	groupSeen := map[string]string{}
	for i, s := range v.r.Sites {
		p := fmt.Sprintf("sites[%d]", i)
		v.id(p+".id", s.ID, seen)
		v.required(p+".name", s.Name, "사이트 이름", "the site's name")
		v.oneOf(p+".kind", s.Kind, SiteKinds, false)
		if s.Parent != "" {
			switch {
			case s.Parent == s.ID:
				v.add(p+".parent", "자기 자신을 상위 사이트로 지정할 수 없습니다", "a site cannot be its own parent")
			case v.x.Site(s.Parent) == nil:
				v.ref(p+".parent", s.Parent, false, "사이트", "site", siteIDs(v.r))
			default:
				if slices.Contains(v.x.Ancestors(s.Parent), s.ID) {
					v.add(p+".parent", "상위 사이트 지정이 순환합니다 (%s)", "the parent chain is a cycle (%s)", s.Parent)
				}
			}
		}
		total := v.x.SiteTotal(s.ID)
		if v.x.Site(s.ID) != &v.r.Sites[i] {
			total = 0 // a duplicate; reported above
			for _, g := range s.CameraGroups {
				total += g.Count
			}
		}
		if s.StatedTotal < 0 {
			v.add(p+".stated_total", "음수일 수 없습니다", "must not be negative")
		} else if s.StatedTotal > 0 && s.StatedTotal != total {
			v.add(p+".stated_total", "명시된 총 대수 %d대가 이 사이트와 하위 사이트의 카메라 대수 합 %d대와 다릅니다", "the stated total %d differs from the sum of the counts at this site and below, %d", s.StatedTotal, total)
		}
		switch {
		case total == 0 && s.Kind == SiteControlCentre:
			// A control centre runs the cameras of other sites; it needs none of its own.
		case total == 0 && strings.TrimSpace(s.NoCamerasReason) == "":
			v.add(p+".no_cameras_reason", "카메라가 없는 사이트는 그 사유를 적어야 합니다 (예: \"영상정보처리기기 미설치\")", "a site with no cameras must say why (e.g. \"영상정보처리기기 미설치\")")
		case total > 0 && s.NoCamerasReason != "":
			v.add(p+".no_cameras_reason", "카메라가 %d대 있는 사이트에 미설치 사유가 적혀 있습니다", "the site has %d cameras but states a reason for having none", total)
		}
		for j, g := range s.CameraGroups {
			v.cameraGroup(fmt.Sprintf("%s.camera_groups[%d]", p, j), s, g, groupSeen)
		}
	}
}

func (v *validator) cameraGroup(p string, s Site, g CameraGroup, seen map[string]string) {
	v.id(p+".id", g.ID, seen)
	if g.Count < 1 {
		v.add(p+".count", "설치 대수는 1 이상이어야 합니다 (현재 %d)", "the count must be at least 1 (is %d)", g.Count)
	}
	if len(g.Locations) == 0 {
		v.add(p+".locations", "설치 위치가 하나 이상 필요합니다", "at least one location is required")
	}
	for k, l := range g.Locations {
		if strings.TrimSpace(l) == "" {
			v.add(fmt.Sprintf("%s.locations[%d]", p, k), "설치 위치가 비어 있습니다", "the location is empty")
		}
	}
	if s.CustodyFacility == "" {
		check := func(path, text string) {
			if ko, en := ForbiddenPlace(text); ko != "" {
				v.add(path, "%[1]q: 영상정보처리기기는 %[2]s 등 개인의 사생활을 현저히 침해할 우려가 있는 장소의 내부를 볼 수 있도록 설치·운영할 수 없습니다 (개인정보 보호법 제25조 제2항)",
					"%[1]q: no camera may see inside a %[3]s, bathroom, sauna or changing room (PIPA Art. 25(2))", text, ko, en)
			}
		}
		for k, l := range g.Locations {
			check(fmt.Sprintf("%s.locations[%d]", p, k), l)
		}
		check(p+".range", g.Range)
		check(p+".category", g.Category)
		check(p+".area", g.Area)
	}
	v.oneOf(p+".type", g.Type, []string{CameraFixed, CameraPTZ}, true)
	for k, a := range g.FieldOfView {
		if !(a > 0 && a <= 360) || math.IsNaN(a) {
			v.add(fmt.Sprintf("%s.field_of_view[%d]", p, k), "화각 %g도는 0보다 크고 360 이하여야 합니다", "the angle %g must be above 0 and at most 360 degrees", a)
		}
	}
	if len(g.Purposes) == 0 {
		v.add(p+".purposes", "카메라 그룹마다 설치 목적이 하나 이상 필요합니다", "every camera group needs at least one purpose")
	}
	known := make([]string, len(v.r.Purposes))
	for i, pu := range v.r.Purposes {
		known[i] = pu.ID
	}
	dup := map[string]bool{}
	for k, id := range g.Purposes {
		pp := fmt.Sprintf("%s.purposes[%d]", p, k)
		if dup[id] {
			v.add(pp, "목적 %q이(가) 두 번 적혀 있습니다", "purpose %q is listed twice", id)
		}
		dup[id] = true
		v.ref(pp, id, v.x.Purpose(id) != nil, "설치 목적", "purpose", known)
	}
	if g.RetentionClass == "" {
		v.add(p+".retention_class", "카메라 그룹마다 보관 등급(retention class)이 필요합니다", "every camera group needs a retention class")
	} else {
		known := make([]string, len(v.r.RetentionClasses))
		for i, c := range v.r.RetentionClasses {
			known[i] = c.ID
		}
		v.ref(p+".retention_class", g.RetentionClass, v.x.RetentionClass(g.RetentionClass) != nil, "보관 등급", "retention class", known)
	}
	if len(g.Cameras) > g.Count && g.Count >= 1 {
		v.add(p+".cameras", "카메라가 %d대 적혀 있지만 설치 대수는 %d대입니다", "%d cameras are listed but the count is %d", len(g.Cameras), g.Count)
	}
	for k, c := range g.Cameras {
		v.camera(fmt.Sprintf("%s.cameras[%d]", p, k), c, seen)
	}
}

// camera checks one recorded camera. Camera IDs share the namespace of camera group IDs
// (footage is filed under either).
func (v *validator) camera(p string, c Camera, seen map[string]string) {
	v.id(p+".id", c.ID, seen)
	if c.Source == nil {
		if c.Enabled {
			v.add(p+".source", "녹화하려면(enabled) 영상 출처(source)가 필요합니다", "an enabled camera needs a source")
		}
		return
	}
	src := c.Source
	v.oneOf(p+".source.kind", src.Kind, []string{SourceRTSP, SourceFFmpeg}, true)
	v.oneOf(p+".source.transport", src.Transport, []string{"tcp", "udp"}, true)
	if msg, ok := CheckSourceURL(src.SourceKind(), src.URL); !ok {
		v.addText(p+".source.url", msg.Ko, msg.En)
	}
	if src.Transcode && src.SourceKind() != SourceFFmpeg {
		v.add(p+".source.transcode", "transcode는 ffmpeg 출처에만 씁니다", "transcode applies to ffmpeg sources only")
	}
	// ffmpeg answers whichever challenge a camera makes, Basic included: with a user on a
	// plain (not TLS) URL, that must be allowed in so many words.
	if src.SourceKind() == SourceFFmpeg && src.User != "" && !src.AllowBasicAuth {
		if u, err := url.Parse(src.URL); err == nil && (strings.EqualFold(u.Scheme, "rtsp") || strings.EqualFold(u.Scheme, "http")) {
			v.add(p+".source.allow_basic_auth", "ffmpeg 출처는 카메라가 Basic 인증을 요구하면 비밀번호를 암호화 없이 보냅니다: TLS 주소(rtsps://, https://)를 쓰거나 allow_basic_auth: true로 명시하십시오",
				"an ffmpeg source sends the password unencrypted when the camera asks for Basic authentication: use a TLS URL (rtsps://, https://) or say allow_basic_auth: true")
		}
	}
}

// CheckSourceURL checks a camera source's URL: for kind rtsp an rtsp:// URL with a host;
// for kind ffmpeg a network URL of FFmpegSchemes whose host CheckSourceAddr allows; for
// both, no user or password in it. It returns what is wrong. The recorder checks again
// before it connects.
func CheckSourceURL(kind, raw string) (*Error, bool) {
	bad := func(ko, en string, args ...any) (*Error, bool) { return Errorf(EINVALID, ko, en, args...), false }
	if strings.TrimSpace(raw) == "" {
		return bad("URL이 필요합니다", "a URL is required")
	}
	if strings.ContainsAny(raw, " \t\r\n") {
		return bad("URL에 공백이 있습니다", "the URL contains white space")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("URL을 읽을 수 없습니다", "the URL cannot be parsed")
	}
	if u.User != nil {
		return bad("URL에 사용자 이름이나 비밀번호를 넣지 마십시오: user와 password_file(또는 'custodian cameras set-source --user --password-file')을 쓰십시오",
			"do not put a user or password in the URL: use user and password_file (or 'custodian cameras set-source --user --password-file')")
	}
	if len(raw) > MaxSourceURL {
		return bad("URL이 %d바이트로 너무 깁니다 (최대 %d)", "the URL is too long: %d bytes (at most %d)", len(raw), MaxSourceURL)
	}
	switch kind {
	case SourceRTSP:
		if u.Scheme != "rtsp" && u.Scheme != "rtsps" {
			return bad("rtsp 출처의 URL은 rtsp://로 시작해야 합니다 (%q)", "an rtsp source's URL must start with rtsp:// (%q)", clipText(u.Scheme)+"://")
		}
	case SourceFFmpeg:
		// Network streams only: never a local file, a device, a pipe or another of
		// ffmpeg's protocols (file:, pipe:, concat:, subfile: ...), and never a link-local
		// address (cloud metadata services).
		if !slices.Contains(FFmpegSchemes, strings.ToLower(u.Scheme)) {
			return bad("ffmpeg 출처의 URL은 %s 중 하나로 시작하는 네트워크 주소여야 합니다 (로컬 파일·file:·pipe:·concat: 등은 허용되지 않음)",
				"an ffmpeg source's URL must be a network address starting with %s (local files, file:, pipe:, concat: and the like are not allowed)",
				strings.Join(FFmpegSchemes, "://, ")+"://")
		}
	}
	if u.Hostname() == "" {
		return bad("URL에 호스트가 없습니다", "the URL has no host")
	}
	if kind == SourceFFmpeg {
		if e := CheckSourceAddr(u.Hostname()); e != nil {
			return e, false
		}
	}
	return nil, true
}

// MaxSourceURL is the longest source URL accepted, in bytes.
const MaxSourceURL = 2048

func (v *validator) purposes() {
	if len(v.r.Purposes) == 0 {
		v.add("purposes", "설치 목적이 하나 이상 필요합니다", "at least one purpose is required")
	}
	seen := map[string]string{}
	for i, pu := range v.r.Purposes {
		p := fmt.Sprintf("purposes[%d]", i)
		v.id(p+".id", pu.ID, seen)
		v.required(p+".name", pu.Name, "목적", "the purpose's name")
		b := pu.Basis
		v.oneOf(p+".basis.kind", b.Kind, []string{BasisPIPA25, BasisConsent, BasisOtherLaw}, false)
		switch b.Kind {
		case BasisPIPA25:
			if b.Item < 1 || b.Item > 6 {
				v.add(p+".basis.item", "개인정보 보호법 제25조 제1항의 호(1~6)가 필요합니다 (현재 %d)", "the item of PIPA Art. 25(1), 1-6, is required (is %d)", b.Item)
			}
		case BasisOtherLaw:
			v.required(p+".basis.law", b.Law, "법령 이름", "the law's name")
			v.required(p+".basis.article", b.Article, "조항", "the article")
		}
		if b.Kind != BasisPIPA25 && b.Item != 0 {
			v.add(p+".basis.item", "item은 kind가 pipa_25_1일 때만 씁니다", "item is only for kind pipa_25_1")
		}
	}
}

func (v *validator) retention() {
	if len(v.r.RetentionClasses) == 0 {
		v.add("retention_classes", "보관 등급이 하나 이상 필요합니다", "at least one retention class is required")
	}
	seen := map[string]string{}
	for i, c := range v.r.RetentionClasses {
		p := fmt.Sprintf("retention_classes[%d]", i)
		v.id(p+".id", c.ID, seen)
		v.required(p+".name", c.Name, "구분 이름", "the class's name")
		v.required(p+".filming_hours", c.FilmingHours, "촬영시간", "a filming-hours value")
		v.required(p+".storage_place", c.StoragePlace, "보관장소", "the storage place")
		switch {
		case c.RetentionDays < 0 || c.RetentionMonths < 0:
			v.add(p+".retention_days", "보관기간은 음수일 수 없습니다", "the retention period must not be negative")
		case c.RetentionDays > 0 && c.RetentionMonths > 0:
			v.add(p+".retention_months", "retention_days와 retention_months 중 하나만 적어야 합니다", "give retention_days or retention_months, not both")
		case c.RetentionDays == 0 && c.RetentionMonths == 0:
			v.add(p+".retention_days", "보관기간(retention_days 또는 retention_months)이 필요합니다", "a retention period (retention_days or retention_months) is required")
		case c.RetentionDays > 3650 || c.RetentionMonths > 120:
			v.add(p+".retention_days", "보관기간은 10년을 넘을 수 없습니다", "the retention period must not exceed 10 years")
		case c.RetentionDaysMax() > 30 && strings.TrimSpace(c.RetentionReason) == "":
			v.add(p+".retention_reason", "보관기간 %[1]s은 30일을 넘으므로 그 사유를 적어야 합니다", "a retention period of %[2]s exceeds 30 days and needs a stated reason", c.PeriodKorean(), c.PeriodEnglish())
		}
		if c.RetentionLabel != "" {
			n, unit := c.RetentionDays, "일"
			if c.RetentionMonths > 0 {
				n, unit = c.RetentionMonths, "개월"
			}
			stated := regexp.MustCompile(`(^|[^0-9])` + fmt.Sprint(n) + `\s*` + unit)
			if n > 0 && !stated.MatchString(c.RetentionLabel) {
				v.add(p+".retention_label", "표기 %[1]q에 보관기간 %[2]d%[3]s이 없습니다", "the label %[1]q does not state the period, %[4]s", c.RetentionLabel, n, unit, c.PeriodEnglish())
			}
		}
	}
}

func (v *validator) people() {
	seen := map[string]string{}
	roles := make([]string, len(RoleNames))
	for i, r := range RoleNames {
		roles[i] = r.Role
	}
	responsible := false
	for i, pe := range v.r.People {
		p := fmt.Sprintf("people[%d]", i)
		v.id(p+".id", pe.ID, seen)
		v.oneOf(p+".role", pe.Role, roles, false)
		v.oneOf(p+".rank", pe.Rank, []string{RankPrimary, RankDeputy}, true)
		if strings.TrimSpace(pe.Name) == "" && strings.TrimSpace(pe.Title) == "" {
			v.add(p+".name", "이름이나 직위 중 하나는 있어야 합니다", "a name or a title is required")
		}
		for k, s := range pe.Sites {
			v.ref(fmt.Sprintf("%s.sites[%d]", p, k), s, v.x.Site(s) != nil, "사이트", "site", siteIDs(v.r))
		}
		if pe.Email != "" && !strings.Contains(pe.Email, "@") {
			v.add(p+".email", "전자우편 주소 %q이(가) 올바르지 않습니다", "%q is not an e-mail address", pe.Email)
		}
		switch pe.Role {
		case RoleChief, RoleManager, RoleProtectionOfficer:
			responsible = true
		}
	}
	if !responsible {
		v.add("people", "관리책임자(chief, manager 또는 protection_officer 역할)가 한 명 이상 필요합니다 (시행령 제25조)", "at least one responsible manager (role chief, manager or protection_officer) is required (Decree Art. 25)")
	}
}

func (v *validator) checking() {
	for i, cp := range v.r.Checking.Places {
		p := fmt.Sprintf("checking.places[%d]", i)
		v.required(p+".name", cp.Name, "확인 장소 이름", "the place's name")
		if cp.Site != "" {
			v.ref(p+".site", cp.Site, v.x.Site(cp.Site) != nil, "사이트", "site", siteIDs(v.r))
		}
	}
}

func (v *validator) requests() {
	q := v.r.Requests
	if q.DeadlineDays < 0 || q.DeadlineDays > 10 {
		v.add("requests.deadline_days", "열람 등 요구에는 10일 이내에 답해야 합니다 (시행령 제42조); %d일은 허용되지 않습니다", "requests must be answered within 10 days (Decree Art. 42); %d is not allowed", q.DeadlineDays)
	}
	if q.Form != "" {
		v.ref("requests.form", q.Form, v.x.Form(q.Form) != nil, "서식", "form", nil)
	}
}

func (v *validator) contractors() {
	seen := map[string]string{}
	for i, c := range v.r.Contractors {
		p := fmt.Sprintf("contractors[%d]", i)
		v.id(p+".id", c.ID, seen)
		v.required(p+".name", c.Name, "수탁자 이름", "the contractor's name")
		v.required(p+".contact", c.Contact, "수탁자 연락처", "the contractor's contact")
		v.required(p+".work", c.Work, "위탁 업무", "the outsourced work")
		for k, s := range c.Sites {
			v.ref(fmt.Sprintf("%s.sites[%d]", p, k), s, v.x.Site(s) != nil, "사이트", "site", siteIDs(v.r))
		}
	}
}

func (v *validator) groupRef(path, id string) {
	g, _ := v.x.CameraGroup(id)
	v.ref(path, id, g != nil, "카메라 그룹", "camera group", nil)
}

func (v *validator) agreements() {
	seen := map[string]string{}
	allowed := make([]string, 0, len(AllowNames))
	for k := range AllowNames {
		allowed = append(allowed, k)
	}
	sort.Strings(allowed)
	for i, a := range v.r.Agreements {
		p := fmt.Sprintf("agreements[%d]", i)
		v.id(p+".id", a.ID, seen)
		v.required(p+".agency", a.Agency, "협약 기관", "the agency")
		v.required(p+".covers", a.Covers, "협약 대상", "what the agreement covers")
		if len(a.Allows) == 0 {
			v.add(p+".allows", "협약으로 허용되는 업무가 하나 이상 필요합니다: %s", "at least one allowed use is required: %s", ours(strings.Join(allowed, ", ")))
		}
		for k, al := range a.Allows {
			v.oneOf(fmt.Sprintf("%s.allows[%d]", p, k), al, allowed, false)
		}
		for k, g := range a.CameraGroups {
			v.groupRef(fmt.Sprintf("%s.camera_groups[%d]", p, k), g)
		}
		if !a.Start.IsZero() && !a.End.IsZero() && a.End.Before(a.Start) {
			v.add(p+".end", "종료일 %s이 시작일 %s보다 앞섭니다", "the end %s is before the start %s", a.End, a.Start)
		}
	}
}

func (v *validator) controlledAreas() {
	seen := map[string]string{}
	for i, c := range v.r.ControlledAreas {
		p := fmt.Sprintf("controlled_areas[%d]", i)
		v.id(p+".id", c.ID, seen)
		v.ref(p+".site", c.Site, v.x.Site(c.Site) != nil, "사이트", "site", siteIDs(v.r))
		v.required(p+".name", c.Name, "통제구역 이름", "the area's name")
		v.required(p+".consent", c.Consent, "동의 방법", "how entrants consent")
		if c.Register != "" {
			v.ref(p+".register", c.Register, v.x.Form(c.Register) != nil, "서식", "form", nil)
		}
		for k, g := range c.CameraGroups {
			gp := fmt.Sprintf("%s.camera_groups[%d]", p, k)
			v.groupRef(gp, g)
			if _, site := v.x.CameraGroup(g); site != "" && v.x.Site(c.Site) != nil && site != c.Site && !slices.Contains(v.x.Ancestors(site), c.Site) {
				v.add(gp, "카메라 그룹 %[1]q은(는) 통제구역의 사이트 %[2]q 또는 그 아래에 있지 않습니다 (%[3]q에 있음)", "camera group %[1]q is not at the area's site %[2]q or below it (it is at %[3]q)", g, c.Site, site)
			}
		}
	}
}

func (v *validator) forms() {
	seen := map[string]string{}
	for i, f := range v.r.Forms {
		p := fmt.Sprintf("forms[%d]", i)
		v.id(p+".id", f.ID, seen)
		v.required(p+".number", f.Number, "서식 번호", "the form's number")
		v.required(p+".title", f.Title, "서식 이름", "the form's title")
	}
}

func (v *validator) policy() {
	pt := v.r.Policy
	if pt.NoticePeriodDays < 0 || pt.NoticePeriodDays > 365 {
		v.add("policy.notice_period_days", "공고 기간은 0(기본 7일)부터 365일까지입니다", "the notice period must be 0 (default 7) to 365 days")
	}
	v.oneOf("policy.camera_table", pt.CameraTable, []string{CameraTableGroup, CameraTableSite}, true)
	for i, s := range pt.Sections {
		p := fmt.Sprintf("policy.sections[%d]", i)
		v.required(p+".title", s.Title, "제목", "the title")
		v.required(p+".body", s.Body, "본문", "the body")
	}
	var prev Date
	for i, h := range pt.History {
		p := fmt.Sprintf("policy.history[%d]", i)
		if h.Effective.IsZero() {
			v.add(p+".effective", "시행일이 필요합니다", "the effective date is required")
			continue
		}
		if !h.Announced.IsZero() && h.Effective.Before(h.Announced) {
			v.add(p+".effective", "시행일 %s이 공고일 %s보다 앞섭니다", "the effective date %s is before the announcement %s", h.Effective, h.Announced)
		}
		if !prev.IsZero() && h.Effective.Before(prev) {
			v.add(p+".effective", "이력은 시행일 순서여야 합니다 (%s 다음에 %s)", "the history must be in order of effective date (%s after %s)", h.Effective, prev)
		}
		prev = h.Effective
	}
}
