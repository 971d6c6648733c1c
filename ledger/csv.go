package ledger

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"custodian"
)

// BOM starts the CSV so that Excel reads it as UTF-8 (Korean text).
const BOM = "\uFEFF"

// CSVHeader is the first line of the CSV: one column per field of custodian.LedgerRow.
var CSVHeader = []string{
	"번호", "구분", "일시", "파일명", "파일 형식", "담당자", "목적·사유", "제공받는 자·청구인", "법적 근거", "이용·제공 형태", "결정",
	"카메라", "사이트", "사이트명", "설치 위치", "촬영 기간 시작", "촬영 기간 끝", "보관기간", "파기 예정일", "파기일",
	"접근 기록 번호", "열람 ID", "청구 번호", "제공 번호", "파기 기록 번호",
}

// csvTime is how times are written: KST, to the nanosecond, so that the file reads back
// exactly (Excel shows it as text).
const csvTime = "2006-01-02 15:04:05.999999999"

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(custodian.KST).Format(csvTime)
}

// cell keeps a spreadsheet from taking text for a formula: a value that starts with = + - @
// a tab, a carriage return or ' gets a leading '. ReadCSV removes it.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}

func uncell(s string) string { return strings.TrimPrefix(s, "'") }

func idCell(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// WriteCSV writes rows as CSV (UTF-8 with a BOM, CRLF line ends, a header line).
func WriteCSV(w io.Writer, rows []custodian.LedgerRow) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		var ids, sites, names, locs []string
		for _, c := range r.Cameras {
			ids, sites, names, locs = append(ids, c.ID), append(sites, c.Site), append(names, c.SiteName), append(locs, c.Location)
		}
		var recs []string
		for _, s := range r.Source.Records {
			recs = append(recs, strconv.FormatUint(s, 10))
		}
		rec := []string{strconv.Itoa(r.No), custodian.LedgerTypeNames[r.Type][0], timeCell(r.At), r.File, r.Format, r.Staff, r.Purpose, r.Party,
			r.LegalBasis, r.Form, r.Decision, strings.Join(ids, "\n"), strings.Join(sites, "\n"), strings.Join(names, "\n"), strings.Join(locs, "\n"),
			timeCell(r.From), timeCell(r.To), r.Retention, timeCell(r.PlannedDestruction), timeCell(r.Destroyed),
			strings.Join(recs, " "), r.Source.Opening, idCell(r.Source.Request), idCell(r.Source.Provision), idCell(r.Source.Destruction)}
		for j := range rec {
			rec[j] = cell(rec[j])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// ReadCSV reads what WriteCSV wrote.
func ReadCSV(r io.Reader) ([]custodian.LedgerRow, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte(BOM))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = len(CSVHeader)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "관리대장 CSV를 읽을 수 없습니다: %w", "cannot read the ledger CSV: %w", err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(CSVHeader, ",") {
		return nil, custodian.Errorf(custodian.EINVALID, "관리대장 CSV의 머리글이 다릅니다", "the ledger CSV's header differs")
	}
	types := map[string]string{}
	for t, n := range custodian.LedgerTypeNames {
		types[n[0]] = t
	}
	out := []custodian.LedgerRow{}
	for i, rec := range recs[1:] {
		line := i + 2
		for j := range rec {
			rec[j] = uncell(rec[j])
		}
		bad := func(col int, err error) error {
			return custodian.Errorf(custodian.EINVALID, "관리대장 CSV %d행 %s 열: %w", "ledger CSV line %d, column %s: %w", line, CSVHeader[col], err)
		}
		var row custodian.LedgerRow
		if row.No, err = strconv.Atoi(rec[0]); err != nil {
			return nil, bad(0, err)
		}
		var ok bool
		if row.Type, ok = types[rec[1]]; !ok {
			return nil, bad(1, custodian.Errorf(custodian.EINVALID, "구분 %q", "type %q", rec[1]))
		}
		times := []struct {
			col int
			dst *time.Time
		}{{2, &row.At}, {15, &row.From}, {16, &row.To}, {18, &row.PlannedDestruction}, {19, &row.Destroyed}}
		for _, t := range times {
			if rec[t.col] == "" {
				continue
			}
			if *t.dst, err = time.ParseInLocation(csvTime, rec[t.col], custodian.KST); err != nil {
				return nil, bad(t.col, err)
			}
		}
		row.File, row.Format, row.Staff, row.Purpose, row.Party, row.LegalBasis, row.Form, row.Decision =
			rec[3], rec[4], rec[5], rec[6], rec[7], rec[8], rec[9], rec[10]
		if rec[11] != "" || rec[14] != "" {
			ids, sites, names, locs := strings.Split(rec[11], "\n"), strings.Split(rec[12], "\n"), strings.Split(rec[13], "\n"), strings.Split(rec[14], "\n")
			if len(sites) != len(ids) || len(names) != len(ids) || len(locs) != len(ids) {
				return nil, bad(11, custodian.Errorf(custodian.EINVALID, "카메라와 장소의 줄 수가 다릅니다", "the cameras and places have different numbers of lines"))
			}
			for k := range ids {
				row.Cameras = append(row.Cameras, custodian.LedgerCamera{ID: ids[k], Site: sites[k], SiteName: names[k], Location: locs[k]})
			}
		}
		row.Retention = rec[17]
		for _, f := range strings.Fields(rec[20]) {
			n, err := strconv.ParseUint(f, 10, 64)
			if err != nil {
				return nil, bad(20, err)
			}
			row.Source.Records = append(row.Source.Records, n)
		}
		row.Source.Opening = rec[21]
		for k, dst := range []*int64{&row.Source.Request, &row.Source.Provision, &row.Source.Destruction} {
			if rec[22+k] == "" {
				continue
			}
			if *dst, err = strconv.ParseInt(rec[22+k], 10, 64); err != nil {
				return nil, bad(22+k, err)
			}
		}
		out = append(out, row)
	}
	return out, nil
}
