package custodian_test

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"custodian"
)

// validRegistry returns a small registry that passes Validate: a head office with an annex
// below it, a store room without cameras, and a car park whose footage is kept six months.
//
//	hq (3 cameras) ── annex (2 cameras)
//	store (none, says why)
//	parking (1 camera, 6-month class)
func validRegistry() *custodian.Registry {
	return &custodian.Registry{
		Organisation: custodian.Organisation{
			ID: "test-org", Name: "시험기관", Sector: custodian.SectorPublic,
			Homepage: "https://test-org.example/cctv", StatedTotal: 6,
		},
		Sites: []custodian.Site{
			{ID: "hq", Name: "본청", Kind: custodian.SiteHeadOffice, StatedTotal: 5, CameraGroups: []custodian.CameraGroup{
				{ID: "hq-lobby", Count: 3, Locations: []string{"1층 로비", "정문"}, Range: "로비와 정문 앞", Type: custodian.CameraFixed,
					FieldOfView: []float64{84.5}, Purposes: []string{"facility", "crime"}, RetentionClass: "standard"},
			}},
			{ID: "annex", Name: "별관", Kind: custodian.SiteBuilding, Parent: "hq", CameraGroups: []custodian.CameraGroup{
				{ID: "annex-door", Count: 2, Locations: []string{"별관 출입구"}, Purposes: []string{"facility"}, RetentionClass: "standard"},
			}},
			{ID: "store", Name: "창고", Kind: custodian.SiteOther, NoCamerasReason: "영상정보처리기기 미설치"},
			{ID: "parking", Name: "주차장", Kind: custodian.SiteArea, CameraGroups: []custodian.CameraGroup{
				{ID: "parking-gate", Count: 1, Locations: []string{"주차장 입구"}, Type: custodian.CameraPTZ, Purposes: []string{"vehicle"}, RetentionClass: "long"},
			}},
		},
		Purposes: []custodian.Purpose{
			{ID: "facility", Name: "시설 안전 및 화재 예방", Basis: custodian.LegalBasis{Kind: custodian.BasisPIPA25, Item: 3}},
			{ID: "crime", Name: "범죄 예방", Basis: custodian.LegalBasis{Kind: custodian.BasisPIPA25, Item: 2}},
			{ID: "vehicle", Name: "차량 도난 방지", Basis: custodian.LegalBasis{Kind: custodian.BasisOtherLaw, Law: "주차장법 시행규칙", Article: "제6조제1항"}},
		},
		RetentionClasses: []custodian.RetentionClass{
			{ID: "standard", Name: "일반", FilmingHours: "24시간", RetentionDays: 30, StoragePlace: "전산실"},
			{ID: "long", Name: "주차장", FilmingHours: "24시간", RetentionMonths: 6, RetentionReason: "차량 사고 분쟁 확인", StoragePlace: "전산실"},
		},
		People: []custodian.Person{
			{ID: "manager", Name: "홍길동", Role: custodian.RoleManager, Rank: custodian.RankPrimary, Title: "총무과장"},
			{ID: "hq-holder", Name: "김철수", Role: custodian.RoleAccessHolder, Sites: []string{"hq"}},
			{ID: "parking-holder", Title: "주차관리원", Role: custodian.RoleAccessHolder, Sites: []string{"parking"}},
		},
		Requests: custodian.RequestRules{DeadlineDays: 10, Form: "request"},
		Agreements: []custodian.Agreement{
			{ID: "police", Agency: "예시경찰서", Covers: "본청 로비", CameraGroups: []string{"hq-lobby"},
				Allows: []string{custodian.AllowRealtime, custodian.AllowEvidence},
				Start:  custodian.Date{Year: 2024, Month: 3, Day: 1}, End: custodian.Date{Year: 2027, Month: 2, Day: 28}},
		},
		Forms: []custodian.Form{{ID: "request", Number: "별지 제2호", Title: "개인영상정보 열람·존재확인 청구서"}},
		Policy: custodian.PolicyText{History: []custodian.HistoryEntry{
			{Announced: custodian.Date{Year: 2020, Month: 1, Day: 2}, Effective: custodian.Date{Year: 2020, Month: 1, Day: 10}},
			{Announced: custodian.Date{Year: 2023, Month: 5, Day: 1}, Effective: custodian.Date{Year: 2023, Month: 5, Day: 8}},
		}},
	}
}

func TestValidRegistry(t *testing.T) {
	if err := validRegistry().Validate(); err != nil {
		t.Fatalf("the base registry is invalid: %v", err)
	}
}

func problems(t *testing.T, err error) []custodian.Problem {
	t.Helper()
	if err == nil {
		t.Fatal("Validate returned nil, want problems")
	}
	var ve *custodian.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate returned %T (%v), want *custodian.ValidationError", err, err)
	}
	if custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", custodian.ErrorCode(err), custodian.EINVALID)
	}
	return ve.Problems
}

// TestValidateControlCentreNeedsNoCameras: a control centre runs other sites' cameras.
func TestValidateControlCentreNeedsNoCameras(t *testing.T) {
	r := validRegistry()
	r.Sites = append(r.Sites, custodian.Site{ID: "ops", Name: "통합관제센터", Kind: custodian.SiteControlCentre})
	r.Organisation.ControlCentre = "ops"
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	// A controlled area may be filmed by the cameras of a building below its site.
	r.ControlledAreas = []custodian.ControlledArea{{ID: "server", Site: "hq", Name: "전산실", Consent: "기록부 서명", CameraGroups: []string{"annex-door"}}}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(r *custodian.Registry)
		// paths are the paths of every problem expected, the first being the one the case
		// is about; ko and en are fragments its messages must contain (the key value).
		paths  []string
		ko, en []string
	}{
		// Recorded cameras (issue 4).
		{
			name: "more cameras than the count",
			mutate: func(r *custodian.Registry) {
				g := &r.Sites[0].CameraGroups[0]
				for i := 0; i <= g.Count; i++ {
					g.Cameras = append(g.Cameras, custodian.Camera{ID: fmt.Sprintf("c%d", i)})
				}
			},
			paths: []string{"sites[0].camera_groups[0].cameras"},
			ko:    []string{"설치 대수"},
			en:    []string{"the count is"},
		},
		{
			name: "camera ID of a group",
			mutate: func(r *custodian.Registry) {
				r.Sites[0].CameraGroups[0].Cameras = []custodian.Camera{{ID: r.Sites[0].CameraGroups[0].ID}}
			},
			paths: []string{"sites[0].camera_groups[0].cameras[0].id"},
			en:    []string{"duplicate ID"},
		},
		{
			name: "enabled without a source",
			mutate: func(r *custodian.Registry) {
				r.Sites[0].CameraGroups[0].Cameras = []custodian.Camera{{ID: "c1", Enabled: true}}
			},
			paths: []string{"sites[0].camera_groups[0].cameras[0].source"},
			en:    []string{"needs a source"},
		},
		{
			name: "password in the URL",
			mutate: func(r *custodian.Registry) {
				r.Sites[0].CameraGroups[0].Cameras = []custodian.Camera{{ID: "c1", Source: &custodian.Source{URL: "rtsp://admin:12345@10.0.0.1/"}}}
			},
			paths: []string{"sites[0].camera_groups[0].cameras[0].source.url"},
			ko:    []string{"비밀번호"},
			en:    []string{"password"},
		},
		{
			name: "not an rtsp URL",
			mutate: func(r *custodian.Registry) {
				r.Sites[0].CameraGroups[0].Cameras = []custodian.Camera{{ID: "c1", Source: &custodian.Source{URL: "http://10.0.0.1/mjpeg"}}}
			},
			paths: []string{"sites[0].camera_groups[0].cameras[0].source.url"},
			en:    []string{"rtsp://"},
		},
		{
			name: "unknown source kind and transport",
			mutate: func(r *custodian.Registry) {
				r.Sites[0].CameraGroups[0].Cameras = []custodian.Camera{{ID: "c1", Source: &custodian.Source{Kind: "vlc", URL: "rtsp://h/", Transport: "sctp"}}}
			},
			paths: []string{"sites[0].camera_groups[0].cameras[0].source.kind", "sites[0].camera_groups[0].cameras[0].source.transport"},
			en:    []string{"vlc"},
		},
		{
			name: "transcode on an rtsp source",
			mutate: func(r *custodian.Registry) {
				r.Sites[0].CameraGroups[0].Cameras = []custodian.Camera{{ID: "c1", Source: &custodian.Source{URL: "rtsp://h/", Transcode: true}}}
			},
			paths: []string{"sites[0].camera_groups[0].cameras[0].source.transcode"},
			en:    []string{"ffmpeg sources only"},
		},
		// PIPA Art. 25(2): no camera may see inside a bathroom, toilet, sauna or changing room.
		{
			name:   "toilet location",
			mutate: func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Locations[1] = "2층 남자화장실" },
			paths:  []string{"sites[0].camera_groups[0].locations[1]"},
			ko:     []string{"2층 남자화장실", "화장실", "제25조 제2항"},
			en:     []string{"2층 남자화장실", "toilet", "Art. 25(2)"},
		},
		{
			name:   "changing room location",
			mutate: func(r *custodian.Registry) { r.Sites[1].CameraGroups[0].Locations[0] = "탈의실" },
			paths:  []string{"sites[1].camera_groups[0].locations[0]"},
			ko:     []string{"탈의실"},
			en:     []string{"탈의실", "changing room"},
		},
		{
			name:   "sauna in English, any case",
			mutate: func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Locations[0] = "Sauna" },
			paths:  []string{"sites[0].camera_groups[0].locations[0]"},
			ko:     []string{"Sauna", "사우나"},
			en:     []string{"Sauna", "sauna"},
		},
		{
			name:   "shower room in the range text",
			mutate: func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Range = "로비 및 샤워실 입구 안쪽" },
			paths:  []string{"sites[0].camera_groups[0].range"},
			ko:     []string{"로비 및 샤워실 입구 안쪽", "샤워실"},
			en:     []string{"로비 및 샤워실 입구 안쪽", "shower room"},
		},
		{
			name:   "toilet in the category",
			mutate: func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Category = "화장실 방범" },
			paths:  []string{"sites[0].camera_groups[0].category"},
			ko:     []string{"화장실 방범"},
			en:     []string{"화장실 방범", "toilet"},
		},
		// Retention over 30 days needs a reason.
		{
			name:   "31 days without reason",
			mutate: func(r *custodian.Registry) { r.RetentionClasses[0].RetentionDays = 31 },
			paths:  []string{"retention_classes[0].retention_reason"},
			ko:     []string{"31일", "30일"},
			en:     []string{"31", "30 days"},
		},
		{
			name: "one month without reason",
			mutate: func(r *custodian.Registry) {
				r.RetentionClasses[0].RetentionDays, r.RetentionClasses[0].RetentionMonths = 0, 1
			},
			paths: []string{"retention_classes[0].retention_reason"},
			ko:    []string{"1개월", "30일"},
			en:    []string{"1", "30 days"},
		},
		{
			name:   "six months without reason",
			mutate: func(r *custodian.Registry) { r.RetentionClasses[1].RetentionReason = "  " },
			paths:  []string{"retention_classes[1].retention_reason"},
			ko:     []string{"6개월", "30일"},
			en:     []string{"6", "30 days"},
		},
		{
			name:   "days and months both",
			mutate: func(r *custodian.Registry) { r.RetentionClasses[0].RetentionMonths = 1 },
			paths:  []string{"retention_classes[0].retention_months"},
			ko:     []string{"retention_days", "retention_months"},
			en:     []string{"retention_days", "retention_months"},
		},
		{
			name:   "no retention period",
			mutate: func(r *custodian.Registry) { r.RetentionClasses[0].RetentionDays = 0 },
			paths:  []string{"retention_classes[0].retention_days"},
			ko:     []string{"보관기간"},
			en:     []string{"retention period"},
		},
		{
			name:   "label without the period's number",
			mutate: func(r *custodian.Registry) { r.RetentionClasses[0].RetentionLabel = "촬영일로부터 한 달" },
			paths:  []string{"retention_classes[0].retention_label"},
			ko:     []string{"촬영일로부터 한 달", "30"},
			en:     []string{"촬영일로부터 한 달", "30"},
		},
		{
			name:   "label with a different number",
			mutate: func(r *custodian.Registry) { r.RetentionClasses[0].RetentionLabel = "촬영일로부터 300일" },
			paths:  []string{"retention_classes[0].retention_label"},
			ko:     []string{"300일", "30일"},
			en:     []string{"300", "30 days"},
		},
		{
			name:   "label with the wrong unit",
			mutate: func(r *custodian.Registry) { r.RetentionClasses[0].RetentionLabel = "30개월" },
			paths:  []string{"retention_classes[0].retention_label"},
			ko:     []string{"30개월", "30일"},
			en:     []string{"30개월", "30 days"},
		},
		// Every camera group has purposes and a retention class that exist.
		{
			name:   "group without purposes",
			mutate: func(r *custodian.Registry) { r.Sites[1].CameraGroups[0].Purposes = nil },
			paths:  []string{"sites[1].camera_groups[0].purposes"},
			ko:     []string{"설치 목적"},
			en:     []string{"purpose"},
		},
		{
			name:   "unknown purpose",
			mutate: func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Purposes[1] = "nosuch" },
			paths:  []string{"sites[0].camera_groups[0].purposes[1]"},
			ko:     []string{"nosuch", "facility"},
			en:     []string{"nosuch", "purpose", "facility"},
		},
		{
			name:   "purpose listed twice",
			mutate: func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Purposes[1] = "facility" },
			paths:  []string{"sites[0].camera_groups[0].purposes[1]"},
			ko:     []string{"facility"},
			en:     []string{"facility", "twice"},
		},
		{
			name:   "missing retention class",
			mutate: func(r *custodian.Registry) { r.Sites[3].CameraGroups[0].RetentionClass = "" },
			paths:  []string{"sites[3].camera_groups[0].retention_class"},
			ko:     []string{"보관 등급"},
			en:     []string{"retention class"},
		},
		{
			name:   "dangling retention class",
			mutate: func(r *custodian.Registry) { r.Sites[3].CameraGroups[0].RetentionClass = "gone" },
			paths:  []string{"sites[3].camera_groups[0].retention_class"},
			ko:     []string{"gone", "보관 등급"},
			en:     []string{"gone", "retention class"},
		},
		{
			name:   "count zero",
			mutate: func(r *custodian.Registry) { r.Sites[3].CameraGroups[0].Count = 0; r.Organisation.StatedTotal = 5 },
			// the car park now has no cameras and says nothing about it
			paths: []string{"sites[3].camera_groups[0].count", "sites[3].no_cameras_reason"},
			ko:    []string{"0"},
			en:    []string{"0", "at least 1"},
		},
		{
			name:   "field of view out of range",
			mutate: func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].FieldOfView = []float64{84.5, 400} },
			paths:  []string{"sites[0].camera_groups[0].field_of_view[1]"},
			ko:     []string{"400"},
			en:     []string{"400"},
		},
		{
			name:   "unknown camera type",
			mutate: func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Type = "dome" },
			paths:  []string{"sites[0].camera_groups[0].type"},
			ko:     []string{"dome", "fixed, ptz"},
			en:     []string{"dome", "fixed, ptz"},
		},
		// IDs: unique, well formed.
		{
			name: "duplicate site ID",
			mutate: func(r *custodian.Registry) {
				r.Sites[2].ID = "hq"
			},
			paths: []string{"sites[2].id"},
			ko:    []string{"hq", "sites[0].id"},
			en:    []string{"hq", "sites[0].id"},
		},
		{
			name:   "duplicate group ID across two sites",
			mutate: func(r *custodian.Registry) { r.Sites[1].CameraGroups[0].ID = "hq-lobby" },
			paths:  []string{"sites[1].camera_groups[0].id"},
			ko:     []string{"hq-lobby", "sites[0].camera_groups[0].id"},
			en:     []string{"hq-lobby", "sites[0].camera_groups[0].id"},
		},
		{
			name: "duplicate purpose ID",
			mutate: func(r *custodian.Registry) {
				r.Purposes = append(r.Purposes, custodian.Purpose{ID: "crime", Name: "또 범죄 예방", Basis: custodian.LegalBasis{Kind: custodian.BasisPIPA25, Item: 2}})
			},
			paths: []string{"purposes[3].id"},
			ko:    []string{"crime", "purposes[1].id"},
			en:    []string{"crime", "purposes[1].id"},
		},
		{
			name:   "duplicate person ID",
			mutate: func(r *custodian.Registry) { r.People[2].ID = "manager" },
			paths:  []string{"people[2].id"},
			ko:     []string{"manager", "people[0].id"},
			en:     []string{"manager", "people[0].id"},
		},
		{
			name:   "bad ID format",
			mutate: func(r *custodian.Registry) { r.Sites[2].ID = "Store Room" },
			paths:  []string{"sites[2].id"},
			ko:     []string{"Store Room"},
			en:     []string{"Store Room", "lower-case"},
		},
		{
			name:   "empty ID",
			mutate: func(r *custodian.Registry) { r.Forms[0].ID = ""; r.Requests.Form = "" },
			paths:  []string{"forms[0].id"},
			ko:     []string{"ID"},
			en:     []string{"ID", "empty"},
		},
		// Stated totals.
		{
			name:   "organisation's stated total",
			mutate: func(r *custodian.Registry) { r.Organisation.StatedTotal = 7 },
			paths:  []string{"organisation.stated_total"},
			ko:     []string{"7대", "6대"},
			en:     []string{"7", "6"},
		},
		{
			name:   "site's stated total counts the sites below it",
			mutate: func(r *custodian.Registry) { r.Sites[0].StatedTotal = 3 }, // its own 3, but 5 with the annex
			paths:  []string{"sites[0].stated_total"},
			ko:     []string{"3대", "5대"},
			en:     []string{"3", "5"},
		},
		{
			name:   "leaf site's stated total",
			mutate: func(r *custodian.Registry) { r.Sites[1].StatedTotal = 4 },
			paths:  []string{"sites[1].stated_total"},
			ko:     []string{"4대", "2대"},
			en:     []string{"4", "2"},
		},
		{
			name:   "negative stated total",
			mutate: func(r *custodian.Registry) { r.Sites[1].StatedTotal = -1 },
			paths:  []string{"sites[1].stated_total"},
			ko:     []string{"음수"},
			en:     []string{"negative"},
		},
		// Sites without cameras say why; sites with cameras do not.
		{
			name:   "site without cameras and without a reason",
			mutate: func(r *custodian.Registry) { r.Sites[2].NoCamerasReason = "" },
			paths:  []string{"sites[2].no_cameras_reason"},
			ko:     []string{"사유", "미설치"},
			en:     []string{"no cameras", "why"},
		},
		{
			name:   "reason given by a site with cameras",
			mutate: func(r *custodian.Registry) { r.Sites[0].NoCamerasReason = "영상정보처리기기 미설치" },
			paths:  []string{"sites[0].no_cameras_reason"},
			ko:     []string{"5대"},
			en:     []string{"5 cameras"},
		},
		{
			name: "a parent's cameras need no reason, a child's absence does",
			mutate: func(r *custodian.Registry) {
				r.Sites[2].Parent, r.Sites[2].NoCamerasReason = "annex", ""
			},
			paths: []string{"sites[2].no_cameras_reason"},
			ko:    []string{"미설치"},
			en:    []string{"no cameras"},
		},
		// Site tree.
		{
			name:   "parent cycle",
			mutate: func(r *custodian.Registry) { r.Sites[0].Parent = "annex" },
			paths:  []string{"sites[0].parent", "sites[1].parent"},
			ko:     []string{"순환", "annex"},
			en:     []string{"cycle", "annex"},
		},
		{
			name:   "self parent",
			mutate: func(r *custodian.Registry) { r.Sites[2].Parent = "store" },
			paths:  []string{"sites[2].parent"},
			ko:     []string{"자기 자신"},
			en:     []string{"own parent"},
		},
		{
			name:   "unknown parent",
			mutate: func(r *custodian.Registry) { r.Sites[2].Parent = "campus" },
			paths:  []string{"sites[2].parent"},
			ko:     []string{"campus", "hq, annex, store, parking"},
			en:     []string{"campus", "site"},
		},
		{
			name:   "unknown site kind",
			mutate: func(r *custodian.Registry) { r.Sites[2].Kind = "warehouse" },
			paths:  []string{"sites[2].kind"},
			ko:     []string{"warehouse", "head_office"},
			en:     []string{"warehouse", "control_centre"},
		},
		{
			name:   "unknown control centre",
			mutate: func(r *custodian.Registry) { r.Organisation.ControlCentre = "centre" },
			paths:  []string{"organisation.control_centre"},
			ko:     []string{"centre"},
			en:     []string{"centre", "site"},
		},
		{
			name:   "control centre that is not one",
			mutate: func(r *custodian.Registry) { r.Organisation.ControlCentre = "store" },
			paths:  []string{"organisation.control_centre"},
			ko:     []string{"store", "control_centre"},
			en:     []string{"store", "control_centre"},
		},
		{
			name: "controlled area filmed by another site's cameras",
			mutate: func(r *custodian.Registry) {
				r.ControlledAreas = []custodian.ControlledArea{{ID: "server", Site: "annex", Name: "전산실", Consent: "기록부 서명", CameraGroups: []string{"parking-gate"}}}
			},
			paths: []string{"controlled_areas[0].camera_groups[0]"},
			ko:    []string{"parking-gate", "annex"},
			en:    []string{"parking-gate", "annex", "parking"},
		},
		// Requests are answered within 10 days.
		{
			name:   "deadline 11 days",
			mutate: func(r *custodian.Registry) { r.Requests.DeadlineDays = 11 },
			paths:  []string{"requests.deadline_days"},
			ko:     []string{"11", "10일", "제42조"},
			en:     []string{"11", "10 days", "Art. 42"},
		},
		{
			name:   "request form that does not exist",
			mutate: func(r *custodian.Registry) { r.Requests.Form = "form2" },
			paths:  []string{"requests.form"},
			ko:     []string{"form2", "서식"},
			en:     []string{"form2", "form"},
		},
		// A responsible manager is named.
		{
			name:   "no responsible manager",
			mutate: func(r *custodian.Registry) { r.People[0].Role = custodian.RoleAccessHolder },
			paths:  []string{"people"},
			ko:     []string{"관리책임자", "manager"},
			en:     []string{"responsible manager", "manager"},
		},
		{
			name:   "unknown role",
			mutate: func(r *custodian.Registry) { r.People[1].Role = "guard" },
			paths:  []string{"people[1].role"},
			ko:     []string{"guard", "access_holder"},
			en:     []string{"guard", "access_holder"},
		},
		{
			name:   "person with neither name nor title",
			mutate: func(r *custodian.Registry) { r.People[2].Title = "" },
			paths:  []string{"people[2].name"},
			ko:     []string{"이름", "직위"},
			en:     []string{"name", "title"},
		},
		{
			name:   "person's unknown site",
			mutate: func(r *custodian.Registry) { r.People[1].Sites = []string{"hq", "annexe"} },
			paths:  []string{"people[1].sites[1]"},
			ko:     []string{"annexe"},
			en:     []string{"annexe"},
		},
		// Organisation.
		{
			name:   "homepage without a scheme",
			mutate: func(r *custodian.Registry) { r.Organisation.Homepage = "www.test-org.example" },
			paths:  []string{"organisation.homepage"},
			ko:     []string{"www.test-org.example", "https://"},
			en:     []string{"www.test-org.example", "https://"},
		},
		{
			name:   "homepage with another scheme",
			mutate: func(r *custodian.Registry) { r.Organisation.Homepage = "ftp://test-org.example/" },
			paths:  []string{"organisation.homepage"},
			ko:     []string{"ftp://test-org.example/"},
			en:     []string{"ftp://test-org.example/"},
		},
		{
			name:   "unknown sector",
			mutate: func(r *custodian.Registry) { r.Organisation.Sector = "government" },
			paths:  []string{"organisation.sector"},
			ko:     []string{"government", "public, private"},
			en:     []string{"government", "public, private"},
		},
		// Purposes.
		{
			name:   "Art. 25(1) item out of range",
			mutate: func(r *custodian.Registry) { r.Purposes[0].Basis.Item = 7 },
			paths:  []string{"purposes[0].basis.item"},
			ko:     []string{"7", "제25조 제1항"},
			en:     []string{"7", "Art. 25(1)"},
		},
		{
			name:   "another law without its article",
			mutate: func(r *custodian.Registry) { r.Purposes[2].Basis.Article = "" },
			paths:  []string{"purposes[2].basis.article"},
			ko:     []string{"조항"},
			en:     []string{"article"},
		},
		// Agreements.
		{
			name:   "agreement ends before it starts",
			mutate: func(r *custodian.Registry) { r.Agreements[0].End = custodian.Date{Year: 2024, Month: 2, Day: 29} },
			paths:  []string{"agreements[0].end"},
			ko:     []string{"2024-02-29", "2024-03-01"},
			en:     []string{"2024-02-29", "2024-03-01"},
		},
		{
			name:   "agreement allows something unknown",
			mutate: func(r *custodian.Registry) { r.Agreements[0].Allows[1] = "deletion" },
			paths:  []string{"agreements[0].allows[1]"},
			ko:     []string{"deletion", "realtime_monitoring"},
			en:     []string{"deletion", "evidence, provision, realtime_monitoring"},
		},
		{
			name:   "agreement allows nothing",
			mutate: func(r *custodian.Registry) { r.Agreements[0].Allows = nil },
			paths:  []string{"agreements[0].allows"},
			ko:     []string{"realtime_monitoring"},
			en:     []string{"realtime_monitoring"},
		},
		{
			name:   "agreement covers an unknown camera group",
			mutate: func(r *custodian.Registry) { r.Agreements[0].CameraGroups = []string{"school-zone"} },
			paths:  []string{"agreements[0].camera_groups[0]"},
			ko:     []string{"school-zone"},
			en:     []string{"school-zone", "camera group"},
		},
		// Controlled areas.
		{
			name: "controlled area with an unknown register",
			mutate: func(r *custodian.Registry) {
				r.ControlledAreas = []custodian.ControlledArea{{ID: "server", Site: "hq", Name: "전산실", Consent: "기록부 서명", Register: "entry-log"}}
			},
			paths: []string{"controlled_areas[0].register"},
			ko:    []string{"entry-log"},
			en:    []string{"entry-log", "form"},
		},
		// Policy history.
		{
			name: "history out of order",
			mutate: func(r *custodian.Registry) {
				r.Policy.History[1] = custodian.HistoryEntry{Announced: custodian.Date{Year: 2019, Month: 1, Day: 1}, Effective: custodian.Date{Year: 2019, Month: 1, Day: 8}}
			},
			paths: []string{"policy.history[1].effective"},
			ko:    []string{"2019-01-08", "2020-01-10"},
			en:    []string{"2019-01-08", "2020-01-10"},
		},
		{
			name: "history effective before announced",
			mutate: func(r *custodian.Registry) {
				r.Policy.History[0].Announced = custodian.Date{Year: 2020, Month: 2, Day: 1}
			},
			paths: []string{"policy.history[0].effective"},
			ko:    []string{"2020-01-10", "2020-02-01"},
			en:    []string{"2020-01-10", "2020-02-01"},
		},
		{
			name:   "history without an effective date",
			mutate: func(r *custodian.Registry) { r.Policy.History[0].Effective = custodian.Date{} },
			paths:  []string{"policy.history[0].effective"},
			ko:     []string{"시행일"},
			en:     []string{"effective date"},
		},
		{
			name:   "unknown camera table layout",
			mutate: func(r *custodian.Registry) { r.Policy.CameraTable = "grid" },
			paths:  []string{"policy.camera_table"},
			ko:     []string{"grid", "group, site"},
			en:     []string{"grid", "group, site"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRegistry()
			tt.mutate(r)
			got := problems(t, r.Validate())
			var paths []string
			for _, p := range got {
				paths = append(paths, p.Path)
			}
			want := slices.Clone(tt.paths)
			sort.Strings(paths)
			sort.Strings(want)
			if !slices.Equal(paths, want) {
				t.Errorf("problem paths = %q, want %q\n%v", paths, want, &custodian.ValidationError{Problems: got})
			}
			var p *custodian.Problem
			for i := range got {
				if got[i].Path == tt.paths[0] {
					p = &got[i]
					break
				}
			}
			if p == nil {
				return // reported above
			}
			if p.Ko == "" || p.En == "" {
				t.Fatalf("problem %q has an empty message: ko %q, en %q", p.Path, p.Ko, p.En)
			}
			for _, s := range tt.ko {
				if !strings.Contains(p.Ko, s) {
					t.Errorf("Korean message %q does not mention %q", p.Ko, s)
				}
			}
			for _, s := range tt.en {
				if !strings.Contains(p.En, s) {
					t.Errorf("English message %q does not mention %q", p.En, s)
				}
			}
		})
	}
}

// A custody facility (a prison, a psychiatric ward) may, under the narrow exception of
// PIPA Art. 25(2), have cameras that see into bathrooms; other sites of the same registry may not.
func TestValidateCustodyFacilityException(t *testing.T) {
	r := validRegistry()
	r.Sites[1].CustodyFacility = "형의 집행 및 수용자의 처우에 관한 법률"
	r.Sites[1].CameraGroups[0].Locations = []string{"수용동 화장실", "샤워실", "탈의실"}
	r.Sites[1].CameraGroups[0].Range = "수용동 목욕실 내부"
	if err := r.Validate(); err != nil {
		t.Fatalf("custody facility: %v", err)
	}
	r.Sites[0].CameraGroups[0].Locations[0] = "직원 화장실"
	got := problems(t, r.Validate())
	if len(got) != 1 || got[0].Path != "sites[0].camera_groups[0].locations[0]" {
		t.Fatalf("the exception must not cover other sites: %v", &custodian.ValidationError{Problems: got})
	}
}

// Validate lists every problem, not only the first.
func TestValidateReportsEveryProblem(t *testing.T) {
	r := validRegistry()
	r.Sites[0].CameraGroups[0].Locations[0] = "화장실"
	r.RetentionClasses[0].RetentionDays = 45
	r.Requests.DeadlineDays = 14
	r.People[0].Role = custodian.RoleOperator
	got := problems(t, r.Validate())
	want := []string{"sites[0].camera_groups[0].locations[0]", "retention_classes[0].retention_reason", "people", "requests.deadline_days"}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(p custodian.Problem) bool { return p.Path == w }) {
			t.Errorf("no problem at %s in %v", w, &custodian.ValidationError{Problems: got})
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d problems, want %d: %v", len(got), len(want), &custodian.ValidationError{Problems: got})
	}
}

func TestValidateEmptyRegistry(t *testing.T) {
	got := problems(t, (&custodian.Registry{}).Validate())
	for _, w := range []string{"organisation.id", "organisation.name", "organisation.sector", "sites", "purposes", "retention_classes", "people"} {
		if !slices.ContainsFunc(got, func(p custodian.Problem) bool { return p.Path == w }) {
			t.Errorf("no problem at %s", w)
		}
	}
}

func TestForbiddenPlace(t *testing.T) {
	tests := []struct{ text, ko, en string }{
		{"2층 남자화장실", "화장실", "toilet"},
		{"화 장 실 앞", "화장실", "toilet"},
		{"공중변소", "화장실", "toilet"},
		{"여자 탈의실", "탈의실", "changing room"},
		{"직원 갱의실", "탈의실", "changing room"},
		{"샤워실", "샤워실", "shower room"},
		{"체육관 샤워장", "샤워실", "shower room"},
		{"사우나", "사우나", "sauna"},
		{"찜질방 입구", "찜질방", "sauna"},
		{"대중목욕탕", "목욕탕", "bathhouse"},
		{"Sauna", "사우나", "sauna"},
		{"Staff RESTROOM", "화장실", "toilet"},
		{"Locker Room B", "탈의실", "changing room"},
		{"changing room", "탈의실", "changing room"},
		{"guest bathroom", "목욕실", "bathroom"},
		{"1층 로비", "", ""},
		{"주차장 출입구", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		ko, en := custodian.ForbiddenPlace(tt.text)
		if ko != tt.ko || en != tt.en {
			t.Errorf("ForbiddenPlace(%q) = %q, %q; want %q, %q", tt.text, ko, en, tt.ko, tt.en)
		}
	}
}

func TestIndexSiteTotal(t *testing.T) {
	r := validRegistry()
	x := r.Index()
	for id, want := range map[string]int{"hq": 5, "annex": 2, "store": 0, "parking": 1, "nosuch": 0} {
		if got := x.SiteTotal(id); got != want {
			t.Errorf("SiteTotal(%q) = %d, want %d", id, got, want)
		}
	}
	if got := x.Total(); got != 6 {
		t.Errorf("Total() = %d, want 6", got)
	}

	// Three levels: the store under the annex under the head office.
	r.Sites[2].Parent = "annex"
	r.Sites[2].CameraGroups = []custodian.CameraGroup{{ID: "store-door", Count: 4}}
	x = r.Index()
	for id, want := range map[string]int{"hq": 9, "annex": 6, "store": 4} {
		if got := x.SiteTotal(id); got != want {
			t.Errorf("three levels: SiteTotal(%q) = %d, want %d", id, got, want)
		}
	}

	// A cycle is counted once and ends.
	r.Sites[0].Parent = "store"
	x = r.Index()
	if got := x.SiteTotal("hq"); got != 9 {
		t.Errorf("cycle: SiteTotal(hq) = %d, want 9", got)
	}
}

func TestIndexPeopleFor(t *testing.T) {
	r := validRegistry()
	r.People = append(r.People, custodian.Person{ID: "chief", Name: "이영희", Role: custodian.RoleChief})
	x := r.Index()
	ids := func(ps []*custodian.Person) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	tests := []struct {
		site string
		want []string
	}{
		// Those for the site, then those for the whole organisation, each in registry order.
		{"hq", []string{"hq-holder", "manager", "chief"}},
		// The annex is below the head office, so the head office's people are its people.
		{"annex", []string{"hq-holder", "manager", "chief"}},
		{"parking", []string{"parking-holder", "manager", "chief"}},
		{"store", []string{"manager", "chief"}},
	}
	for _, tt := range tests {
		if got := ids(x.PeopleFor(tt.site)); !slices.Equal(got, tt.want) {
			t.Errorf("PeopleFor(%q) = %q, want %q", tt.site, got, tt.want)
		}
	}
}

func TestRetentionClassPeriodKorean(t *testing.T) {
	tests := []struct {
		c       custodian.RetentionClass
		want    string
		maxDays int
	}{
		{custodian.RetentionClass{RetentionDays: 30}, "30일", 30},
		{custodian.RetentionClass{RetentionDays: 7}, "7일", 7},
		{custodian.RetentionClass{RetentionMonths: 6}, "6개월", 186},
		{custodian.RetentionClass{RetentionMonths: 1}, "1개월", 31},
		{custodian.RetentionClass{RetentionDays: 30, RetentionLabel: "촬영일로부터 30일"}, "촬영일로부터 30일", 30},
	}
	for _, tt := range tests {
		if got := tt.c.PeriodKorean(); got != tt.want {
			t.Errorf("PeriodKorean(%+v) = %q, want %q", tt.c, got, tt.want)
		}
		if got := tt.c.RetentionDaysMax(); got != tt.maxDays {
			t.Errorf("RetentionDaysMax(%+v) = %d, want %d", tt.c, got, tt.maxDays)
		}
	}
}

func TestValidID(t *testing.T) {
	for _, id := range []string{"a", "hq", "cheonan-1", "site_2", "0", strings.Repeat("a", 64)} {
		if !custodian.ValidID(id) {
			t.Errorf("ValidID(%q) = false", id)
		}
	}
	for _, id := range []string{"", "-a", "_a", "A", "a b", "본청", "a.b", strings.Repeat("a", 65)} {
		if custodian.ValidID(id) {
			t.Errorf("ValidID(%q) = true", id)
		}
	}
}

// Free text has length limits by field, and no field takes invisible control characters;
// each problem names the field path, and no message echoes a huge value.
func TestValidateTextLimitsAndControls(t *testing.T) {
	huge := strings.Repeat("가", 10<<20/3) // 10 MB
	cases := []struct {
		name string
		edit func(r *custodian.Registry)
		path string
		want string
	}{
		{"10 MB organisation name", func(r *custodian.Registry) { r.Organisation.Name = huge }, "organisation.name", "at most 200"},
		{"long site address", func(r *custodian.Registry) { r.Sites[0].Address = strings.Repeat("a", 201) }, "sites[0].address", "201 characters long; at most 200"},
		{"long location", func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Locations[1] = strings.Repeat("b", 300) }, "sites[0].camera_groups[0].locations[1]", "at most 200"},
		{"long policy body", func(r *custodian.Registry) {
			r.Policy.Sections = []custodian.Section{{Title: "t", Body: strings.Repeat("본", 20001)}}
		}, "policy.sections[0].body", "at most 20000"},
		{"right-to-left override in a name", func(r *custodian.Registry) { r.Organisation.Name = "시험\u202E기관" }, "organisation.name", "U+202E"},
		{"zero-width space in a person's name", func(r *custodian.Registry) { r.People[1].Name = "김\u200B철수" }, "people[1].name", "U+200B"},
		{"byte-order mark in a site name", func(r *custodian.Registry) { r.Sites[1].Name = "\uFEFF별관" }, "sites[1].name", "U+FEFF"},
		{"isolate in a purpose name", func(r *custodian.Registry) { r.Purposes[0].Name = "시설\u2066안전\u2069" }, "purposes[0].name", "U+2066"},
		{"line break in a name", func(r *custodian.Registry) { r.Forms[0].Title = "청구서\n가짜 줄" }, "forms[0].title", "U+000A"},
		{"bell in a location", func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Locations[0] = "로비\a" }, "sites[0].camera_groups[0].locations[0]", "U+0007"},
		{"left-to-right mark in a note", func(r *custodian.Registry) { r.Sites[0].CameraGroups[0].Note = "메모\u200E" }, "sites[0].camera_groups[0].note", "U+200E"},
		{"soft hyphen (Cf) in a contact", func(r *custodian.Registry) { r.Agreements[0].Agency = "경찰\u00ADfoo" }, "agreements[0].agency", "U+00AD"},
		{"invalid UTF-8", func(r *custodian.Registry) { r.Organisation.Address = "\xff\xfe" }, "organisation.address", "UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := validRegistry()
			tc.edit(r)
			err := r.Validate()
			var ve *custodian.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a ValidationError", err)
			}
			found := false
			for _, p := range ve.Problems {
				if p.Path == tc.path && strings.Contains(p.En, tc.want) {
					found = true
				}
				if len(p.Ko)+len(p.En) > 1000 {
					t.Errorf("%s: a message of %d bytes", p.Path, len(p.Ko)+len(p.En))
				}
			}
			if !found {
				t.Errorf("no problem at %s mentioning %q:\n%v", tc.path, tc.want, err)
			}
		})
	}
	// Multi-line text may have line breaks and tabs; names of other scripts are fine.
	r := validRegistry()
	r.Policy.Sections = []custodian.Section{{Title: "추가 안내", Body: "첫째 줄\n\t둘째 줄\n"}}
	r.Sites[0].CameraGroups[0].Note = "줄 하나\n줄 둘"
	r.People[1].Name = "Zoë Ångström 李舜臣 محمد"
	if err := r.Validate(); err != nil {
		t.Errorf("line breaks in long text and names in many scripts: %v", err)
	}
}

// A huge value is echoed cut, with its length; many problems are listed up to MaxProblems.
func TestValidateEchoesLittle(t *testing.T) {
	r := validRegistry()
	r.People[0].Email = strings.Repeat("x", 10<<20) // not an e-mail address, and 10 MB
	err := r.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	if msg := err.Error(); len(msg) > 2000 || !strings.Contains(msg, fmt.Sprintf("(%d bytes)", 10<<20)) {
		t.Errorf("message of %d bytes: %.300s", len(msg), msg)
	}
	r = validRegistry()
	for i := range 300 {
		r.Forms = append(r.Forms, custodian.Form{ID: fmt.Sprintf("f%d", i)}) // no number, no title
	}
	var ve *custodian.ValidationError
	if !errors.As(r.Validate(), &ve) || ve.Count() != 600 || len(ve.Problems) != custodian.MaxProblems+1 ||
		!strings.Contains(ve.Problems[custodian.MaxProblems].En, "550 more") {
		t.Fatalf("%d listed, count %d", len(ve.Problems), ve.Count())
	}
}
