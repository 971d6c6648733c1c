package pdf

import (
	"strings"
	"testing"
	"time"

	"custodian"
)

func decidedRequest() *custodian.SubjectRequest {
	at := time.Date(2026, 10, 1, 10, 0, 0, 0, custodian.KST)
	return &custodian.SubjectRequest{ID: 7, Code: "ABCD-EFGH-JKLM", Kind: custodian.RequestExistence, Name: "홍길동", From: at, To: at.Add(time.Hour),
		Place: "민원실 출입구", Channel: custodian.ChannelDesk, Filed: at.Add(2 * time.Hour), Status: custodian.RequestDecided,
		Preservation: custodian.Preservation{Cameras: []string{"office-entrances"}},
		Decision:     custodian.DecisionPartial, Grounds: []string{"public_audit"}, Decided: at.Add(48 * time.Hour), DecidedBy: "kim",
		Existence: &custodian.ExistenceAnswer{Reviewer: "kim", Computed: at.Add(49 * time.Hour), Spans: []custodian.ExistenceSpan{
			{Camera: "office-entrances", From: at.Add(5 * time.Minute), To: at.Add(20 * time.Minute), Segments: 15}}},
	}
}

func TestDecisionNoticePDF(t *testing.T) {
	reg := loadExample(t, "002")
	q := decidedRequest()
	n, err := custodian.NoticeOf(q, reg.Organisation, q.Decided)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Notice(n, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, b)
	assertEmbeddedFont(t, path)
	text := pdfText(t, path)
	assertContains(t, text, "개인영상정보 열람 등 결정 통지서", "ABCD-EFGH-JKLM", "일부 허용", "제35조제4항제3호마목",
		"존재 확인 결과", "office-entrances: 2026-10-01 10:05 ~ 2026-10-01 10:20", "이의제기 방법", "행정심판", reg.Organisation.Name)
	// The plain-text form says the same.
	for _, want := range []string{"일부 허용", "제35조제4항제3호마목", "10:05 ~ 2026-10-01 10:20", "행정심판"} {
		if !strings.Contains(n.Text(), want) {
			t.Errorf("the text notice lacks %q", want)
		}
	}
}

func TestPostponementNoticePDF(t *testing.T) {
	reg := loadExample(t, "000")
	q := decidedRequest()
	q.Decision, q.Grounds, q.Existence, q.Status = "", nil, nil, custodian.RequestPostponed
	q.Postponements = []custodian.Postponement{{Reason: "다른 사람을 가리는 마스킹 작업", From: custodian.Date{Year: 2026, Month: 10, Day: 12},
		Until: custodian.Date{Year: 2026, Month: 10, Day: 20}, NotifiedHow: "문자"}}
	n, err := custodian.NoticeOf(q, reg.Organisation, q.Filed.Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Notice(n, Options{CreationDate: fixedDate})
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, writePDF(t, b))
	assertContains(t, text, "개인영상정보 열람 등 연기 통지서", "2026년 10월 20일", "다른 사람을 가리는 마스킹 작업", "이의제기 방법")
	// A request neither decided nor postponed has no notice.
	q.Postponements, q.Status = nil, custodian.RequestReceived
	if _, err := custodian.NoticeOf(q, reg.Organisation, q.Filed); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Errorf("notice of an undecided request: %v", err)
	}
}
