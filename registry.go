package custodian

import "context"

// Registry is everything an organisation's operation & management policy (운영·관리 방침)
// states about its CCTV (영상정보처리기기): the organisation, its sites, the camera groups at
// each site, the purposes with their legal basis, the retention classes, the people
// responsible, how data subjects check footage, the agreements with outside agencies, the
// controlled areas that need consent, the forms it uses, and the policy's own texts and
// history. It is what `custodian import` reads and `custodian export` writes, and each
// published policy version keeps a copy of it. A Registry is valid when Validate returns nil.
//
// One data directory holds one organisation's registry.
type Registry struct {
	Organisation     Organisation     `yaml:"organisation" json:"organisation"`
	Sites            []Site           `yaml:"sites" json:"sites"`
	Purposes         []Purpose        `yaml:"purposes" json:"purposes"`
	RetentionClasses []RetentionClass `yaml:"retention_classes" json:"retention_classes"`
	People           []Person         `yaml:"people" json:"people"`
	Checking         Checking         `yaml:"checking,omitempty" json:"checking,omitzero"`
	Requests         RequestRules     `yaml:"requests,omitempty" json:"requests,omitzero"`
	Safety           SafetyMeasures   `yaml:"safety,omitempty" json:"safety,omitzero"`
	Contractors      []Contractor     `yaml:"contractors,omitempty" json:"contractors,omitempty"`
	Agreements       []Agreement      `yaml:"agreements,omitempty" json:"agreements,omitempty"`
	ControlledAreas  []ControlledArea `yaml:"controlled_areas,omitempty" json:"controlled_areas,omitempty"`
	Forms            []Form           `yaml:"forms,omitempty" json:"forms,omitempty"`
	Policy           PolicyText       `yaml:"policy,omitempty" json:"policy,omitzero"`
}

// Organisation is the personal information controller (개인정보처리자) that installs and
// operates the cameras and publishes the policy.
type Organisation struct {
	// ID is a short stable identifier (lower-case letters, digits, '-' and '_').
	ID string `yaml:"id" json:"id"`
	// Name is the organisation's name as the policy uses it: "고양일산우체국".
	Name string `yaml:"name" json:"name"`
	// Scope, when set, is how the policy names who it covers: "고양일산우체국(소속 관내국 포함)".
	Scope string `yaml:"scope,omitempty" json:"scope,omitempty"`
	// Sector is "public" for a public institution (공공기관: resident consultation before
	// installing, yearly self-inspection) or "private".
	Sector string `yaml:"sector" json:"sector"`
	// Homepage is where the policy is published continuously.
	Homepage string `yaml:"homepage,omitempty" json:"homepage,omitempty"`
	// Address and Phone of the organisation's main office.
	Address string `yaml:"address,omitempty" json:"address,omitempty"`
	Phone   string `yaml:"phone,omitempty" json:"phone,omitempty"`
	// StatedTotal, when set, is the total number of cameras the policy states; it must equal
	// the sum of every camera group's count.
	StatedTotal int `yaml:"stated_total,omitempty" json:"stated_total,omitempty"`
	// ControlCentre, when set, is the ID of the site (an integrated control centre, 통합관제센터)
	// from which recording and monitoring of every camera is run.
	ControlCentre string `yaml:"control_centre,omitempty" json:"control_centre,omitempty"`
}

// Sector values.
const (
	SectorPublic  = "public"
	SectorPrivate = "private"
)

// Site is a place the organisation operates: a head office, a subordinate office, a branch, a
// centre, a building, or a control centre. Sites form a tree through Parent: a subordinate
// office under its head office, a building under its campus. A site with no cameras in it or
// below it must say why (NoCamerasReason), as a policy does ("영상정보처리기기 미설치").
type Site struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	Kind   string `yaml:"kind" json:"kind"`
	Parent string `yaml:"parent,omitempty" json:"parent,omitempty"`
	// Address of the site (also used for signboards).
	Address string `yaml:"address,omitempty" json:"address,omitempty"`
	Phone   string `yaml:"phone,omitempty" json:"phone,omitempty"`
	// StatedTotal, when set, is the number of cameras the policy states for this site and
	// the sites below it ("<총 9대>"); it must equal the sum of their camera groups' counts.
	StatedTotal int `yaml:"stated_total,omitempty" json:"stated_total,omitempty"`
	// NoCamerasReason says why a site has no cameras. Required when it has none.
	NoCamerasReason string `yaml:"no_cameras_reason,omitempty" json:"no_cameras_reason,omitempty"`
	// CustodyFacility, when set, names the law under which this site is a facility that
	// detains or protects people (a prison, a psychiatric ward), the narrow exception of
	// PIPA Art. 25(2) that lets cameras cover bathrooms and the like.
	CustodyFacility string `yaml:"custody_facility,omitempty" json:"custody_facility,omitempty"`
	// Signboard says where the signboard (안내판) is posted: "본관 주 출입구".
	Signboard string `yaml:"signboard,omitempty" json:"signboard,omitempty"`
	// CameraGroups are the rows of the policy's camera table for this site.
	CameraGroups []CameraGroup `yaml:"camera_groups,omitempty" json:"camera_groups,omitempty"`
}

// Site kinds.
const (
	SiteHeadOffice    = "head_office"    // 본점, 본청, 본사
	SiteOffice        = "office"         // 소속 관서, 관내국, 출장소
	SiteBranch        = "branch"         // 지점, 지사
	SiteCentre        = "centre"         // 센터
	SiteBuilding      = "building"       // 건물, 동
	SiteControlCentre = "control_centre" // 통합관제센터
	SiteArea          = "area"           // 구역: a district's streets, parks, alleys
	SiteOther         = "other"
)

// SiteKinds lists the valid site kinds in display order.
var SiteKinds = []string{SiteHeadOffice, SiteOffice, SiteBranch, SiteCentre, SiteBuilding, SiteControlCentre, SiteArea, SiteOther}

// CameraGroup is one row of the policy's camera table: a number of cameras of one kind at one
// site, where they are and what they film. A group of Count 1 is a single camera. Every group
// has at least one purpose and exactly one retention class. A district that counts its cameras
// by category (방범용, 어린이보호구역 ...) writes one group per category with its locations.
type CameraGroup struct {
	ID string `yaml:"id" json:"id"`
	// Category, when set, is the group's category: "방범용", "쓰레기 무단투기 단속용".
	Category string `yaml:"category,omitempty" json:"category,omitempty"`
	// Area, when set, is a part of the site the policy names: "1센터", "본관".
	Area  string `yaml:"area,omitempty" json:"area,omitempty"`
	Count int    `yaml:"count" json:"count"`
	// Locations are where the cameras are installed: "청사입구", "1층 로비 천정".
	Locations []string `yaml:"locations" json:"locations"`
	// Range is the filming range as text: "1층 로비 24시간 촬영".
	Range string `yaml:"range,omitempty" json:"range,omitempty"`
	// Radius is the filming radius as text: "반경 60m ~ 120m이내".
	Radius string `yaml:"radius,omitempty" json:"radius,omitempty"`
	// Type is "fixed" (고정형) or "ptz" (회전형); empty when the policy does not say.
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	// FieldOfView lists the cameras' field-of-view angles in degrees (화각): [84.5, 45.8].
	FieldOfView []float64 `yaml:"field_of_view,omitempty" json:"field_of_view,omitempty"`
	// Purposes are IDs of the registry's purposes.
	Purposes []string `yaml:"purposes" json:"purposes"`
	// RetentionClass is the ID of the registry's retention class.
	RetentionClass string `yaml:"retention_class" json:"retention_class"`
	// Note is shown beside the row.
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
	// Cameras are the group's individual cameras that Custodian records: at most Count.
	// Their footage is kept under the group's retention class.
	Cameras []Camera `yaml:"cameras,omitempty" json:"cameras,omitempty"`
}

// Camera is one recorded camera of a camera group, with where its video comes from.
type Camera struct {
	// ID names the camera everywhere (footage, access log, console); unique among camera
	// and camera group IDs.
	ID string `yaml:"id" json:"id"`
	// Location is where it is installed (usually one of the group's locations).
	Location string `yaml:"location,omitempty" json:"location,omitempty"`
	// Enabled cameras are recorded around the clock by 'custodian serve'.
	Enabled bool    `yaml:"enabled" json:"enabled"`
	Source  *Source `yaml:"source,omitempty" json:"source,omitempty"`
}

// Source is where a camera's video comes from.
type Source struct {
	// Kind is "rtsp" (the default: recorded in process) or "ffmpeg" (any input ffmpeg
	// reads, remuxed by an ffmpeg process into fragmented MP4 over a pipe).
	Kind string `yaml:"kind,omitempty" json:"kind,omitempty"`
	// URL is the stream: rtsp://host[:port]/path for kind rtsp, without a user or
	// password in it.
	URL string `yaml:"url" json:"url"`
	// User is the account on the camera. The password is never in the registry: it is
	// read from PasswordFile at import (or given to 'custodian cameras set-source') and
	// stored encrypted under the master key.
	User string `yaml:"user,omitempty" json:"user,omitempty"`
	// PasswordFile is read at import and then forgotten (it is not saved or exported).
	PasswordFile string `yaml:"password_file,omitempty" json:"-"`
	// Transcode (ffmpeg sources only) encodes the video to H.264, for cameras that send
	// something else (MJPEG). Footage is otherwise stored exactly as the camera sends it.
	Transcode bool `yaml:"transcode,omitempty" json:"transcode,omitempty"`
	// Transport is "tcp" (RTP interleaved in the RTSP connection, the default) or "udp".
	Transport string `yaml:"transport,omitempty" json:"transport,omitempty"`
	// AllowBasicAuth lets the recorder answer a camera that asks for Basic authentication
	// over plain RTSP, which sends the password readable by anyone on the network path.
	// Off by default: such a camera is refused with an error in its status (Digest is
	// always answered).
	AllowBasicAuth bool `yaml:"allow_basic_auth,omitempty" json:"allow_basic_auth,omitempty"`
}

// Source kinds and transports.
const (
	SourceRTSP   = "rtsp"
	SourceFFmpeg = "ffmpeg"
)

// SourceKind returns the source's kind, "rtsp" when not set.
func (s *Source) SourceKind() string {
	if s == nil || s.Kind == "" {
		return SourceRTSP
	}
	return s.Kind
}

// Camera types.
const (
	CameraFixed = "fixed"
	CameraPTZ   = "ptz"
)

// Purpose is why cameras are installed, with its legal basis (설치 근거 및 목적).
type Purpose struct {
	ID    string     `yaml:"id" json:"id"`
	Name  string     `yaml:"name" json:"name"`
	Basis LegalBasis `yaml:"basis" json:"basis"`
	// Note is printed under the purpose: "※ 주차대수 30대를 초과하는 규모의 경우 ...".
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
}

// LegalBasis is the provision of law a purpose rests on.
type LegalBasis struct {
	// Kind is "pipa_25_1" (PIPA Art. 25(1), with Item 1–6), "consent" (the data subject's
	// consent, PIPA Art. 15(1)1: non-public places such as controlled areas) or "other_law"
	// (another law, with Law and Article: the parking act, the childcare act ...).
	Kind string `yaml:"kind" json:"kind"`
	// Item is the item of PIPA Art. 25(1): 1 allowed by law, 2 crime prevention and
	// investigation, 3 facility safety and fire prevention, 4 traffic enforcement,
	// 5 traffic information, 6 no footage stored (statistics).
	Item int `yaml:"item,omitempty" json:"item,omitempty"`
	// Law and Article name another law's provision: "주차장법 시행규칙", "제6조제1항".
	Law     string `yaml:"law,omitempty" json:"law,omitempty"`
	Article string `yaml:"article,omitempty" json:"article,omitempty"`
}

// Legal basis kinds.
const (
	BasisPIPA25   = "pipa_25_1"
	BasisConsent  = "consent"
	BasisOtherLaw = "other_law"
)

// PIPA25Items names the six items of PIPA Art. 25(1).
var PIPA25Items = map[int][2]string{
	1: {"법령에서 구체적으로 허용하고 있는 경우", "specifically allowed by law"},
	2: {"범죄의 예방 및 수사를 위하여 필요한 경우", "crime prevention and investigation"},
	3: {"시설의 안전 및 관리, 화재 예방을 위하여 정당한 권한을 가진 자가 설치·운영하는 경우", "facility safety and management, fire prevention"},
	4: {"교통단속을 위하여 정당한 권한을 가진 자가 설치·운영하는 경우", "traffic enforcement"},
	5: {"교통정보의 수집·분석 및 제공을 위하여 정당한 권한을 가진 자가 설치·운영하는 경우", "traffic information"},
	6: {"촬영된 영상정보를 저장하지 아니하는 경우로서 대통령령으로 정하는 경우", "no footage stored (statistics)"},
}

// RetentionClass is how long footage of the cameras in it is kept and how: filming hours,
// the retention period, the storage place and the processing method (촬영시간, 보관기간,
// 보관장소 및 처리방법). Footage is destroyed when its period ends. A period over 30 days
// needs a stated reason (LEGAL.md: where no period can be justified, at most 30 days).
type RetentionClass struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// FilmingHours as the policy states them: "24시간", "09:00~18:00".
	FilmingHours string `yaml:"filming_hours" json:"filming_hours"`
	// RetentionDays or RetentionMonths (exactly one) is the retention period, counted from
	// the day of filming.
	RetentionDays   int `yaml:"retention_days,omitempty" json:"retention_days,omitempty"`
	RetentionMonths int `yaml:"retention_months,omitempty" json:"retention_months,omitempty"`
	// RetentionLabel, when set, is how the policy words the period ("촬영일로부터 30일"); it
	// must contain the number of the period.
	RetentionLabel string `yaml:"retention_label,omitempty" json:"retention_label,omitempty"`
	// RetentionReason justifies a period over 30 days.
	RetentionReason string `yaml:"retention_reason,omitempty" json:"retention_reason,omitempty"`
	// StoragePlace: "현업실, 당직실", "전산실".
	StoragePlace string `yaml:"storage_place" json:"storage_place"`
	// ProcessingMethod, when set, is this class's own processing method; the policy-wide one
	// is PolicyText.ProcessingMethod.
	ProcessingMethod string `yaml:"processing_method,omitempty" json:"processing_method,omitempty"`
}

// Person is someone the policy names: the responsible manager and the people with access, as
// primary (정) or deputy (부), in a department with a title and a contact. A policy may name a
// post without a person ("경영관리부장"): then Name is empty and Title says the post.
type Person struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	Role string `yaml:"role" json:"role"`
	// Rank is "primary" (정) or "deputy" (부); empty when the policy does not say.
	Rank       string `yaml:"rank,omitempty" json:"rank,omitempty"`
	Department string `yaml:"department,omitempty" json:"department,omitempty"`
	Title      string `yaml:"title,omitempty" json:"title,omitempty"`
	Phone      string `yaml:"phone,omitempty" json:"phone,omitempty"`
	Email      string `yaml:"email,omitempty" json:"email,omitempty"`
	// Sites are the IDs of the sites this person is responsible for or has access to; empty
	// means the whole organisation (총괄).
	Sites []string `yaml:"sites,omitempty" json:"sites,omitempty"`
	// Label, when set, replaces the sites' names in the policy's people table: "천안1·2센터".
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
}

// Roles of people. The legal names are in RoleNames.
const (
	RoleChief             = "chief"              // 총괄책임자
	RoleManager           = "manager"            // 관리책임자
	RoleOperationsLead    = "operations_lead"    // 운영책임자
	RoleAccessHolder      = "access_holder"      // 접근권한자
	RoleProtectionOfficer = "protection_officer" // (개인영상정보) 보호책임자
	RoleProtectionStaff   = "protection_staff"   // 보호담당자
	RoleOperator          = "operator"           // 운영자 (관제요원)
)

// RoleNames maps each role to its Korean and English name, in display order.
var RoleNames = []struct{ Role, Ko, En string }{
	{RoleChief, "총괄책임자", "chief officer"},
	{RoleManager, "관리책임자", "responsible manager"},
	{RoleProtectionOfficer, "보호책임자", "protection officer"},
	{RoleProtectionStaff, "보호담당자", "protection staff"},
	{RoleOperationsLead, "운영책임자", "operations lead"},
	{RoleAccessHolder, "접근권한자", "access holder"},
	{RoleOperator, "운영자", "operator"},
}

// RoleName returns the Korean name of role, or role itself if unknown.
func RoleName(role string) string {
	for _, r := range RoleNames {
		if r.Role == role {
			return r.Ko
		}
	}
	return role
}

// Ranks.
const (
	RankPrimary = "primary" // 정
	RankDeputy  = "deputy"  // 부
)

// Checking is how and where data subjects can check footage of themselves (개인영상정보의 확인
// 방법 및 장소).
type Checking struct {
	// Method: "영상정보 관리책임자에게 미리 연락하고 본 기관을 방문하시면 확인 가능합니다."
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// Place, when the same for every site: "각 우체국 별 현업실".
	Place string `yaml:"place,omitempty" json:"place,omitempty"`
	// Places lists the checking places one by one (a centre's address, a police station).
	Places []CheckPlace `yaml:"places,omitempty" json:"places,omitempty"`
}

// CheckPlace is one place where data subjects check footage.
type CheckPlace struct {
	// Site, when set, is the ID of the site this place belongs to.
	Site    string `yaml:"site,omitempty" json:"site,omitempty"`
	Name    string `yaml:"name" json:"name"`
	Address string `yaml:"address,omitempty" json:"address,omitempty"`
	Phone   string `yaml:"phone,omitempty" json:"phone,omitempty"`
	Note    string `yaml:"note,omitempty" json:"note,omitempty"`
}

// RequestRules are the organisation's rules for data-subject requests to view, confirm the
// existence of, or delete footage (열람·존재확인·삭제 요구), beyond what the law says.
type RequestRules struct {
	// DeadlineDays is the answer deadline; the law's 10 days when zero.
	DeadlineDays int `yaml:"deadline_days,omitempty" json:"deadline_days,omitempty"`
	// NoSelectiveDeletion states that footage showing others cannot be deleted selectively.
	NoSelectiveDeletion bool `yaml:"no_selective_deletion,omitempty" json:"no_selective_deletion,omitempty"`
	// Via, when requests go through another body: "관할 경찰서".
	Via string `yaml:"via,omitempty" json:"via,omitempty"`
	// Fee: what the requester pays ("실비").
	Fee string `yaml:"fee,omitempty" json:"fee,omitempty"`
	// Form is the ID of the request form (별지 제2호), if the organisation lists its forms.
	Form string `yaml:"form,omitempty" json:"form,omitempty"`
	// Notes are extra sentences printed in the section.
	Notes []string `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// SafetyMeasures are the technical, managerial and physical measures (안전성 확보조치) the
// organisation states beyond those Custodian itself guarantees (encryption at rest, tamper-
// evident records of creation and of every viewing, access limited by role).
type SafetyMeasures struct {
	Technical  []string `yaml:"technical,omitempty" json:"technical,omitempty"`
	Managerial []string `yaml:"managerial,omitempty" json:"managerial,omitempty"`
	Physical   []string `yaml:"physical,omitempty" json:"physical,omitempty"`
}

// Contractor is a company the operation of the cameras is outsourced to (수탁자, PIPA Art.
// 25(8)); it appears on the signboards of the sites it serves.
type Contractor struct {
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Contact string `yaml:"contact" json:"contact"`
	// Work is what is outsourced: "영상정보처리기기 유지보수".
	Work string `yaml:"work" json:"work"`
	// Sites are the IDs of the sites it serves; empty means every site.
	Sites []string `yaml:"sites,omitempty" json:"sites,omitempty"`
}

// Agreement is an agreement (협약) with an outside agency — the police, an education office —
// that lets it monitor cameras in real time or use footage as evidence.
type Agreement struct {
	ID         string `yaml:"id" json:"id"`
	Agency     string `yaml:"agency" json:"agency"`
	Department string `yaml:"department,omitempty" json:"department,omitempty"`
	Contact    string `yaml:"contact,omitempty" json:"contact,omitempty"`
	// Covers says whom or what the agreement covers: "관내 초·중·고 통학로".
	Covers string `yaml:"covers" json:"covers"`
	// CameraGroups are the IDs of the camera groups it covers; empty means as Covers says.
	CameraGroups []string `yaml:"camera_groups,omitempty" json:"camera_groups,omitempty"`
	// Allows lists what the agency may do: "realtime_monitoring", "evidence", "provision".
	Allows []string `yaml:"allows" json:"allows"`
	// Basis is the legal basis of the agreement.
	Basis string `yaml:"basis,omitempty" json:"basis,omitempty"`
	Start Date   `yaml:"start,omitempty" json:"start,omitzero"`
	End   Date   `yaml:"end,omitempty" json:"end,omitzero"`
}

// What an agreement allows.
const (
	AllowRealtime  = "realtime_monitoring" // 실시간 모니터링
	AllowEvidence  = "evidence"            // 증거자료 활용
	AllowProvision = "provision"           // 영상정보 제공
)

// AllowNames maps what an agreement allows to Korean and English.
var AllowNames = map[string][2]string{
	AllowRealtime:  {"실시간 모니터링", "real-time monitoring"},
	AllowEvidence:  {"증거자료 활용", "use as evidence"},
	AllowProvision: {"영상정보 제공", "provision of footage"},
}

// ControlledArea is a non-public place (통제구역) where cameras film only people who consent,
// recorded on an entry register (통제구역 출입자 기록부).
type ControlledArea struct {
	ID   string `yaml:"id" json:"id"`
	Site string `yaml:"site" json:"site"`
	Name string `yaml:"name" json:"name"`
	// Consent says how entrants consent: "출입자 기록부에 서명".
	Consent string `yaml:"consent" json:"consent"`
	// Register is the ID of the form used as the entry register.
	Register string `yaml:"register,omitempty" json:"register,omitempty"`
	// CameraGroups are the IDs of the groups filming the area.
	CameraGroups []string `yaml:"camera_groups,omitempty" json:"camera_groups,omitempty"`
}

// Form is a form the organisation uses: "별지 제1호 개인영상정보 관리대장".
type Form struct {
	ID     string `yaml:"id" json:"id"`
	Number string `yaml:"number" json:"number"`
	Title  string `yaml:"title" json:"title"`
	// URL, when the form can be downloaded.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
}

// PolicyText holds the policy's own wording and the history from before Custodian.
type PolicyText struct {
	// Title, default "영상정보처리기기 운영·관리 방침".
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	// Introduction, the opening paragraph; a standard one is written when empty.
	Introduction string `yaml:"introduction,omitempty" json:"introduction,omitempty"`
	// NoticePeriodDays is the least number of days between announcing a version and its
	// taking effect; 7 when zero.
	NoticePeriodDays int `yaml:"notice_period_days,omitempty" json:"notice_period_days,omitempty"`
	// CameraTable is how the policy's camera table is laid out: "group" (default), one row
	// per camera group with subtotals per site, or "site", one row per site summing its
	// groups, as a policy that does not show which cameras belong to which retention class.
	CameraTable string `yaml:"camera_table,omitempty" json:"camera_table,omitempty"`
	// ProcessingMethod is the policy-wide processing method (처리방법).
	ProcessingMethod string `yaml:"processing_method,omitempty" json:"processing_method,omitempty"`
	// Signboards says where signboards are posted, for item 8: "본회 각 건물 주 출입구".
	Signboards string `yaml:"signboards,omitempty" json:"signboards,omitempty"`
	// Sections are the organisation's own sections, printed after the required items.
	Sections []Section `yaml:"sections,omitempty" json:"sections,omitempty"`
	// History lists the versions published before Custodian, oldest first.
	History []HistoryEntry `yaml:"history,omitempty" json:"history,omitempty"`
}

// Camera table layouts.
const (
	CameraTableGroup = "group"
	CameraTableSite  = "site"
)

// Section is a titled piece of text. Paragraphs are separated by blank lines; a line starting
// with "- " is a list item.
type Section struct {
	Title string `yaml:"title" json:"title"`
	Body  string `yaml:"body" json:"body"`
}

// HistoryEntry is one earlier version of the policy: when it was announced and took effect.
type HistoryEntry struct {
	Announced Date   `yaml:"announced,omitempty" json:"announced,omitzero"`
	Effective Date   `yaml:"effective" json:"effective"`
	Summary   string `yaml:"summary,omitempty" json:"summary,omitempty"`
	URL       string `yaml:"url,omitempty" json:"url,omitempty"`
}

// DefaultNoticePeriodDays is the notice period when the organisation states none.
const DefaultNoticePeriodDays = 7

// NoticePeriod returns the policy's notice period in days.
func (r *Registry) NoticePeriod() int {
	if r.Policy.NoticePeriodDays > 0 {
		return r.Policy.NoticePeriodDays
	}
	return DefaultNoticePeriodDays
}

// RegistryMeta describes one stored revision of the registry.
type RegistryMeta struct {
	Revision int64  `json:"revision"`
	Source   string `json:"source"` // the imported file, or "console"
	SHA256   string `json:"sha256"` // of the canonical JSON
	SavedAt  string `json:"saved_at"`
	// Unchanged is set when a save found the registry identical to the current one.
	Unchanged bool `json:"unchanged,omitempty"`
}

// SiteSummary is a site as `custodian sites list` shows it.
type SiteSummary struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Kind            string `json:"kind"`
	Parent          string `json:"parent,omitempty"`
	Address         string `json:"address,omitempty"`
	StatedTotal     int    `json:"stated_total,omitempty"`
	NoCamerasReason string `json:"no_cameras_reason,omitempty"`
	// Cameras counts the site's own camera groups; CamerasTotal adds the sites below it.
	Cameras      int `json:"cameras"`
	CamerasTotal int `json:"cameras_total"`
}

// CameraGroupSummary is a camera group as `custodian cameras list` shows it.
type CameraGroupSummary struct {
	ID             string   `json:"id"`
	Site           string   `json:"site"`
	SiteName       string   `json:"site_name"`
	Category       string   `json:"category,omitempty"`
	Area           string   `json:"area,omitempty"`
	Count          int      `json:"count"`
	Locations      []string `json:"locations"`
	Range          string   `json:"range,omitempty"`
	Radius         string   `json:"radius,omitempty"`
	Type           string   `json:"type,omitempty"`
	Purposes       []string `json:"purposes"`
	RetentionClass string   `json:"retention_class"`
	// Cameras are the group's recorded cameras (filled in by the CLI from the registry).
	Cameras []CameraSummary `json:"cameras,omitempty"`
}

// CameraSummary is one recorded camera as lists show it: never its credentials.
type CameraSummary struct {
	ID       string `json:"id"`
	Location string `json:"location,omitempty"`
	Enabled  bool   `json:"enabled"`
	Kind     string `json:"kind,omitempty"`
	URL      string `json:"url,omitempty"`
}

// RegistryService stores the registry. Every save replaces the whole registry atomically
// and keeps the earlier revisions.
type RegistryService interface {
	// SaveRegistry validates r and stores it as the current registry. It returns a
	// *ValidationError and changes nothing if r is invalid. Saving a registry identical to
	// the current one stores nothing and returns the current revision with Unchanged set.
	SaveRegistry(ctx context.Context, r *Registry, source string) (RegistryMeta, error)
	// SaveRegistryOver is SaveRegistry only if the current revision is still base (0: no
	// registry yet): ECONFLICT, changing nothing, when another save came between the
	// caller's reading and its saving (what it checked the new registry against is gone).
	SaveRegistryOver(ctx context.Context, r *Registry, source string, base int64) (RegistryMeta, error)
	// Registry returns the current registry; ENOTFOUND when none was imported.
	Registry(ctx context.Context) (*Registry, RegistryMeta, error)
	// RegistryMeta returns the current registry's revision without reading the registry
	// (ENOTFOUND when none was imported), for a reader that keeps the registry it read.
	RegistryMeta(ctx context.Context) (RegistryMeta, error)
	// ListSites lists the current registry's sites in registry order.
	ListSites(ctx context.Context) ([]SiteSummary, error)
	// ListCameraGroups lists the camera groups, of one site and the sites below it when
	// siteID is set (ENOTFOUND if no such site), in registry order.
	ListCameraGroups(ctx context.Context, siteID string) ([]CameraGroupSummary, error)
}
