package custodian_test

import (
	"errors"
	"testing"
	"time"

	"custodian"
)

func TestDueDate(t *testing.T) {
	at := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, custodian.KST)
	}
	day := func(y int, m time.Month, d int) custodian.Date { return custodian.Date{Year: y, Month: m, Day: d} }
	chuseok := map[custodian.Date]bool{day(2026, 9, 24): true, day(2026, 9, 25): true, day(2026, 9, 28): true}
	for _, c := range []struct {
		name    string
		filed   time.Time
		days    int
		holiday func(custodian.Date) bool
		want    custodian.Date
	}{
		{"a weekday: the day of filing is not counted", at(2026, 10, 6, 14, 0), 10, nil, day(2026, 10, 16)},
		{"ends on a Sunday: the next Monday", at(2026, 10, 1, 12, 30), 10, nil, day(2026, 10, 12)},
		{"ends on a Saturday: the next Monday", at(2026, 10, 7, 9, 0), 10, nil, day(2026, 10, 19)},
		{"filed at 00:00: the first day counts", at(2026, 10, 6, 0, 0), 10, nil, day(2026, 10, 15)},
		{"ends in a holiday run: the next working day", at(2026, 9, 14, 9, 0), 10, func(d custodian.Date) bool { return chuseok[d] }, day(2026, 9, 29)},
		{"the registry's deadline", at(2026, 10, 6, 14, 0), custodian.RequestRules{DeadlineDays: 5}.Deadline(), nil, day(2026, 10, 12)},
		{"filed in the evening UTC is the next KST day", time.Date(2026, 10, 5, 16, 0, 0, 0, time.UTC), 10, nil, day(2026, 10, 16)},
	} {
		if got := custodian.DueDate(c.filed, c.days, c.holiday); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if (custodian.RequestRules{}).Deadline() != 10 {
		t.Error("the law's 10 days is not the default")
	}
}

func TestCheckDecision(t *testing.T) {
	view := &custodian.SubjectRequest{Code: "X", Kind: custodian.RequestView}
	del := &custodian.SubjectRequest{Code: "Y", Kind: custodian.RequestDeletion}
	for _, c := range []struct {
		q        *custodian.SubjectRequest
		decision string
		grounds  []string
		ok       bool
	}{
		{view, custodian.DecisionAllow, nil, true},
		{view, custodian.DecisionAllow, []string{"law"}, false},
		{view, custodian.DecisionRefuse, nil, false},
		{view, custodian.DecisionRefuse, []string{"law"}, true},
		{view, custodian.DecisionPartial, []string{"harm", "public_audit"}, true},
		{view, custodian.DecisionPartial, []string{"legal_duty"}, false},
		{del, custodian.DecisionRefuse, []string{"legal_duty"}, true},
		{del, custodian.DecisionRefuse, []string{"law"}, false},
		{view, custodian.DecisionPostpone, nil, false},
		{view, "maybe", nil, false},
	} {
		err := c.q.CheckDecision(c.decision, c.grounds)
		if (err == nil) != c.ok {
			t.Errorf("%s %s %v: %v", c.q.Kind, c.decision, c.grounds, err)
		}
	}
	if err := view.CheckDecision(custodian.DecisionRefuse, []string{"law", custodian.GroundThirdParties}); !errors.Is(err, custodian.ErrThirdParties) && err != custodian.ErrThirdParties {
		t.Errorf("third parties: %v", err)
	}
	for _, g := range custodian.RefusalGrounds {
		if g.ID == custodian.GroundThirdParties || g.Article == "" || g.Ko == "" || g.En == "" || len(g.Kinds) == 0 {
			t.Errorf("ground %+v", g)
		}
	}
}
