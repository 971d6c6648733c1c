package publish

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode"

	"custodian"
)

// Fixed wording of every signboard.
const (
	SignTitle    = "CCTV 설치 안내"
	SignSubtitle = "영상정보처리기기 설치·운영 안내"
	SignLead     = "이 시설에서는 다음과 같이 영상정보처리기기(CCTV)를 설치·운영하고 있습니다."
)

// Sign is what the signboard (안내판) of one site says: the items PIPA Art. 25(4) and Decree
// Art. 24 require — the purposes and the location, the filming range and hours, the
// responsible manager's contact and, when operation is outsourced, the contractor's name and
// contact — with the organisation and the number of cameras. A sign covers the cameras at
// its site and at every site below it, as one sign at the entrance covers a building.
// Signboard builds it; SignHTML, SignSVG and pdf.Sign render it.
type Sign struct {
	// Lang is the BCP 47 language of the text, "ko".
	Lang     string `json:"lang"`
	Title    string `json:"title"`    // SignTitle
	Subtitle string `json:"subtitle"` // SignSubtitle
	Lead     string `json:"lead"`     // SignLead
	// Organisation is the name of the organisation that operates the cameras.
	Organisation string `json:"organisation"`
	SiteID       string `json:"site_id"`
	SiteName     string `json:"site_name"`
	// Address of the site, when the registry has it.
	Address string `json:"address,omitempty"`
	// Placement is where the sign is posted (Site.Signboard), when the registry says.
	Placement string `json:"placement,omitempty"`
	// Purposes are the names of the purposes of the cameras, in registry order (설치 목적).
	Purposes []string `json:"purposes"`
	// Ranges are where the cameras are and what they film (촬영 범위).
	Ranges []SignRange `json:"ranges"`
	// Hours are the filming hours of the cameras' retention classes, deduplicated (촬영 시간).
	Hours []string `json:"hours"`
	// Total is the number of cameras at the site and every site below it.
	Total int `json:"total"`
	// Manager is the responsible manager (관리책임자) the sign names with their contact.
	Manager SignContact `json:"manager"`
	// Contractors are the companies the operation is outsourced to (수탁관리자) that serve
	// the site; empty when it is not outsourced.
	Contractors []SignContractor `json:"contractors,omitempty"`
}

// SignRange is one line of a sign's filming range: cameras at one site with the same range.
type SignRange struct {
	// SiteID and SiteName are the site the cameras are at: the sign's site or one below it.
	SiteID   string `json:"site_id"`
	SiteName string `json:"site_name"`
	// Locations are where the cameras are installed.
	Locations []string `json:"locations"`
	// Range is the filming range as the registry states it; empty when it states none.
	Range string `json:"range,omitempty"`
	// Count is the number of cameras.
	Count int `json:"count"`
}

// SignContact is the person a sign names: their role, name (empty when the registry names
// a post only), title, department and phone.
type SignContact struct {
	Role       string `json:"role"` // the Korean name of the role: "관리책임자"
	Name       string `json:"name,omitempty"`
	Title      string `json:"title,omitempty"`
	Department string `json:"department,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

// SignContractor is a contractor a sign names (수탁관리자).
type SignContractor struct {
	Name    string `json:"name"`
	Work    string `json:"work,omitempty"`
	Contact string `json:"contact"`
}

// SignItem is one row of a sign's table: a label and its lines of text. The lines of a List
// item are separate entries (purposes, ranges), printed as a bulleted list.
type SignItem struct {
	Label string
	Lines []string
	List  bool
}

// managerRoles are the roles whose holder a sign names as the responsible manager.
var managerRoles = map[string]bool{
	custodian.RoleManager:           true,
	custodian.RoleChief:             true,
	custodian.RoleProtectionOfficer: true,
}

// maxListedSites is the most sites whose IDs an error about an unknown site lists.
const maxListedSites = 12

// Signboard builds the signboard of the site siteID of r. It names as the responsible
// manager the person in role manager, chief or protection_officer responsible for the site
// or the nearest site above it, or else for the whole organisation. It returns ENOTFOUND
// when r has no such site, and EINVALID when the site has no cameras at or below it or no
// responsible manager covers it.
func Signboard(r *custodian.Registry, siteID string) (*Sign, error) {
	x := r.Index()
	site := x.Site(siteID)
	if site == nil {
		ids := make([]string, len(r.Sites))
		for i, s := range r.Sites {
			ids[i] = s.ID
		}
		if len(ids) == 0 {
			return nil, custodian.Errorf(custodian.ENOTFOUND,
				"사이트 ID %q에 해당하는 사이트가 없습니다. 등록된 사이트가 하나도 없습니다",
				"no site %q; the registry has no sites", siteID)
		}
		if len(ids) > maxListedSites {
			return nil, custodian.Errorf(custodian.ENOTFOUND,
				"사이트 ID %q에 해당하는 사이트가 없습니다(등록된 사이트 %d곳)",
				"no site %q (the registry has %d sites)", siteID, len(ids))
		}
		return nil, custodian.Errorf(custodian.ENOTFOUND,
			"사이트 ID %q에 해당하는 사이트가 없습니다. 사이트 ID: %s",
			"no site %q; site IDs: %s", siteID, strings.Join(ids, ", "))
	}
	total := x.SignboardTotal(siteID)
	if total == 0 {
		reason := site.NoCamerasReason
		if reason == "" {
			reason = "영상정보처리기기 미설치"
		}
		return nil, custodian.Errorf(custodian.EINVALID,
			"%s에는 영상정보처리기기가 없어 안내판이 필요하지 않습니다(%s)",
			"site %s has no cameras, so it needs no signboard (%s)", site.Name, reason)
	}

	s := &Sign{
		Lang:         "ko",
		Title:        SignTitle,
		Subtitle:     SignSubtitle,
		Lead:         SignLead,
		Organisation: r.Organisation.Name,
		SiteID:       site.ID,
		SiteName:     site.Name,
		Address:      site.Address,
		Placement:    site.Signboard,
		Total:        total,
	}

	// The cameras the sign covers (Index.SignboardSites), in registry order, the site's own
	// first.
	purposes := map[string]bool{}
	ranges := map[[2]string]int{} // site ID and range text → index in s.Ranges
	for _, id := range x.SignboardSites(siteID) {
		st := x.Site(id)
		for _, g := range st.CameraGroups {
			for _, p := range g.Purposes {
				purposes[p] = true
			}
			if c := x.RetentionClass(g.RetentionClass); c != nil {
				s.Hours = appendNew(s.Hours, c.FilmingHours)
			}
			key := [2]string{id, g.Range}
			if g.Range == "" {
				key[1] = "\x00" + strings.Join(g.Locations, "\x00")
			}
			if i, ok := ranges[key]; ok {
				s.Ranges[i].Count += g.Count
				for _, l := range g.Locations {
					s.Ranges[i].Locations = appendNew(s.Ranges[i].Locations, l)
				}
				continue
			}
			ranges[key] = len(s.Ranges)
			s.Ranges = append(s.Ranges, SignRange{
				SiteID:    id,
				SiteName:  st.Name,
				Locations: append([]string(nil), g.Locations...),
				Range:     g.Range,
				Count:     g.Count,
			})
		}
	}
	for _, p := range r.Purposes {
		if purposes[p.ID] {
			s.Purposes = append(s.Purposes, p.Name)
		}
	}

	// The responsible manager: of the people for the site (Index.PeopleFor) in a manager's
	// role, the one whose sites are nearest — the site itself, then its parent and so on,
	// then the whole organisation — and among equals the first.
	distance := map[string]int{siteID: 0}
	for i, a := range x.Ancestors(siteID) {
		distance[a] = i + 1
	}
	var manager *custodian.Person
	best := 0
	for _, p := range x.PeopleFor(siteID) {
		if !managerRoles[p.Role] {
			continue
		}
		d := len(distance) // the whole organisation is farthest
		for _, id := range p.Sites {
			if n, ok := distance[id]; ok && n < d {
				d = n
			}
		}
		if manager == nil || d < best {
			manager, best = p, d
		}
	}
	if manager == nil {
		return nil, custodian.Errorf(custodian.EINVALID,
			"%[1]s 맡은 관리책임자(manager, chief 또는 protection_officer 역할)가 없어 안내판에 연락처를 적을 수 없습니다",
			"no responsible manager (role manager, chief or protection_officer) covers %[2]s, so the signboard has no contact",
			Josa(site.Name, "을/를"), site.Name)
	}
	phone := manager.Phone
	if phone == "" {
		phone = site.Phone
	}
	if phone == "" {
		phone = r.Organisation.Phone
	}
	s.Manager = SignContact{
		Role:       custodian.RoleName(manager.Role),
		Name:       manager.Name,
		Title:      manager.Title,
		Department: manager.Department,
		Phone:      phone,
	}

	scope := map[string]bool{siteID: true}
	for _, a := range x.Ancestors(siteID) {
		scope[a] = true
	}
	for _, c := range r.Contractors {
		serves := len(c.Sites) == 0
		for _, id := range c.Sites {
			serves = serves || scope[id]
		}
		if serves {
			s.Contractors = append(s.Contractors, SignContractor{Name: c.Name, Work: c.Work, Contact: c.Contact})
		}
	}
	return s, nil
}

// Location is the site's name with its address: "울산센터 (울산 중구 중가로 405-3)".
func (s *Sign) Location() string {
	if s.Address == "" {
		return s.SiteName
	}
	return s.SiteName + " (" + s.Address + ")"
}

// Text is the range as a sign prints it: the range (or, when none is stated, the locations)
// and the number of cameras, after the site's name when the cameras are at a site below
// the sign's: "천안1센터 8층 출입구 24시간 촬영 (1대)".
func (g SignRange) Text(signSite string) string {
	t := g.Range
	if t == "" {
		t = strings.Join(g.Locations, ", ")
	}
	if g.SiteID != signSite {
		t = g.SiteName + " " + t
	}
	return t + " (" + strconv.Itoa(g.Count) + "대)"
}

// Text is the contact's name with department and title: "기획지원과 과장 정재욱"; a post
// without a person is its title alone. A title that starts with the department's name
// ("지원과장" in 지원과) is not preceded by it.
func (c SignContact) Text() string {
	dept := c.Department
	if dept != "" && strings.HasPrefix(c.Title, dept) {
		dept = ""
	}
	return strings.Join(nonEmpty(dept, c.Title, c.Name), " ")
}

// Items are the rows of the sign's table, in the order of Decree Art. 24: purpose,
// location, number of cameras, filming range, filming hours, the responsible manager and
// contact, and the contractors.
func (s *Sign) Items() []SignItem {
	loc := []string{s.Location()}
	if s.Placement != "" {
		loc = append(loc, "안내판 위치: "+s.Placement)
	}
	ranges := s.rangeLines()
	manager := nonEmpty(s.Manager.Text())
	if s.Manager.Phone != "" {
		manager = append(manager, "연락처 "+s.Manager.Phone)
	}
	items := []SignItem{
		{Label: "설치 목적", Lines: s.Purposes, List: len(s.Purposes) > 1},
		{Label: "설치 장소", Lines: loc},
		{Label: "설치 대수", Lines: []string{"총 " + countText(s.Total)}},
		{Label: "촬영 범위", Lines: ranges, List: len(ranges) > 1},
		{Label: "촬영 시간", Lines: s.Hours, List: len(s.Hours) > 1},
		{Label: "관리책임자 및 연락처", Lines: manager},
	}
	if len(s.Contractors) > 0 {
		var lines []string
		for _, c := range s.Contractors {
			name := c.Name
			if c.Work != "" {
				name += " (" + c.Work + ")"
			}
			lines = append(lines, name, "연락처 "+c.Contact)
		}
		items = append(items, SignItem{Label: "수탁관리자 및 연락처", Lines: lines})
	}
	return items
}

// signMaxRanges is the number of ranges above which a sign lists one line per site.
const signMaxRanges = 8

// rangeLines are the lines of the filming range: one per range, or when there are more than
// signMaxRanges, one per site with its ranges (or locations) and its number of cameras, so
// that the sign of a head office with many offices below it stays legible.
func (s *Sign) rangeLines() []string {
	if len(s.Ranges) <= signMaxRanges {
		out := make([]string, len(s.Ranges))
		for i, g := range s.Ranges {
			out[i] = g.Text(s.SiteID)
		}
		return out
	}
	var sites []SignRange
	at := map[string]int{}
	for _, g := range s.Ranges {
		i, ok := at[g.SiteID]
		if !ok {
			i = len(sites)
			at[g.SiteID] = i
			sites = append(sites, SignRange{SiteID: g.SiteID, SiteName: g.SiteName})
		}
		if g.Range != "" {
			sites[i].Locations = appendNew(sites[i].Locations, g.Range)
		} else {
			for _, l := range g.Locations {
				sites[i].Locations = appendNew(sites[i].Locations, l)
			}
		}
		sites[i].Count += g.Count
	}
	out := make([]string, len(sites))
	for i, g := range sites {
		out[i] = g.Text(s.SiteID)
	}
	return out
}

// nonEmpty returns the strings that are not empty.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// SignSites returns the IDs of the sites of r that need a signboard, those with cameras at
// or below them, in registry order.
func SignSites(r *custodian.Registry) []string {
	x := r.Index()
	var out []string
	for _, s := range r.Sites {
		if x.SignboardTotal(s.ID) > 0 {
			out = append(out, s.ID)
		}
	}
	return out
}

// A signboard page: geometry in millimetres on A4 portrait, y downwards. SignSVG and pdf.Sign
// draw the same SignPage, so the two look alike; SignHTML lays the same items out with CSS.
const (
	signWidth, signHeight = 210.0, 297.0
	signFrame             = 8.0  // inset of the outer frame
	signBandBottom        = 90.0 // bottom of the title band
	signTableX            = 18.0
	signTableWidth        = 174.0
	signLabelWidth        = 48.0
	signTableBottom       = 258.0 // the table must end above this
	signCellPad           = 2.8
	signValueSize         = 5.6 // value text size at most; the table shrinks to fit
	signMinValueSize      = 3.2
	signLineHeight        = 1.4 // line height, in ems
	signAscent            = 0.8 // distance from the top of a line box to the baseline, in ems
)

// Colours of a signboard.
const (
	signNavy    = "#1d3d6b"
	signText    = "#111111"
	signMuted   = "#444444"
	signBorder  = "#8a94a6"
	signLabelBg = "#e8edf5"
	signWhite   = "#ffffff"
	signRed     = "#d32f2f"
)

// SignPage is a sign laid out on an A4 page: shapes drawn first, then text. Coordinates and
// sizes are in millimetres from the top-left corner.
type SignPage struct {
	Width, Height float64
	Shapes        []SignShape
	Texts         []SignText
}

// Kinds of SignShape.
const (
	ShapeRect    = "rect"
	ShapeCircle  = "circle"
	ShapePolygon = "polygon"
	ShapeLine    = "line"
)

// SignShape is a filled or stroked shape: a rectangle (X, Y, W, H, corner radius R), a
// circle (centre X, Y, radius R), a polygon (Points) or a line (X, Y to X2, Y2). Fill and
// Stroke are "#rrggbb" colours, or "" for none.
type SignShape struct {
	Kind        string
	X, Y, W, H  float64
	R           float64
	X2, Y2      float64
	Points      [][2]float64
	Fill        string
	Stroke      string
	StrokeWidth float64
}

// SignText is one line of text with its baseline at Y; X is its left edge, or its centre
// when Center is set. Size is the font size (the em) in millimetres.
type SignText struct {
	X, Y   float64
	Size   float64
	Bold   bool
	Center bool
	Color  string
	Text   string
}

// Measure returns the width in millimetres of text set in size (millimetres), bold or not.
type Measure func(text string, size float64, bold bool) float64

// EstimateWidth estimates the width of text without font metrics: a Hangul syllable or other
// wide (CJK, full-width) character is 1 em, a space 0.3 em, anything else 0.55 em. Bold text
// is taken as 5% wider. It is the Measure of SignSVG, whose reader picks the font.
func EstimateWidth(text string, size float64, bold bool) float64 {
	w := 0.0
	for _, r := range text {
		switch {
		case r == ' ':
			w += 0.3
		case isWide(r):
			w += 1
		default:
			w += 0.55
		}
	}
	if bold {
		w *= 1.05
	}
	return w * size
}

// isWide reports whether r is set about a full em wide: Hangul, CJK, full-width forms.
func isWide(r rune) bool {
	return unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Han, r) ||
		(r >= 0x2E80 && r <= 0x9FFF) || (r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFF00 && r <= 0xFF60)
}

// WrapText breaks text into lines no wider than width as measure measures them. Line breaks
// in the text are kept; lines break between words, and a word wider than width (a long
// Korean word has no spaces to break at) is broken between characters. Runs of spaces
// become one.
func WrapText(text string, width float64, measure func(string) float64) []string {
	var out []string
	space := measure(" ")
	for _, para := range strings.Split(text, "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			out = append(out, "")
			continue
		}
		var line strings.Builder
		lineW := 0.0
		for _, word := range words {
			ww := measure(word)
			if line.Len() > 0 && lineW+space+ww <= width {
				line.WriteByte(' ')
				line.WriteString(word)
				lineW += space + ww
				continue
			}
			if line.Len() > 0 {
				out = append(out, line.String())
				line.Reset()
			}
			for ww > width {
				head, rest := cutWord(word, width, measure)
				if rest == "" {
					break // a single character wider than width
				}
				out = append(out, head)
				word, ww = rest, measure(rest)
			}
			line.WriteString(word)
			lineW = ww
		}
		out = append(out, line.String())
	}
	return out
}

// cutWord splits word after the most characters that fit in width, at least one.
func cutWord(word string, width float64, measure func(string) float64) (head, rest string) {
	sum := 0.0
	for i, r := range word {
		rw := measure(string(r))
		if sum+rw > width && i > 0 {
			return word[:i], word[i:]
		}
		sum += rw
	}
	return word, ""
}

// pictogramWidth and pictogramHeight are the size of the camera pictogram in millimetres.
const pictogramWidth, pictogramHeight = 56.0, 32.0

// pictogram is a wall-mounted camera seen from the side, lens to the left, in a box of
// pictogramWidth × pictogramHeight: the ceiling plate and arm, the body, the lens hood, the
// lens and a red recording light. fg is the camera's colour and bg the lens's.
func pictogram(fg, bg string) []SignShape {
	return []SignShape{
		{Kind: ShapeRect, X: 30, Y: 0, W: 18, H: 3.5, R: 1, Fill: fg},
		{Kind: ShapeRect, X: 36.5, Y: 3, W: 5, H: 8, Fill: fg},
		{Kind: ShapeRect, X: 16, Y: 10, W: 38, H: 17, R: 3, Fill: fg},
		{Kind: ShapePolygon, Points: [][2]float64{{17, 13}, {4, 8.5}, {4, 28.5}, {17, 24}}, Fill: fg},
		{Kind: ShapeCircle, X: 9.5, Y: 18.5, R: 3.8, Fill: bg},
		{Kind: ShapeCircle, X: 47.5, Y: 15, R: 1.9, Fill: signRed},
	}
}

// moved returns the shape shifted by (dx, dy).
func (sh SignShape) moved(dx, dy float64) SignShape {
	sh.X, sh.Y = sh.X+dx, sh.Y+dy
	sh.X2, sh.Y2 = sh.X2+dx, sh.Y2+dy
	pts := make([][2]float64, len(sh.Points))
	for i, pt := range sh.Points {
		pts[i] = [2]float64{pt[0] + dx, pt[1] + dy}
	}
	sh.Points = pts
	return sh
}

// fitSize returns size, or the largest smaller size at which text fits in width.
func fitSize(text string, size, width float64, bold bool, measure Measure) float64 {
	if w := measure(text, size, bold); w > width {
		return size * width / w
	}
	return size
}

// signRow is a sign item measured for the page: its label's lines, and its entries each
// broken into lines.
type signRow struct {
	label   []string
	entries [][]string
	bullet  bool
	height  float64
}

// layoutRows measures items with value text of the given size; the labels are bold and the
// same size. It returns the rows and their total height.
func layoutRows(items []SignItem, size float64, measure Measure) ([]signRow, float64) {
	labelW := signLabelWidth - 2*signCellPad
	valueW := signTableWidth - signLabelWidth - 2*signCellPad
	indent := bulletIndent(size, measure)
	plain := func(t string) float64 { return measure(t, size, false) }
	bold := func(t string) float64 { return measure(t, size, true) }
	lh := size * signLineHeight
	var rows []signRow
	total := 0.0
	for _, it := range items {
		r := signRow{label: WrapText(it.Label, labelW, bold), bullet: it.List}
		w := valueW
		if r.bullet {
			w -= indent
		}
		n := 0
		for _, l := range it.Lines {
			e := WrapText(l, w, plain)
			r.entries = append(r.entries, e)
			n += len(e)
		}
		r.height = float64(max(len(r.label), n, 1))*lh + 2*signCellPad
		rows = append(rows, r)
		total += r.height
	}
	return rows, total
}

// bulletIndent is how far the text of a bulleted entry is indented: the bullet and a space.
func bulletIndent(size float64, measure Measure) float64 {
	return measure("•", size, false) + 0.45*size
}

// fitRows lays items out in at most height: at the largest value size from signValueSize
// down to signMinValueSize at which they fit, and when they do not fit even at the smallest,
// with the longest lists cut short and ended with "… 외 N건".
func fitRows(items []SignItem, height float64, measure Measure) ([]signRow, float64) {
	for size := signValueSize; size >= signMinValueSize-1e-9; size -= 0.2 {
		if rows, h := layoutRows(items, size, measure); h <= height {
			return rows, size
		}
	}
	size := signMinValueSize
	cut := make([]SignItem, len(items))
	copy(cut, items)
	dropped := make([]int, len(items))
	for {
		rows, h := layoutRows(cut, size, measure)
		longest := -1
		for i, it := range items {
			if it.List && len(it.Lines)-dropped[i] > 1 && (longest < 0 || len(it.Lines)-dropped[i] > len(items[longest].Lines)-dropped[longest]) {
				longest = i
			}
		}
		if h <= height || longest < 0 {
			return rows, size
		}
		dropped[longest]++
		it := items[longest]
		kept := len(it.Lines) - dropped[longest]
		cut[longest].Lines = append(append([]string(nil), it.Lines[:kept]...), "… 외 "+strconv.Itoa(dropped[longest])+"건")
	}
}

// LayoutSign lays s out on an A4 page, measuring text with measure: a frame, the title band
// with the camera pictogram, the title and subtitle, the lead sentence, the table of the
// items, and the organisation's name at the foot. The table's text shrinks until it fits.
func LayoutSign(s *Sign, measure Measure) *SignPage {
	p := &SignPage{Width: signWidth, Height: signHeight}
	inner := signWidth - 2*signFrame
	p.Shapes = append(p.Shapes,
		SignShape{Kind: ShapeRect, X: 0, Y: 0, W: signWidth, H: signHeight, Fill: signWhite},
		SignShape{Kind: ShapeRect, X: signFrame, Y: signFrame, W: inner, H: signBandBottom - signFrame, Fill: signNavy},
	)
	for _, sh := range pictogram(signWhite, signNavy) {
		p.Shapes = append(p.Shapes, sh.moved((signWidth-pictogramWidth)/2, signFrame+7))
	}
	title := fitSize(s.Title, 15, inner-16, true, measure)
	sub := fitSize(s.Subtitle, 6.5, inner-16, false, measure)
	p.Texts = append(p.Texts,
		SignText{X: signWidth / 2, Y: 68, Size: title, Bold: true, Center: true, Color: signWhite, Text: s.Title},
		SignText{X: signWidth / 2, Y: 81, Size: sub, Center: true, Color: signWhite, Text: s.Subtitle},
	)

	y := signBandBottom + 6
	const leadSize = 5.0
	for _, l := range WrapText(s.Lead, signTableWidth, func(t string) float64 { return measure(t, leadSize, false) }) {
		p.Texts = append(p.Texts, SignText{X: signWidth / 2, Y: y + signAscent*leadSize, Size: leadSize, Center: true, Color: signText, Text: l})
		y += leadSize * signLineHeight
	}
	top := y + 4

	rows, size := fitRows(s.Items(), signTableBottom-top, measure)
	lh := size * signLineHeight
	indent := bulletIndent(size, measure)
	valueX := signTableX + signLabelWidth + signCellPad
	y = top
	for i, r := range rows {
		p.Shapes = append(p.Shapes, SignShape{Kind: ShapeRect, X: signTableX, Y: y, W: signLabelWidth, H: r.height, Fill: signLabelBg})
		if i > 0 {
			p.Shapes = append(p.Shapes, SignShape{Kind: ShapeLine, X: signTableX, Y: y, X2: signTableX + signTableWidth, Y2: y, Stroke: signBorder, StrokeWidth: 0.3})
		}
		base := y + signCellPad + signAscent*size
		for k, l := range r.label {
			p.Texts = append(p.Texts, SignText{X: signTableX + signCellPad, Y: base + float64(k)*lh, Size: size, Bold: true, Color: signNavy, Text: l})
		}
		k := 0
		for _, e := range r.entries {
			for j, l := range e {
				x := valueX
				if r.bullet {
					if j == 0 {
						p.Texts = append(p.Texts, SignText{X: x, Y: base + float64(k)*lh, Size: size, Color: signText, Text: "•"})
					}
					x += indent
				}
				p.Texts = append(p.Texts, SignText{X: x, Y: base + float64(k)*lh, Size: size, Color: signText, Text: l})
				k++
			}
		}
		y += r.height
	}
	p.Shapes = append(p.Shapes,
		SignShape{Kind: ShapeLine, X: signTableX + signLabelWidth, Y: top, X2: signTableX + signLabelWidth, Y2: y, Stroke: signBorder, StrokeWidth: 0.3},
		SignShape{Kind: ShapeRect, X: signTableX, Y: top, W: signTableWidth, H: y - top, Stroke: signNavy, StrokeWidth: 0.6},
		SignShape{Kind: ShapeLine, X: signTableX, Y: 266, X2: signTableX + signTableWidth, Y2: 266, Stroke: signBorder, StrokeWidth: 0.3},
		SignShape{Kind: ShapeRect, X: signFrame, Y: signFrame, W: inner, H: signHeight - 2*signFrame, Stroke: signNavy, StrokeWidth: 1.2},
	)
	org := fitSize(s.Organisation, 7, signTableWidth, true, measure)
	p.Texts = append(p.Texts, SignText{X: signWidth / 2, Y: 280, Size: org, Bold: true, Center: true, Color: signNavy, Text: s.Organisation})
	return p
}

// num formats a length for SVG: at most two decimals, no trailing zeros.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// writeSVGShapes writes shapes as SVG elements.
func writeSVGShapes(b *bytes.Buffer, shapes []SignShape) {
	paint := func(sh SignShape) string {
		fill := sh.Fill
		if fill == "" {
			fill = "none"
		}
		a := ` fill="` + fill + `"`
		if sh.Stroke != "" {
			a += ` stroke="` + sh.Stroke + `" stroke-width="` + num(sh.StrokeWidth) + `"`
		}
		return a
	}
	for _, sh := range shapes {
		switch sh.Kind {
		case ShapeRect:
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s"`, num(sh.X), num(sh.Y), num(sh.W), num(sh.H))
			if sh.R > 0 {
				fmt.Fprintf(b, ` rx="%s"`, num(sh.R))
			}
			b.WriteString(paint(sh) + "/>\n")
		case ShapeCircle:
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="%s"%s/>`+"\n", num(sh.X), num(sh.Y), num(sh.R), paint(sh))
		case ShapePolygon:
			pts := make([]string, len(sh.Points))
			for i, pt := range sh.Points {
				pts[i] = num(pt[0]) + "," + num(pt[1])
			}
			fmt.Fprintf(b, `<polygon points="%s"%s/>`+"\n", strings.Join(pts, " "), paint(sh))
		case ShapeLine:
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"/>`+"\n",
				num(sh.X), num(sh.Y), num(sh.X2), num(sh.Y2), sh.Stroke, num(sh.StrokeWidth))
		}
	}
}

// SignFontFamily is the font stack of the signboard's SVG and HTML.
const SignFontFamily = `NanumGothic, 'Noto Sans KR', sans-serif`

// SignSVG renders s as an A4 SVG image (210 × 297 mm): the layout of LayoutSign with text
// widths estimated, since the reader picks the font.
func SignSVG(s *Sign) ([]byte, error) {
	if s == nil {
		return nil, custodian.Errorf(custodian.EINVALID, "안내판 내용이 없습니다", "no signboard to render")
	}
	p := LayoutSign(s, EstimateWidth)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%smm" height="%smm" viewBox="0 0 %s %s" font-family="%s" xml:lang="ko" role="img" aria-labelledby="sign-title">`+"\n",
		num(p.Width), num(p.Height), num(p.Width), num(p.Height), SignFontFamily)
	b.WriteString(`<title id="sign-title">`)
	xmlEscape(&b, s.Title+" — "+s.SiteName+" ("+s.Organisation+")")
	b.WriteString("</title>\n")
	writeSVGShapes(&b, p.Shapes)
	for _, t := range p.Texts {
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s" fill="%s"`, num(t.X), num(t.Y), num(t.Size), t.Color)
		if t.Bold {
			b.WriteString(` font-weight="bold"`)
		}
		if t.Center {
			b.WriteString(` text-anchor="middle"`)
		}
		b.WriteString(">")
		xmlEscape(&b, t.Text)
		b.WriteString("</text>\n")
	}
	b.WriteString("</svg>\n")
	return b.Bytes(), nil
}

// xmlEscape writes s escaped for XML text.
func xmlEscape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // writing to a bytes.Buffer does not fail
}

// pictogramSVG is the camera pictogram as an inline SVG element for HTML, hidden from
// assistive technology (the heading says what it shows).
func pictogramSVG() template.HTML {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg class="pictogram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" aria-hidden="true" focusable="false">`+"\n",
		num(pictogramWidth), num(pictogramHeight))
	writeSVGShapes(&b, pictogram(signWhite, signNavy))
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// signDenseLines is the number of lines of items above which SignHTML sets them smaller.
const signDenseLines = 14

var signTmpl = template.Must(template.New("sign").Parse(`<!DOCTYPE html>
<html lang="{{.S.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.S.Title}} — {{.S.SiteName}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<main class="sign{{if .Dense}} dense{{end}}">
<div class="frame">
<header>
{{.Pictogram}}
<h1>{{.S.Title}}</h1>
<p class="subtitle">{{.S.Subtitle}}</p>
</header>
<p class="lead">{{.S.Lead}}</p>
<table>
<caption class="sr-only">{{.S.SiteName}} {{.S.Subtitle}}</caption>
<thead class="sr-only"><tr><th scope="col">항목</th><th scope="col">내용</th></tr></thead>
<tbody>
{{range .Items}}<tr><th scope="row">{{.Label}}</th><td>{{if .List}}<ul>{{range .Lines}}<li>{{.}}</li>{{end}}</ul>{{else}}{{range $i, $l := .Lines}}{{if $i}}<br>{{end}}{{$l}}{{end}}{{end}}</td></tr>
{{end}}</tbody>
</table>
<footer>{{.S.Organisation}}</footer>
</div>
</main>
</body>
</html>
`))

// SignStylesheet styles SignHTML's page: one A4 sheet on screen and in print.
const SignStylesheet = `
@page{size:A4;margin:0}
*{box-sizing:border-box}
html,body{margin:0;padding:0}
body{background:#eef0f3;color:#111;font-family:"NanumGothic","Noto Sans KR","Malgun Gothic","Apple SD Gothic Neo",sans-serif;word-break:keep-all;overflow-wrap:anywhere}
.sign{width:210mm;height:297mm;margin:0 auto;padding:8mm;background:#fff;overflow:hidden}
.frame{height:100%;border:1.2mm solid #1d3d6b;display:flex;flex-direction:column}
header{background:#1d3d6b;color:#fff;text-align:center;padding:6mm 8mm 7mm}
.pictogram{display:block;width:56mm;height:32mm;margin:0 auto 5mm}
h1{font-size:15mm;line-height:1.1;margin:0;letter-spacing:-.02em}
.subtitle{font-size:6.5mm;margin:3mm 0 0}
.lead{font-size:5mm;line-height:1.4;text-align:center;margin:6mm 9mm 4mm}
table{border-collapse:collapse;width:calc(100% - 18mm);margin:0 9mm;border:.6mm solid #1d3d6b;font-size:5.6mm;line-height:1.4}
th,td{padding:2.8mm;text-align:left;vertical-align:top}
tbody th{width:48mm;background:#e8edf5;color:#1d3d6b;border-right:.3mm solid #8a94a6}
tbody tr+tr th,tbody tr+tr td{border-top:.3mm solid #8a94a6}
td ul{margin:0;padding-left:1.1em}
.dense table{font-size:4.2mm}
footer{margin:auto 9mm 0;padding:5mm 0 6mm;border-top:.3mm solid #8a94a6;text-align:center;font-size:7mm;font-weight:bold;color:#1d3d6b}
.sr-only{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media screen{.sign{margin:10mm auto;box-shadow:0 0 4mm rgba(0,0,0,.2)}}
@media print{body{background:none}.sign{height:296.5mm}}
`

// SignHTML renders s as a standalone HTML page that prints as one A4 sheet: the title band
// with the camera pictogram, the lead sentence, a table of the items with a header cell
// for each, and the organisation's name.
func SignHTML(s *Sign) ([]byte, error) {
	if s == nil {
		return nil, custodian.Errorf(custodian.EINVALID, "안내판 내용이 없습니다", "no signboard to render")
	}
	items := s.Items()
	n := 0
	for _, it := range items {
		n += len(it.Lines)
	}
	var b bytes.Buffer
	err := signTmpl.Execute(&b, struct {
		S         *Sign
		Items     []SignItem
		Dense     bool
		CSS       template.CSS
		Pictogram template.HTML
	}{s, items, n > signDenseLines, template.CSS(SignStylesheet), pictogramSVG()})
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
