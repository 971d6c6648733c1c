package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"custodian"
	"custodian/datadir"
	"custodian/export"
)

func init() {
	register(3,
		&command{name: "footage export", args: "--camera ID[,ID..] --from TIME --to TIME --purpose ID [--purpose-text T] [--request N | --provision N] [--recipient TEXT] [--legal-ground TEXT] [--approved-by NAME] -o OUT(dir|.zip) [--passphrase-file F]",
			ko: "서명된 반출 패키지(MP4, manifest.json, 서명)를 만듭니다 (목적 필수, 기록됨; 중단되면 같은 명령으로 이어서)", en: "write a signed evidence package (MP4s, manifest.json, signature); a purpose is required and logged; rerun to resume", run: cmdFootageExport},
		&command{name: "verify-export", args: "PATH [--key PUBKEY.pem] [--json]", ko: "반출 패키지의 서명과 모든 파일을 검증합니다 (데이터 디렉터리 불필요)", en: "verify an evidence package's signature and every file (no data directory needed)", run: cmdVerifyExport},
		&command{name: "exports list", args: "[--request N | --provision N] [--json]", ko: "만든 반출 패키지 목록", en: "list the evidence packages made", run: cmdExportsList},
		&command{name: "exports link", args: "EXPORT-ID [--days N] [--uses N]", ko: "반출 패키지를 내려받을 링크를 만듭니다 (만료·횟수 제한)", en: "make a download link for a package (expires, limited uses)", run: cmdExportsLink},
	)
}

// newExportID returns a new export ID: EXP-<KST date>-<8 hex digits>.
func newExportID(now time.Time) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "EXP-" + now.In(custodian.KST).Format("20060102") + "-" + hex.EncodeToString(b)
}

func cmdFootageExport(a *app, ctx context.Context, args []string) error {
	fs := a.flags("footage export")
	cameras := fs.String("camera", "", "카메라 ID (쉼표로 여러 대)")
	from := fs.String("from", "", "시작 시각")
	to := fs.String("to", "", "끝 시각")
	purposeID := fs.String("purpose", "", "목적 ID (등록부의 목적, 또는 other)")
	purposeText := fs.String("purpose-text", "", "목적 설명 (other에는 필수)")
	request := fs.Int64("request", 0, "정보주체 청구 번호")
	provision := fs.Int64("provision", 0, "제3자 제공 번호")
	recipient := fs.String("recipient", "", "받는 사람")
	ground := fs.String("legal-ground", "", "법적 근거 (청구·제공에서 기본값)")
	approvedBy := fs.String("approved-by", "", "승인한 사람")
	out := fs.String("o", "", "출력: 디렉터리 또는 .zip")
	passFile := fs.String("passphrase-file", "", "받는 사람용 암호가 든 파일 (.zip.age로 암호화)")
	if _, err := a.parse(fs, args, 0, 0); err != nil {
		return err
	}
	var cams []string
	for _, c := range strings.Split(*cameras, ",") {
		if c = strings.TrimSpace(c); c != "" {
			cams = append(cams, c)
		}
	}
	switch {
	case len(cams) == 0:
		return a.usagef("--camera ID[,ID..]가 필요합니다", "--camera ID[,ID..] is required")
	case strings.TrimSpace(*purposeID) == "":
		return a.usagef("--purpose ID가 필요합니다: 영상을 열 때마다 목적을 기록합니다 (개인정보 보호법 시행령 제30조)", "--purpose ID is required: every opening of footage records its purpose")
	case *out == "" || *out == "-":
		return a.usagef("-o OUT(디렉터리 또는 .zip)이 필요합니다", "-o OUT (a directory or a .zip) is required")
	case *request != 0 && *provision != 0:
		return a.usagef("--request와 --provision 중 하나만 쓰십시오", "use --request or --provision, not both")
	}
	t0, err := a.parseTime("from", *from)
	if err != nil {
		return err
	}
	t1, err := a.parseTime("to", *to)
	if err != nil {
		return err
	}
	if !t1.After(t0) {
		return a.usagef("--to는 --from보다 뒤여야 합니다", "--to must be after --from")
	}
	var pass []byte
	if *passFile != "" {
		b, err := os.ReadFile(*passFile)
		if err != nil {
			return custodian.Errorf(custodian.EINVALID, "암호 파일 %s를 읽을 수 없습니다: %w", "cannot read the passphrase file %s: %w", *passFile, err)
		}
		pass = []byte(strings.TrimRight(string(b), "\r\n"))
		if len(pass) < 8 {
			return custodian.Errorf(custodian.EINVALID, "암호 파일 %s의 암호가 8자보다 짧습니다", "the passphrase in %s is shorter than 8 characters", *passFile)
		}
	}
	f, err := a.openFootage(ctx)
	if err != nil {
		return err
	}
	defer f.Close()
	purpose, err := f.purpose(ctx, *purposeID, *purposeText)
	if err != nil {
		return err
	}
	reg, _, err := f.db.Registry(ctx)
	if err != nil {
		return err
	}
	spec := export.Spec{Organisation: reg.Organisation.Name, Request: *request, Provision: *provision, Recipient: *recipient, LegalGround: *ground,
		Purpose: purpose, Cameras: cams, From: t0, To: t1, ExportedBy: a.cliActor(), ApprovedBy: *approvedBy}
	x := reg.Index()
	for _, c := range cams {
		if x.FootageGroup(c) == nil {
			return custodian.Errorf(custodian.ENOTFOUND, "카메라 %s가 등록부에 없습니다 ('custodian cameras list')", "camera %s is not in the registry (see 'custodian cameras list')", custodian.Clip(c, 64))
		}
	}
	if *request != 0 {
		q, err := f.db.Request(ctx, *request)
		if err != nil {
			return err
		}
		if spec.Recipient == "" {
			spec.Recipient = q.Name + " (정보주체 청구 " + q.Code + ")"
		}
		if spec.LegalGround == "" {
			spec.LegalGround = "개인정보 보호법 제35조 (개인정보의 열람)"
		}
	}
	if *provision != 0 {
		p, err := f.db.Provision(ctx, *provision)
		if err != nil {
			return err
		}
		if spec.Recipient == "" {
			spec.Recipient = strings.TrimSpace(p.Agency + " " + p.Officer)
		}
		if g := custodian.ProvisionGroundOf(p.Ground); spec.LegalGround == "" && g != nil {
			spec.LegalGround = g.Name("ko")
			if p.Basis != "" {
				spec.LegalGround += "; " + p.Basis
			}
		}
	}
	if spec.LegalGround == "" {
		for _, p := range reg.Purposes {
			if p.ID == strings.TrimSpace(*purposeID) {
				spec.LegalGround = basisText(p.Basis)
			}
		}
	}
	// A rerun of an interrupted export keeps its ID (and resumes it).
	spec.ID = export.PendingID(*out)
	if spec.ID == "" {
		spec.ID = newExportID(a.now())
	}
	d, err := datadir.Open(a.dataPath)
	if err != nil {
		return err
	}
	key, err := d.SigningKey()
	if err != nil {
		return err
	}
	progress := func(p export.Progress) {
		state := ""
		if p.Reused {
			state = a.msg(" (이전 작업에서 재사용)", " (kept from the interrupted run)")
		}
		fmt.Fprintf(a.stderr, "\r%s %d/%d %s: %s%s   ", a.msg("카메라", "camera"), p.Index, p.Total, p.Camera, custodian.ByteSize(p.Bytes), state)
	}
	// The export is logged (one record per camera) before any footage is read, and
	// recorded once made.
	_, res, err := export.Make(ctx, f.door(a), f.db, custodian.FootageAccess{Actor: a.cliActor(), Source: "cli", Purpose: purpose}, spec, key, *out,
		export.Options{Passphrase: pass, Progress: progress, Now: a.now})
	fmt.Fprintln(a.stderr)
	if err != nil {
		if export.PendingID(*out) != "" {
			fmt.Fprintf(a.stderr, "%s\n", a.msg("완료된 파일은 "+*out+".partial에 남아 있습니다; 같은 명령을 다시 실행하면 이어서 만듭니다",
				"the files completed are kept in "+*out+".partial; rerun the same command to resume"))
		}
		return err
	}
	fp := res.Manifest.SigningKey.Fingerprint
	check := "custodian verify-export " + res.Path
	if len(pass) > 0 {
		check = "age -d -o " + strings.TrimSuffix(filepath.Base(res.Path), ".age") + " " + res.Path + "; custodian verify-export " + strings.TrimSuffix(filepath.Base(res.Path), ".age")
	}
	fmt.Fprintf(a.stdout, "%s\n", a.msg(
		fmt.Sprintf("%s: 반출 %s, 카메라 %d대, %s, manifest SHA-256 %x\n서명 키 지문 %s\n검증: %s", res.Path, spec.ID, len(cams), custodian.ByteSize(res.Size), res.ManifestSHA256, fp, check),
		fmt.Sprintf("%s: export %s, %d cameras, %s, manifest SHA-256 %x\nsigning key fingerprint %s\nverify: %s", res.Path, spec.ID, len(cams), custodian.ByteSize(res.Size), res.ManifestSHA256, fp, check)))
	return nil
}

func cmdVerifyExport(a *app, ctx context.Context, args []string) error {
	fs := a.flags("verify-export")
	keyFile := fs.String("key", "", "기관의 공개 키 (PEM): 패키지 안의 키 대신 사용")
	asJSON := fs.Bool("json", false, "JSON으로 출력")
	pos, err := a.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	var v *export.Verification
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return custodian.Errorf(custodian.EINVALID, "공개 키 파일 %s를 읽을 수 없습니다: %w", "cannot read the public key file %s: %w", *keyFile, err)
		}
		pub, err := export.ParsePublicKeyPEM(b)
		if err != nil {
			return err
		}
		v, err = export.VerifyExportKey(pos[0], pub)
		if err != nil {
			return err
		}
	} else if v, err = export.VerifyExport(pos[0]); err != nil {
		return err
	}
	if *asJSON {
		if v.Mismatches == nil {
			v.Mismatches = []export.Mismatch{}
		}
		if err := a.printJSON(v); err != nil {
			return err
		}
	} else {
		if v.KeyFrom == "package" {
			fmt.Fprintf(a.stdout, "%s\n", a.msg(
				"주의: 패키지 안의 공개 키(signing-key.pub)로 검증했습니다. 이는 서명 뒤에 바뀐 것이 없다는 것(무결성)만 보여 주며, 누가 만들었는지(출처)는 보여 주지 않습니다. 출처는 기관이 공개한 키로 확인하십시오: --key 기관키.pem (지문 "+v.KeyFingerprint+"을 기관 포털의 지문과 비교)",
				"note: verified with the key inside the package (signing-key.pub). That proves only that nothing changed since it was signed (integrity), not who signed it (origin). Check the origin against the organisation's published key: --key ORG-KEY.pem (or compare the fingerprint "+v.KeyFingerprint+" with the one on the organisation's portal)"))
		} else {
			fmt.Fprintf(a.stdout, "%s %s\n", a.msg("주어진 키로 검증했습니다. 지문", "verified against the given key, fingerprint"), v.KeyFingerprint)
		}
		if v.Manifest != nil {
			m := v.Manifest
			fmt.Fprintf(a.stdout, "%s %s · %s · %s ~ %s · %s %d\n", a.msg("반출", "export"), m.ExportID, m.Organisation, m.Period.From.KST, m.Period.To.KST, a.msg("카메라", "cameras"), len(m.Cameras))
		}
		for _, mm := range v.Mismatches {
			fmt.Fprintf(a.stdout, "  %s: %s\n", mm.File, a.msg(mm.Ko+" ("+mm.What+")", mm.What))
		}
	}
	if !v.OK() {
		return custodian.Errorf(custodian.EINVALID, "%s: 불일치 %d건 — 이 패키지를 믿을 수 없습니다", "%s: %d mismatch(es) — do not trust this package", pos[0], len(v.Mismatches))
	}
	if !*asJSON {
		fmt.Fprintf(a.stdout, "%s\n", a.msg(fmt.Sprintf("정상: 서명과 파일 %d개가 모두 맞습니다", v.Files), fmt.Sprintf("OK: the signature and all %d files match", v.Files)))
	}
	return nil
}

func cmdExportsList(a *app, ctx context.Context, args []string) error {
	fs := a.flags("exports list")
	request := fs.Int64("request", 0, "청구 번호")
	provision := fs.Int64("provision", 0, "제공 번호")
	asJSON := fs.Bool("json", false, "JSON으로 출력")
	_, db, err := a.parseOpen(ctx, fs, args, 0, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := db.Exports(ctx, *request, *provision)
	if err != nil {
		return err
	}
	if *asJSON {
		return a.printJSON(jsonList(list))
	}
	for _, e := range list {
		ref := ""
		switch {
		case e.Request != 0:
			ref = fmt.Sprintf(" %s %d", a.msg("청구", "request"), e.Request)
		case e.Provision != 0:
			ref = fmt.Sprintf(" %s %d", a.msg("제공", "provision"), e.Provision)
		}
		fmt.Fprintf(a.stdout, "%s  %s%s  %s  %s ~ %s  %s  %s\n", e.ID, kst(e.Created), ref, strings.Join(e.Cameras, ","), kst(e.From), kst(e.To), custodian.ByteSize(e.Size), e.Path)
	}
	return nil
}

func cmdExportsLink(a *app, ctx context.Context, args []string) error {
	fs := a.flags("exports link")
	days := fs.Int("days", 7, "유효 기간 (일, 최대 30)")
	uses := fs.Int("uses", 3, "내려받기 횟수 (최대 20)")
	pos, db, err := a.parseOpen(ctx, fs, args, 1, 1)
	if err != nil {
		return err
	}
	defer db.Close()
	l, token, err := custodian.NewDownloadLink(pos[0], time.Duration(*days)*24*time.Hour, *uses, a.cliActor(), a.now())
	if err != nil {
		return err
	}
	if err := db.CreateDownloadLink(ctx, l); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "/d/%s\n%s\n", token, a.msg(
		fmt.Sprintf("반출 %s의 내려받기 링크: %s까지 %d회. 이 주소는 지금 한 번만 보여 줍니다 (저장되는 것은 해시뿐)", pos[0], kst(l.Expires), l.MaxUses),
		fmt.Sprintf("download link of export %s: until %s, %d uses. The address is shown only now (only its hash is stored)", pos[0], kst(l.Expires), l.MaxUses)))
	return nil
}

// basisText cites a purpose's legal basis.
func basisText(b custodian.LegalBasis) string {
	switch b.Kind {
	case custodian.BasisPIPA25:
		return fmt.Sprintf("개인정보 보호법 제25조제1항제%d호", b.Item)
	case custodian.BasisOtherLaw:
		return strings.TrimSpace(b.Law + " " + b.Article)
	case custodian.BasisConsent:
		return "개인정보 보호법 제15조제1항제1호 (정보주체의 동의)"
	}
	return ""
}
