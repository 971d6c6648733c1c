// Package bench holds Custodian's benchmarks and the generators they use. Each benchmark
// runs beside its baseline in the same `go test -bench` run; results and the machine are
// written to docs/BENCHMARKS.md.
package bench

import (
	"fmt"

	"custodian"
)

// Organisation generates a valid registry of the given number of sites and cameras: 20
// regional centres with branches below them, every camera its own camera group (the
// largest policy table such an organisation can have), two people per site, three
// purposes and two retention classes.
func Organisation(sites, cameras int) *custodian.Registry {
	r := &custodian.Registry{
		Organisation: custodian.Organisation{ID: "bench-org", Name: "벤치마크기관", Sector: custodian.SectorPublic, Homepage: "https://bench.example.kr", StatedTotal: cameras},
		Purposes: []custodian.Purpose{
			{ID: "crime", Name: "범죄 예방 및 수사", Basis: custodian.LegalBasis{Kind: custodian.BasisPIPA25, Item: 2}},
			{ID: "facility", Name: "시설안전 및 화재 예방", Basis: custodian.LegalBasis{Kind: custodian.BasisPIPA25, Item: 3}},
			{ID: "parking", Name: "차량도난 및 파손방지", Basis: custodian.LegalBasis{Kind: custodian.BasisOtherLaw, Law: "주차장법 시행규칙", Article: "제6조제1항"}},
		},
		RetentionClasses: []custodian.RetentionClass{
			{ID: "standard", Name: "일반", FilmingHours: "24시간", RetentionDays: 30, StoragePlace: "전산실"},
			{ID: "counter", Name: "창구", FilmingHours: "24시간", RetentionDays: 90, RetentionReason: "금융 분쟁 대응", StoragePlace: "전산실"},
		},
		People: []custodian.Person{{ID: "chief", Name: "김총괄", Role: custodian.RoleChief, Title: "본부장", Phone: "02-000-0000"}},
	}
	regions := 20
	if sites < regions {
		regions = sites
	}
	for i := 0; i < sites; i++ {
		s := custodian.Site{ID: fmt.Sprintf("site-%03d", i), Kind: custodian.SiteBranch, Address: fmt.Sprintf("서울특별시 예시구 예시로 %d", i+1)}
		if i < regions {
			s.Kind = custodian.SiteCentre
			s.Name = fmt.Sprintf("제%d권역센터", i+1)
		} else {
			s.Parent = fmt.Sprintf("site-%03d", i%regions)
			s.Name = fmt.Sprintf("예시%d지점", i+1)
		}
		r.Sites = append(r.Sites, s)
		r.People = append(r.People,
			custodian.Person{ID: fmt.Sprintf("mgr-%03d", i), Name: fmt.Sprintf("관리자%d", i), Role: custodian.RoleManager, Rank: custodian.RankPrimary, Title: "지점장", Phone: fmt.Sprintf("02-100-%04d", i), Sites: []string{s.ID}},
			custodian.Person{ID: fmt.Sprintf("acc-%03d", i), Name: fmt.Sprintf("권한자%d", i), Role: custodian.RoleAccessHolder, Rank: custodian.RankDeputy, Title: "과장", Sites: []string{s.ID}},
		)
	}
	locations := []string{"정문 출입구", "1층 로비", "주차장", "계단", "복도", "ATM 코너", "후문", "옥상"}
	for c := 0; c < cameras; c++ {
		s := &r.Sites[c%sites]
		g := custodian.CameraGroup{
			ID:             fmt.Sprintf("cam-%05d", c),
			Count:          1,
			Locations:      []string{locations[c%len(locations)]},
			Range:          locations[c%len(locations)] + " 일대 24시간 촬영",
			Type:           custodian.CameraFixed,
			FieldOfView:    []float64{84.5},
			Purposes:       []string{"crime", "facility"},
			RetentionClass: "standard",
		}
		if g.Locations[0] == "주차장" {
			g.Purposes = []string{"parking", "crime"}
		}
		if g.Locations[0] == "ATM 코너" {
			g.RetentionClass = "counter"
		}
		s.CameraGroups = append(s.CameraGroups, g)
	}
	for i := range r.Sites {
		if len(r.Sites[i].CameraGroups) == 0 && r.Sites[i].Parent != "" {
			r.Sites[i].NoCamerasReason = "영상정보처리기기 미설치"
		}
	}
	return r
}
