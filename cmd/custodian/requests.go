package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"custodian"
	footagedoor "custodian/footage"
	"custodian/pdf"
	"custodian/requests"
)

func init() {
	register(6,
		&command{name: "requests list", args: "[--open] [--due] [--json]", ko: "정보주체의 열람·존재확인·삭제 청구 목록 (--due: 기한이 다가오거나 지난 청구)", en: "list data-subject requests (--due: due soon or overdue)", run: cmdRequestsList},
		&command{name: "requests show", args: "CODE|ID [--json]", ko: "청구 하나와 그 처리 이력", en: "one request and its history", run: cmdRequestsShow},
		&command{name: "requests add", args: "--kind view|existence|deletion --channel desk|mail|phone|fax --name N --contact C --from TIME --to TIME (--camera ID | --place TEXT [--cameras C,..]) --purpose TEXT [--proxy REL --proxy-document DOC] [--filed TIME] [--holidays DATES]",
			ko: "방문·우편·전화·팩스로 받은 청구를 접수합니다 (영상 보존 조치를 바로 합니다)", en: "file a request received at the desk, by mail, phone or fax (the footage is held at once)", run: cmdRequestsAdd},
		&command{name: "requests hold", args: "CODE|ID --cameras C,..", ko: "장소로 받은 청구의 카메라를 정해 보존 조치를 합니다", en: "hold the cameras of a request filed for a place", run: cmdRequestsHold},
		&command{name: "requests identify", args: "CODE|ID --method in_person|video_call|documents [--note TEXT] [--by NAME] [--at TIME]", ko: "본인 확인을 기록합니다 (신분증 사본은 저장하지 않음)", en: "record the identity check (no ID image is stored)", run: cmdRequestsIdentify},
		&command{name: "requests postpone", args: "CODE|ID --reason TEXT --until DATE --notified-how HOW [--notified TIME]", ko: "처리 기한을 연기하고 통지를 기록합니다", en: "postpone the deadline and record the notice", run: cmdRequestsPostpone},
		&command{name: "requests decide", args: "CODE|ID --decision allow|partial|refuse [--ground G,..] [--note TEXT] [--objection TEXT]", ko: "청구를 결정합니다 (일부 허용·거부는 법적 근거 필수)", en: "decide a request (partial or refusal needs its legal ground)", run: cmdRequestsDecide},
		&command{name: "requests grounds", args: "[--json]", ko: "제한·거부의 법적 근거 목록", en: "the legal grounds to limit or refuse", run: cmdRequestsGrounds},
		&command{name: "requests answer-existence", args: "CODE|ID", ko: "카탈로그로 존재확인 답변을 만들어 기록합니다", en: "compute and record the existence answer from the catalog", run: cmdRequestsAnswerExistence},
		&command{name: "requests delete", args: "CODE|ID [--explain [--text TEXT]]", ko: "청구한 영상을 복구할 수 없게 삭제합니다 (선택 삭제를 하지 않는 기관: --explain)", en: "delete the requested footage irrecoverably (organisations without selective deletion: --explain)", run: cmdRequestsDelete},
		&command{name: "requests deliver", args: "CODE|ID [--attendee NAME [--at TIME]] [--export ID] [--fee WON]", ko: "현장 열람 또는 사본 제공과 수수료를 기록합니다", en: "record the on-site viewing or the copy, and the fee", run: cmdRequestsDeliver},
		&command{name: "requests close", args: "CODE|ID", ko: "청구를 종결합니다 (보존 조치는 정한 날 뒤에 해제)", en: "close a request (its holds are released days later)", run: cmdRequestsClose},
		&command{name: "requests withdraw", args: "CODE|ID [--reason TEXT]", ko: "청구인이 청구를 취하했음을 기록합니다", en: "record that the requester withdrew the request", run: cmdRequestsWithdraw},
		&command{name: "requests notice", args: "CODE|ID -o FILE.pdf | --text", ko: "결정 통지서 또는 연기 통지서", en: "the decision or postponement notice", run: cmdRequestsNotice},
		&command{name: "requests sweep", args: "", ko: "종결 뒤 해제일이 된 보존 조치를 해제합니다 (serve가 주기적으로 실행)", en: "release the holds whose release day has come (serve runs it periodically)", run: cmdRequestsSweep},
	)
}

// requestsEnv is what the request commands open: the database, the access log, the vault
// and the workflow over them.
type requestsEnv struct {
	f *footage
	s *requests.Service
}

func (a *app) openRequests(ctx context.Context) (*requestsEnv, error) {
	f, err := a.openFootage(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := a.requestConfig()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &requestsEnv{f: f, s: requestService(f, a.now, cfg)}, nil
}

// HolidaysFile, in the data directory, lists the public holidays besides Sundays (관공서의
// 공휴일에 관한 규정, substitute and temporary holidays included) that move a request's
// deadline: one YYYY-MM-DD per line, "#" starts a comment (docs/OPERATIONS.md).
const HolidaysFile = "holidays.txt"

// requestConfig is the request workflow's configuration from the data directory: the
// holidays file, when there is one.
func (a *app) requestConfig() (requests.Config, error) {
	var cfg requests.Config
	name := filepath.Join(a.dataPath, HolidaysFile)
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	for i, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		d, err := custodian.ParseDate(line)
		if err != nil {
			return cfg, custodian.Errorf(custodian.EINVALID, "%s:%d: %q는 날짜(YYYY-MM-DD)가 아닙니다", "%s:%d: %q is not a date (YYYY-MM-DD)", name, i+1, custodian.Clip(line, 40))
		}
		cfg.Holidays = append(cfg.Holidays, d)
	}
	return cfg, nil
}

// requestService is the request workflow over the database, the access log and the vault.
func requestService(f *footage, now func() time.Time, cfg requests.Config) *requests.Service {
	s := &requests.Service{Store: f.db, Registry: f.db, Holder: f.v, Catalog: f.v, Log: f.log, Now: now, Config: cfg,
		Door: &footagedoor.Door{Vault: f.v, Log: f.log, Now: now}}
	if d, ok := any(f.v).(requests.Deleter); ok {
		s.Deleter = d
	}
	return s
}

func (a *app) actor() requests.Actor { return requests.Actor{Name: a.cliActor(), Source: "cli"} }

// oneRequest opens the workflow and finds the request pos[0] names (a code or a number).
func (a *app) oneRequest(ctx context.Context, pos []string) (*requestsEnv, *custodian.SubjectRequest, error) {
	env, err := a.openRequests(ctx)
	if err != nil {
		return nil, nil, err
	}
	q, err := env.s.Get(ctx, pos[0])
	if err != nil {
		env.f.Close()
		return nil, nil, err
	}
	return env, q, nil
}

func cmdRequestsList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests list")
	open := fs.Bool("open", false, "처리 중인 청구만 (only open requests)")
	due := fs.Bool("due", false, "기한이 3일 안에 오거나 지난 처리 중 청구, 기한 순 (open requests due within 3 days or overdue, by due date)")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	qs, err := db.Requests(ctx, *open || *due)
	if err != nil {
		return err
	}
	today := custodian.DateOf(a.now())
	if *due {
		var sel []custodian.SubjectRequest
		for _, q := range qs {
			if !q.Due.After(today.AddDays(3)) {
				sel = append(sel, q)
			}
		}
		for i := 1; i < len(sel); i++ { // by due date, oldest first (insertion sort: stable)
			for j := i; j > 0 && sel[j].Due.Before(sel[j-1].Due); j-- {
				sel[j], sel[j-1] = sel[j-1], sel[j]
			}
		}
		qs = sel
	}
	if *asJSON {
		if qs == nil {
			qs = []custodian.SubjectRequest{}
		}
		return a.printJSON(qs)
	}
	if len(qs) == 0 {
		fmt.Fprintln(a.stdout, a.msg("청구가 없습니다.", "no requests."))
		return nil
	}
	t := &textTable{header: []string{"#", a.msg("접수 번호", "code"), a.msg("종류", "kind"), a.msg("경로", "channel"), a.msg("접수", "filed"), a.msg("기한", "due"), a.msg("상태", "status"), a.msg("결정", "decision")}}
	for _, q := range qs {
		due := q.Due.String()
		if q.Overdue(today) {
			due += " " + a.msg("(지남)", "(overdue)")
		}
		t.add(strconv.FormatInt(q.ID, 10), q.Code, a.name(custodian.RequestKindNames, q.Kind), a.name(custodian.RequestChannelNames, q.Channel), kst(q.Filed)[:16], due,
			a.name(custodian.RequestStatusNames, q.Status), a.name(custodian.DecisionNames, q.Decision))
	}
	t.write(a.stdout)
	return nil
}

func (a *app) name(names map[string][2]string, k string) string {
	n, ok := names[k]
	if !ok {
		return k
	}
	return a.msg(n[0], n[1])
}

func cmdRequestsShow(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests show")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	pos, db, err := a.parseOpen(ctx, fs, args, 1, 1)
	if err != nil {
		return err
	}
	defer db.Close()
	s := &requests.Service{Store: db}
	q, err := s.Get(ctx, pos[0])
	if err != nil {
		return err
	}
	evs, err := db.RequestEvents(ctx, q.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		if evs == nil {
			evs = []custodian.RequestEvent{}
		}
		return a.printJSON(struct {
			*custodian.SubjectRequest
			History []custodian.RequestEvent `json:"history"`
		}{q, evs})
	}
	w := a.stdout
	line := func(ko, en, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-14s %s\n", a.msg(ko, en)+":", v)
		}
	}
	line("청구", "request", fmt.Sprintf("#%d %s", q.ID, q.Code))
	line("종류", "kind", a.name(custodian.RequestKindNames, q.Kind))
	line("상태", "status", a.name(custodian.RequestStatusNames, q.Status))
	line("청구인", "requester", q.Name+" ("+q.Contact+")")
	if q.Relationship != "" {
		line("대리인", "proxy", q.Relationship+", "+q.ProxyDocument)
	}
	line("경로", "channel", a.name(custodian.RequestChannelNames, q.Channel))
	line("접수", "filed", kst(q.Filed))
	line("기한", "due", q.Due.String())
	line("영상", "footage", kst(q.From)+" ~ "+kst(q.To)+" "+strings.TrimSpace(q.Place+" "+q.Camera))
	line("목적", "purpose", q.Purpose)
	if c := q.Identity; c != nil {
		line("본인 확인", "identity", fmt.Sprintf("%s, %s, %s %s", a.name(custodian.IdentityMethodNames, c.Method), c.By, kst(c.At), c.Note))
	}
	if p := q.Preservation; len(p.Holds) > 0 {
		v := fmt.Sprintf("%s: %v (±%s)", strings.Join(p.Cameras, ","), p.Holds, p.Margin)
		if !p.Release.IsZero() {
			v += a.msg(" 해제 예정 ", " release on ") + p.Release.String()
		}
		if !p.Released.IsZero() {
			v += a.msg(" 해제됨 ", " released ") + kst(p.Released)
		}
		line("보존 조치", "holds", v)
	}
	for _, p := range q.Postponements {
		line("연기", "postponed", fmt.Sprintf("%s → %s: %s (%s %s)", p.From, p.Until, p.Reason, p.NotifiedHow, kst(p.Notified)))
	}
	if q.Decision != "" {
		line("결정", "decision", a.name(custodian.DecisionNames, q.Decision)+", "+q.DecidedBy+", "+kst(q.Decided))
		for _, g := range q.Grounds {
			if rg := custodian.Ground(g); rg != nil {
				line("근거", "ground", rg.Article+" "+a.msg(rg.Ko, rg.En))
			}
		}
		line("안내", "note", q.Note)
	}
	if x := q.Existence; x != nil {
		if !x.Exists() {
			line("존재확인", "existence", a.msg("영상 없음", "no footage"))
		}
		for _, sp := range x.Spans {
			line("존재확인", "existence", fmt.Sprintf("%s %s ~ %s", sp.Camera, kst(sp.From), kst(sp.To)))
		}
	}
	if d := q.Deletion; d != nil {
		if d.NotDeleted != "" {
			line("삭제", "deletion", a.msg("하지 않음: ", "not done: ")+d.NotDeleted)
		} else {
			line("삭제", "deletion", fmt.Sprintf("%s, %s %v", kst(d.At), a.msg("파기 기록", "destruction records"), d.Destructions))
		}
	}
	if d := q.Delivery; d != nil {
		if d.Viewing != nil {
			line("현장 열람", "viewing", d.Viewing.Attendee+", "+kst(d.Viewing.At))
		}
		line("사본", "copy", d.Export)
	}
	if q.Fee > 0 {
		line("수수료", "fee", fmt.Sprintf("%d원", q.Fee))
	}
	if !q.Closed.IsZero() {
		line("종결", "closed", kst(q.Closed)+", "+q.ClosedBy)
	}
	fmt.Fprintln(w, a.msg("이력:", "history:"))
	for _, e := range evs {
		fmt.Fprintf(w, "  %s  %-10s %-10s %s\n", kst(e.At), e.Action, e.Actor, e.Detail)
	}
	return nil
}

func cmdRequestsAdd(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests add")
	kind := fs.String("kind", "", "청구 종류 (view, existence, deletion)")
	channel := fs.String("channel", custodian.ChannelDesk, "접수 경로 (desk, mail, phone, fax)")
	name := fs.String("name", "", "청구인 성명 (requester's name)")
	contact := fs.String("contact", "", "연락처 (phone or e-mail)")
	from := fs.String("from", "", "영상의 시작 시각 (start of the footage)")
	to := fs.String("to", "", "영상의 끝 시각 (end of the footage)")
	camera := fs.String("camera", "", "카메라 ID")
	place := fs.String("place", "", "장소 (a place, in words)")
	cameras := fs.String("cameras", "", "장소에 해당하는 카메라, 쉼표로 구분 (the cameras of the place)")
	purpose := fs.String("purpose", "", "청구 목적·사유 (purpose)")
	proxy := fs.String("proxy", "", "대리인의 정보주체와의 관계 (a proxy's relationship)")
	proxyDoc := fs.String("proxy-document", "", "대리인이 낸 서류, 예: 위임장 (the document the proxy showed)")
	filed := fs.String("filed", "", "접수 일시 (우편 등; 기본: 지금) (when received; default now)")
	holidays := fs.String("holidays", "", "기한 계산에 넣을 공휴일, 쉼표로 구분 (public holidays besides Sundays, comma-separated YYYY-MM-DD)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	q := &custodian.SubjectRequest{Kind: *kind, Channel: *channel, Name: strings.TrimSpace(*name), Contact: strings.TrimSpace(*contact), Camera: *camera,
		Place: strings.TrimSpace(*place), Purpose: strings.TrimSpace(*purpose), Relationship: strings.TrimSpace(*proxy), ProxyDocument: strings.TrimSpace(*proxyDoc)}
	var err error
	if q.From, err = a.parseTime("from", *from); err != nil {
		return err
	}
	if q.To, err = a.parseTime("to", *to); err != nil {
		return err
	}
	if *filed != "" {
		if q.Filed, err = a.parseTime("filed", *filed); err != nil {
			return err
		}
	}
	if q.Channel == custodian.ChannelPortal {
		return a.usagef("누리집 청구는 누리집 양식으로 접수됩니다 (--channel desk, mail, phone, fax)", "portal requests come through the portal form (--channel desk, mail, phone, fax)")
	}
	env, err := a.openRequests(ctx)
	if err != nil {
		return err
	}
	defer env.f.Close()
	for _, s := range splitList(*holidays) {
		d, err := a.parseDate("holidays", s)
		if err != nil {
			return err
		}
		env.s.Config.Holidays = append(env.s.Config.Holidays, d)
	}
	err = env.s.File(ctx, q, splitList(*cameras), a.actor())
	if q.ID == 0 {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("청구 #%d를 접수했습니다. 접수 번호 %s, 처리 기한 %s.", q.ID, q.Code, q.Due),
		fmt.Sprintf("filed request #%d: tracking code %s, due %s.", q.ID, q.Code, q.Due)))
	if err == nil {
		if len(q.Preservation.Holds) > 0 {
			fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("보존 조치 %v (카메라 %s, 앞뒤 %s)", q.Preservation.Holds, strings.Join(q.Preservation.Cameras, ","), q.Preservation.Margin),
				fmt.Sprintf("holds %v (cameras %s, margin %s)", q.Preservation.Holds, strings.Join(q.Preservation.Cameras, ","), q.Preservation.Margin)))
		} else {
			fmt.Fprintln(a.stdout, a.msg("장소로 받은 청구입니다: 'custodian requests hold "+q.Code+" --cameras …'로 카메라를 정해 보존하십시오.",
				"filed for a place: name its cameras with 'custodian requests hold "+q.Code+" --cameras …' to hold them."))
		}
	}
	return err
}

func cmdRequestsHold(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests hold")
	cameras := fs.String("cameras", "", "카메라 ID, 쉼표로 구분 (camera IDs, comma-separated)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	env, q, err := a.oneRequest(ctx, pos)
	if err != nil {
		return err
	}
	defer env.f.Close()
	q, err = env.s.Preserve(ctx, q.ID, splitList(*cameras), a.actor())
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("청구 %s: 보존 조치 %v", q.Code, q.Preservation.Holds), fmt.Sprintf("request %s: holds %v", q.Code, q.Preservation.Holds)))
	return nil
}

func cmdRequestsIdentify(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests identify")
	method := fs.String("method", "", "확인 방법 (in_person, video_call, documents)")
	note := fs.String("note", "", "확인한 것, 글로 (what was seen, in words: 주민등록증)")
	by := fs.String("by", "", "확인한 사람 (who checked; default: you)")
	at := fs.String("at", "", "확인 시각 (when; default now)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	c := custodian.IdentityCheck{Method: *method, Note: strings.TrimSpace(*note), By: strings.TrimSpace(*by)}
	if *at != "" {
		if c.At, err = a.parseTime("at", *at); err != nil {
			return err
		}
	}
	env, q, err := a.oneRequest(ctx, pos)
	if err != nil {
		return err
	}
	defer env.f.Close()
	if q, err = env.s.Identify(ctx, q.ID, c, a.actor()); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg("청구 "+q.Code+": 본인 확인을 기록했습니다.", "request "+q.Code+": identity check recorded."))
	return nil
}

func cmdRequestsPostpone(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests postpone")
	reason := fs.String("reason", "", "연기 사유 (reason)")
	until := fs.String("until", "", "새 기한 YYYY-MM-DD (new deadline)")
	how := fs.String("notified-how", "", "청구인에게 알린 방법: 문자, 우편, 전화 … (how the requester was told)")
	when := fs.String("notified", "", "알린 시각 (when; default now)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	u, err := a.parseDate("until", *until)
	if err != nil {
		return err
	}
	var notified time.Time
	if *when != "" {
		if notified, err = a.parseTime("notified", *when); err != nil {
			return err
		}
	}
	env, q, err := a.oneRequest(ctx, pos)
	if err != nil {
		return err
	}
	defer env.f.Close()
	if q, err = env.s.Postpone(ctx, q.ID, *reason, u, *how, notified, a.actor()); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("청구 %s: 기한을 %s로 연기했습니다. 연기 통지서: custodian requests notice %s -o FILE.pdf", q.Code, q.Due, q.Code),
		fmt.Sprintf("request %s: postponed to %s. Notice: custodian requests notice %s -o FILE.pdf", q.Code, q.Due, q.Code)))
	return nil
}

func cmdRequestsDecide(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests decide")
	decision := fs.String("decision", "", "결정 (allow, partial, refuse)")
	grounds := fs.String("ground", "", "법적 근거 ID, 쉼표로 구분 ('custodian requests grounds') (ground IDs)")
	note := fs.String("note", "", "청구인에게 알릴 내용 (what the requester is told)")
	objection := fs.String("objection", "", "이의제기 방법 (how to object; default: the standard text)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	env, q, err := a.oneRequest(ctx, pos)
	if err != nil {
		return err
	}
	defer env.f.Close()
	if q, err = env.s.Decide(ctx, q.ID, *decision, splitList(*grounds), *note, *objection, a.actor()); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("청구 %s: %s 결정을 기록했습니다. 통지서: custodian requests notice %s -o FILE.pdf", q.Code, custodian.DecisionNames[q.Decision][0], q.Code),
		fmt.Sprintf("request %s: decision %s recorded. Notice: custodian requests notice %s -o FILE.pdf", q.Code, q.Decision, q.Code)))
	return nil
}

func cmdRequestsGrounds(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests grounds")
	asJSON := fs.Bool("json", false, "JSON으로 출력 (print JSON)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(custodian.RefusalGrounds)
	}
	t := &textTable{header: []string{"ID", a.msg("조문", "article"), a.msg("청구", "kinds"), a.msg("내용", "ground")}}
	for _, g := range custodian.RefusalGrounds {
		t.add(g.ID, g.Article, strings.Join(g.Kinds, ","), a.msg(g.Ko, g.En))
	}
	t.write(a.stdout)
	fmt.Fprintln(a.stdout, a.msg("다른 사람이 영상에 함께 나온다는 것은 근거가 아닙니다: 가려서(마스킹) 제공하십시오.", "that other people appear in the footage is not a ground: mask them."))
	return nil
}

func cmdRequestsAnswerExistence(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests answer-existence")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	env, q, err := a.oneRequest(ctx, pos)
	if err != nil {
		return err
	}
	defer env.f.Close()
	if q, err = env.s.AnswerExistence(ctx, q.ID, a.actor()); err != nil {
		return err
	}
	if !q.Existence.Exists() {
		fmt.Fprintln(a.stdout, a.msg("청구 "+q.Code+": 청구한 기간의 영상이 없습니다.", "request "+q.Code+": no footage in the requested period."))
	}
	for _, sp := range q.Existence.Spans {
		fmt.Fprintf(a.stdout, "%s  %s ~ %s  (%d)\n", sp.Camera, kst(sp.From), kst(sp.To), sp.Segments)
	}
	return nil
}

func cmdRequestsDelete(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests delete")
	explain := fs.Bool("explain", false, "선택 삭제를 하지 않는 기관: 삭제하지 않은 이유를 기록 (no_selective_deletion: record why nothing is deleted)")
	text := fs.String("text", "", "--explain의 설명 (기본: 표준 문안) (the explanation; default: the standard text)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *text != "" && !*explain {
		return a.usagef("--text는 --explain과 함께 씁니다", "--text goes with --explain")
	}
	env, q, err := a.oneRequest(ctx, pos)
	if err != nil {
		return err
	}
	defer env.f.Close()
	if *explain {
		if q, err = env.s.ExplainNoDeletion(ctx, q.ID, *text, a.actor()); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout, a.msg("청구 "+q.Code+": 삭제하지 않은 이유를 기록했습니다.", "request "+q.Code+": recorded why nothing was deleted."))
		return nil
	}
	if q, err = env.s.Delete(ctx, q.ID, a.actor()); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("청구 %s: 삭제했습니다 (파기 기록 %v).", q.Code, q.Deletion.Destructions), fmt.Sprintf("request %s: deleted (destruction records %v).", q.Code, q.Deletion.Destructions)))
	return nil
}

func cmdRequestsDeliver(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests deliver")
	attendee := fs.String("attendee", "", "현장 열람에 입회한 직원 (the staff member present at the viewing)")
	at := fs.String("at", "", "현장 열람 시각 (when; default now)")
	export := fs.String("export", "", "사본의 반출 ID (the copy's export ID)")
	fee := fs.Int64("fee", 0, "수수료, 원 (실비) (the fee in won: actual cost)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	var d custodian.Delivery
	if *attendee != "" {
		d.Viewing = &custodian.Viewing{Attendee: strings.TrimSpace(*attendee)}
		if *at != "" {
			if d.Viewing.At, err = a.parseTime("at", *at); err != nil {
				return err
			}
		}
	} else if *at != "" {
		return a.usagef("--at은 --attendee와 함께 씁니다", "--at goes with --attendee")
	}
	d.Export = strings.TrimSpace(*export)
	env, q, err := a.oneRequest(ctx, pos)
	if err != nil {
		return err
	}
	defer env.f.Close()
	if q, err = env.s.Deliver(ctx, q.ID, d, *fee, a.actor()); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg("청구 "+q.Code+": 제공을 기록했습니다.", "request "+q.Code+": delivery recorded."))
	return nil
}

func cmdRequestsClose(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests close")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	env, q, err := a.oneRequest(ctx, pos)
	if err != nil {
		return err
	}
	defer env.f.Close()
	if q, err = env.s.Close(ctx, q.ID, a.actor()); err != nil {
		return err
	}
	a.printClosed(q)
	return nil
}

func (a *app) printClosed(q *custodian.SubjectRequest) {
	if q.Preservation.Release.IsZero() {
		fmt.Fprintln(a.stdout, a.msg("청구 "+q.Code+"를 종결했습니다.", "request "+q.Code+" closed."))
		return
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("청구 %s를 종결했습니다. 보존 조치는 %s에 해제됩니다.", q.Code, q.Preservation.Release),
		fmt.Sprintf("request %s closed; its holds are released on %s.", q.Code, q.Preservation.Release)))
}

func cmdRequestsWithdraw(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests withdraw")
	reason := fs.String("reason", "", "취하 사유·방법 (how and why it was withdrawn)")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	env, q, err := a.oneRequest(ctx, pos)
	if err != nil {
		return err
	}
	defer env.f.Close()
	if q, err = env.s.Withdraw(ctx, q.ID, *reason, a.actor()); err != nil {
		return err
	}
	a.printClosed(q)
	return nil
}

func cmdRequestsNotice(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests notice")
	out := fs.String("o", "", "PDF 파일 (the PDF file)")
	asText := fs.Bool("text", false, "글로 출력 (print as text)")
	pos, db, err := a.parseOpen(ctx, fs, args, 1, 1)
	if err != nil {
		return err
	}
	defer db.Close()
	s := &requests.Service{Store: db, Registry: db}
	q, err := s.Get(ctx, pos[0])
	if err != nil {
		return err
	}
	var org custodian.Organisation
	if reg, _, err := db.Registry(ctx); err == nil {
		org = reg.Organisation
	} else if custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return err
	}
	n, err := custodian.NoticeOf(q, org, a.now())
	if err != nil {
		return err
	}
	if *asText {
		_, err := fmt.Fprint(a.stdout, n.Text())
		return err
	}
	if *out == "" {
		return a.usagef("-o FILE.pdf 또는 --text가 필요합니다", "-o FILE.pdf or --text is required")
	}
	data, err := pdf.Notice(n, pdf.Options{CreationDate: a.now(), Author: org.Name})
	if err != nil {
		return err
	}
	o, err := a.create(*out, true)
	if err != nil {
		return err
	}
	o.mode = 0o600 // the requester's name and request
	_, err = o.w.Write(data)
	if err = o.commit(err); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, a.msg(n.Title+": "+*out, n.Title+": "+*out))
	return nil
}

func cmdRequestsSweep(a *app, ctx context.Context, args []string) error {
	fs := a.flags("requests sweep")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	env, err := a.openRequests(ctx)
	if err != nil {
		return err
	}
	defer env.f.Close()
	n, err := env.s.Sweep(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, a.msg(fmt.Sprintf("보존 조치를 해제한 청구: %d건", n), fmt.Sprintf("requests whose holds were released: %d", n)))
	return nil
}
