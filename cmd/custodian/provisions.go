package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"custodian"
)

func init() {
	register(6,
		&command{name: "provisions add", args: "--kind provision|other_use --agency A [--department D] [--officer O] [--contact C] [--letter-no N --letter-date DATE] --ground N [--basis LAW] --purpose TEXT --camera ID[,ID..] [--from TIME --to TIME] --form copy|on_site|live [--agreement ID] [--items TEXT] [--restrictions TEXT] [--pledge] [--note TEXT] [--by ACCOUNT] [--json]",
			ko: "공문으로 받은 제3자 제공·목적 외 이용을 입력합니다 (개인정보 보호법 제18조)", en: "enter a provision to a third party or use beyond purpose from an official letter (PIPA Art. 18)", run: cmdProvisionsAdd},
		&command{name: "provisions list", args: "[--status S] [--json]", ko: "제3자 제공·목적 외 이용 목록", en: "list provisions and uses beyond purpose", run: cmdProvisionsList},
		&command{name: "provisions show", args: "ID [--json]", ko: "제공 기록 하나", en: "one provision", run: cmdProvisionsShow},
		&command{name: "provisions grounds", args: "[--json]", ko: "제18조제2항의 근거 목록 (공고 대상 표시)", en: "the grounds of Art. 18(2) (and which are published)", run: cmdProvisionsGrounds},
		&command{name: "provisions approve", args: "ID --by ACCOUNT [--name NAME] [--pledge] [--restrictions TEXT]", ko: "관리책임자가 승인합니다 (입력한 사람은 승인할 수 없음)", en: "approve as the responsible manager (never the one who entered it)", run: cmdProvisionsApprove},
		&command{name: "provisions refuse", args: "ID --by ACCOUNT [--name NAME] --reason TEXT", ko: "제공을 거부합니다", en: "refuse a provision", run: cmdProvisionsRefuse},
		&command{name: "provisions deliver", args: "ID [--export ID] [--attendee NAME] [--json]", ko: "제공합니다: 접근 기록에 provision=ID로 남깁니다 (사본은 footage export --provision ID로 만든 반출 ID)", en: "deliver it, logged with provision=ID (a copy: the export made with footage export --provision ID)", run: cmdProvisionsDeliver},
		&command{name: "provisions close", args: "ID [--note TEXT]", ko: "제공 완료나 거부 뒤에 종결합니다", en: "close after delivery or refusal", run: cmdProvisionsClose},
		&command{name: "provisions published", args: "[--days N] [--json]", ko: "포털에 지금 공고되는 목적 외 이용·제3자 제공 (공공기관, 제18조제4항)", en: "what the portal publishes now (public bodies, Art. 18(4))", run: cmdProvisionsPublished},
	)
}

func cmdProvisionsAdd(a *app, ctx context.Context, args []string) error {
	fs := a.flags("provisions add")
	kind := fs.String("kind", custodian.ProvisionThirdParty, "provision (제3자 제공) 또는 other_use (목적 외 이용)")
	agency := fs.String("agency", "", "받는 기관 (목적 외 이용은 이용 부서)")
	dept := fs.String("department", "", "부서")
	officer := fs.String("officer", "", "담당자")
	contact := fs.String("contact", "", "연락처")
	letterNo := fs.String("letter-no", "", "공문 번호")
	letterDate := fs.String("letter-date", "", "공문 일자 (YYYY-MM-DD)")
	ground := fs.Int("ground", 0, "제18조제2항의 호 (provisions grounds)")
	basis := fs.String("basis", "", "근거 법령·조항 (제2호는 필수)")
	purpose := fs.String("purpose", "", "목적")
	cameras := fs.String("camera", "", "카메라 ID (쉼표로 여러 대)")
	from := fs.String("from", "", "영상 기간 시작")
	to := fs.String("to", "", "영상 기간 끝")
	form := fs.String("form", "", "copy (사본), on_site (현장 열람), live (협약에 따른 실시간)")
	agreement := fs.String("agreement", "", "협약 ID")
	items := fs.String("items", "", "제공 항목 (비우면 카메라와 기간)")
	restrictions := fs.String("restrictions", "", "받는 자에게 요청한 이용 제한·안전성 확보 조치")
	pledge := fs.Bool("pledge", false, "보안서약서를 받음")
	note := fs.String("note", "", "비고")
	by := fs.String("by", "", "입력한 계정 (기본: CLI 사용자)")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	reg, _, err := db.Registry(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	p := &custodian.Provision{Kind: *kind, Agency: *agency, Department: *dept, Officer: *officer, Contact: *contact, LetterNo: *letterNo, Ground: *ground,
		Basis: *basis, Purpose: *purpose, Cameras: splitList(*cameras), Form: *form, Agreement: *agreement, Items: *items, Restrictions: *restrictions,
		Pledge: *pledge, Note: *note, Status: custodian.ProvisionRequested, Channel: custodian.ProvisionByStaff, FiledBy: *by, Filed: now, Updated: now}
	if p.FiledBy == "" {
		p.FiledBy = a.cliActor()
	}
	if *letterDate != "" {
		if p.LetterDate, err = a.parseDate("letter-date", *letterDate); err != nil {
			return err
		}
	}
	if *from != "" {
		if p.From, err = a.parseTime("from", *from); err != nil {
			return err
		}
	}
	if *to != "" {
		if p.To, err = a.parseTime("to", *to); err != nil {
			return err
		}
	}
	if err := p.Validate(reg, now); err != nil {
		return err
	}
	if err := db.CreateProvision(ctx, p); err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(p)
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("제공 기록 %d번을 입력했습니다 (승인 대기). 승인: custodian provisions approve %d --by 관리책임자계정", p.ID, p.ID),
		fmt.Sprintf("provision %d entered (awaiting approval). Approve: custodian provisions approve %d --by MANAGER", p.ID, p.ID)))
	return nil
}

func cmdProvisionsList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("provisions list")
	status := fs.String("status", "", "상태: requested, approved, refused, delivered, closed")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, ok := custodian.ProvisionStatusNames[*status]; *status != "" && !ok {
		return a.usagef("--status %q는 상태가 아닙니다 (requested, approved, refused, delivered, closed)", "--status %q is not a status (requested, approved, refused, delivered, closed)", *status)
	}
	ps, err := db.Provisions(ctx, custodian.ProvisionFilter{Status: *status})
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(ps)
	}
	if len(ps) == 0 {
		fmt.Fprintln(a.stdout, a.msg("제공 기록이 없습니다.", "no provisions."))
		return nil
	}
	t := &textTable{header: []string{"#", a.msg("구분", "kind"), a.msg("받는 자", "recipient"), a.msg("근거", "ground"), a.msg("카메라", "cameras"),
		a.msg("형태", "form"), a.msg("상태", "status"), a.msg("접수", "filed")}}
	for _, p := range ps {
		t.add(strconv.FormatInt(p.ID, 10), a.name(custodian.ProvisionKindNames, p.Kind), p.Agency, fmt.Sprintf("18(2)%d", p.Ground), strings.Join(p.Cameras, ","),
			a.name(custodian.ProvisionFormNames, p.Form), a.name(custodian.ProvisionStatusNames, p.Status), kst(p.Filed)[:16])
	}
	t.write(a.stdout)
	return nil
}

func cmdProvisionsShow(a *app, ctx context.Context, args []string) error {
	fs := a.flags("provisions show")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	pos, db, err := a.parseOpen(ctx, fs, args, 1, 1)
	if err != nil {
		return err
	}
	defer db.Close()
	id, err := a.provisionID(pos[0])
	if err != nil {
		return err
	}
	p, err := db.Provision(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(p)
	}
	a.printProvision(p)
	return nil
}

func (a *app) provisionID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, a.usagef("%q는 제공 기록 번호가 아닙니다", "%q is not a provision number", s)
	}
	return id, nil
}

func (a *app) printProvision(p *custodian.Provision) {
	w := a.stdout
	line := func(ko, en, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-14s %s\n", a.msg(ko, en)+":", v)
		}
	}
	line("번호", "number", strconv.FormatInt(p.ID, 10))
	line("구분", "kind", a.name(custodian.ProvisionKindNames, p.Kind))
	line("상태", "status", a.name(custodian.ProvisionStatusNames, p.Status))
	line("받는 자", "recipient", strings.Join(strings.Fields(p.Agency+" "+p.Department+" "+p.Officer+" "+p.Contact), " "))
	if p.LetterNo != "" {
		line("공문", "letter", p.LetterNo+" ("+p.LetterDate.String()+")")
	}
	if g := custodian.ProvisionGroundOf(p.Ground); g != nil {
		line("법적 근거", "legal ground", g.Name(a.lang))
	}
	line("근거 법령", "law", p.Basis)
	line("목적", "purpose", p.Purpose)
	line("카메라", "cameras", strings.Join(p.Cameras, ", "))
	if !p.From.IsZero() {
		line("기간", "period", kst(p.From)+" ~ "+kst(p.To))
	}
	line("형태", "form", a.name(custodian.ProvisionFormNames, p.Form))
	line("협약", "agreement", p.Agreement)
	line("제공 항목", "items", p.Items)
	line("이용 제한", "restrictions", p.Restrictions)
	line("보안서약서", "pledge", map[bool]string{true: a.msg("받음", "received"), false: a.msg("받지 않음", "not received")}[p.Pledge])
	line("접수", "filed", kst(p.Filed)+" "+p.FiledBy+" ("+p.Channel+")")
	if !p.Decided.IsZero() {
		line("결정", "decided", kst(p.Decided)+" "+p.DeciderName+" ("+p.DecidedBy+")")
	}
	line("거부 사유", "refusal", p.RefusalReason)
	if !p.Delivered.IsZero() {
		line("제공", "delivered", kst(p.Delivered)+" "+p.DeliveredBy)
	}
	line("반출 ID", "export", p.ExportID)
	line("입회·열람자", "attendee", p.Attendee)
	line("열람 ID", "opening", p.Opening)
	if !p.Closed.IsZero() {
		line("종결", "closed", kst(p.Closed)+" "+p.ClosedBy)
	}
	line("비고", "note", p.Note)
}

func cmdProvisionsGrounds(a *app, ctx context.Context, args []string) error {
	fs := a.flags("provisions grounds")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(custodian.ProvisionGrounds)
	}
	t := &textTable{header: []string{a.msg("호", "item"), a.msg("근거", "ground"), a.msg("공공기관만", "public only"), a.msg("공고", "published")}}
	yes := func(b bool) string {
		if b {
			return "✓"
		}
		return ""
	}
	for _, g := range custodian.ProvisionGrounds {
		n := g.Ko
		if a.lang == "en" {
			n = g.En
		}
		t.add(strconv.Itoa(g.Item), n, yes(g.PublicOnly), yes(g.Publish))
	}
	t.write(a.stdout)
	return nil
}

// provisionStep loads provision pos[0], applies step and stores it if its status has not
// moved meanwhile.
func (a *app) provisionStep(ctx context.Context, fs *flag.FlagSet, args []string, step func(p *custodian.Provision) error) (*custodian.Provision, error) {
	pos, db, err := a.parseOpen(ctx, fs, args, 1, 1)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	id, err := a.provisionID(pos[0])
	if err != nil {
		return nil, err
	}
	p, err := db.Provision(ctx, id)
	if err != nil {
		return nil, err
	}
	from := p.Status
	if err := step(p); err != nil {
		return nil, err
	}
	return p, db.UpdateProvision(ctx, p, from)
}

func cmdProvisionsApprove(a *app, ctx context.Context, args []string) error {
	fs := a.flags("provisions approve")
	by := fs.String("by", "", "승인하는 관리책임자의 계정 (필수; 입력한 계정과 달라야 함)")
	name := fs.String("name", "", "승인자 이름")
	pledge := fs.Bool("pledge", false, "보안서약서를 받음")
	restrictions := fs.String("restrictions", "", "받는 자에게 요청한 이용 제한·안전성 확보 조치")
	p, err := a.provisionStep(ctx, fs, args, func(p *custodian.Provision) error {
		if strings.TrimSpace(*by) == "" {
			return a.usagef("--by ACCOUNT가 필요합니다: 승인한 관리책임자를 기록합니다", "--by ACCOUNT is required: the approving manager is recorded")
		}
		n := *name
		if n == "" {
			n = *by
		}
		return p.Approve(strings.TrimSpace(*by), n, *pledge, *restrictions, a.now())
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("제공 기록 %d번을 승인했습니다 (%s).", p.ID, p.DecidedBy), fmt.Sprintf("provision %d approved (%s).", p.ID, p.DecidedBy)))
	return nil
}

func cmdProvisionsRefuse(a *app, ctx context.Context, args []string) error {
	fs := a.flags("provisions refuse")
	by := fs.String("by", "", "거부하는 관리책임자의 계정 (필수)")
	name := fs.String("name", "", "결정자 이름")
	reason := fs.String("reason", "", "거부 사유 (필수)")
	p, err := a.provisionStep(ctx, fs, args, func(p *custodian.Provision) error {
		if strings.TrimSpace(*by) == "" {
			return a.usagef("--by ACCOUNT가 필요합니다", "--by ACCOUNT is required")
		}
		n := *name
		if n == "" {
			n = *by
		}
		return p.Refuse(strings.TrimSpace(*by), n, *reason, a.now())
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("제공 기록 %d번을 거부했습니다.", p.ID), fmt.Sprintf("provision %d refused.", p.ID)))
	return nil
}

func cmdProvisionsClose(a *app, ctx context.Context, args []string) error {
	fs := a.flags("provisions close")
	note := fs.String("note", "", "종결 메모")
	p, err := a.provisionStep(ctx, fs, args, func(p *custodian.Provision) error { return p.Close(a.cliActor(), *note, a.now()) })
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("제공 기록 %d번을 종결했습니다.", p.ID), fmt.Sprintf("provision %d closed.", p.ID)))
	return nil
}

// cmdProvisionsDeliver delivers an approved provision through the footage door: the door
// writes one access-log record per camera with provision=ID before the delivery is stored.
func cmdProvisionsDeliver(a *app, ctx context.Context, args []string) error {
	fs := a.flags("provisions deliver")
	exportID := fs.String("export", "", "사본: footage export --provision ID로 만든 반출 ID")
	attendee := fs.String("attendee", "", "현장 열람: 입회·열람자 (소속, 성명)")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	id, err := a.provisionID(pos[0])
	if err != nil {
		return err
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := f.db.Provision(ctx, id)
	if err != nil {
		return err
	}
	from := p.Status
	// Checked before the door is opened, so that a bad delivery logs nothing.
	if err := p.Deliver(a.cliActor(), *exportID, *attendee, "", a.now()); err != nil {
		return err
	}
	if p.Form == custodian.ProvisionCopy {
		e, err := f.db.Export(ctx, p.ExportID)
		if err != nil {
			return err
		}
		if err := p.CheckExport(e); err != nil {
			return err
		}
	}
	o, err := f.door(a).Open(ctx, p.DeliveryAccess(a.cliActor(), "cli", *exportID, *attendee, a.now()))
	if err != nil {
		return err
	}
	p.Opening = o.ID
	if err := f.db.UpdateProvision(ctx, p, from); err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(p)
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("제공 기록 %d번을 제공했습니다: 접근 기록 %d건 (provision=%d, opening=%s).", p.ID, len(o.Records), p.ID, o.ID),
		fmt.Sprintf("provision %d delivered: %d access-log records (provision=%d, opening=%s).", p.ID, len(o.Records), p.ID, o.ID)))
	return nil
}

func cmdProvisionsPublished(a *app, ctx context.Context, args []string) error {
	fs := a.flags("provisions published")
	days := fs.Int("days", custodian.ProvisionPublishDays, "게시 일수 (10일 이상)")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	if *days < custodian.ProvisionMinPublishDays {
		return a.usagef("--days는 %d 이상이어야 합니다 (시행규칙: 홈페이지 10일 이상)", "--days must be at least %d (the Enforcement Rule: 10 days on the homepage)", custodian.ProvisionMinPublishDays)
	}
	reg, _, err := db.Registry(ctx)
	if err != nil {
		return err
	}
	ps, err := db.Provisions(ctx, custodian.ProvisionFilter{})
	if err != nil {
		return err
	}
	pubs := custodian.Publications(reg, ps, a.now(), *days)
	if *asJSON {
		if pubs == nil {
			pubs = []custodian.Publication{}
		}
		return a.printJSON(pubs)
	}
	if reg.Organisation.Sector != custodian.SectorPublic {
		fmt.Fprintln(a.stdout, a.msg("공공기관이 아니어서 제18조제4항의 공고 대상이 아닙니다.", "not a public body: Art. 18(4) publication does not apply."))
		return nil
	}
	if len(pubs) == 0 {
		fmt.Fprintln(a.stdout, a.msg("지금 공고할 것이 없습니다.", "nothing to publish now."))
		return nil
	}
	t := &textTable{header: []string{a.msg("일자", "date"), a.msg("구분", "kind"), a.msg("법적 근거", "legal basis"), a.msg("목적", "purpose"), a.msg("항목", "items"), a.msg("게시 기한", "until")}}
	for _, x := range pubs {
		t.add(x.Date.String(), x.KindKo, x.Basis, x.Purpose, x.Items, x.Until.String())
	}
	t.write(a.stdout)
	return nil
}
