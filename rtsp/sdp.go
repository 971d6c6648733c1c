package rtsp

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"custodian"
)

// Media is one media section of a session description.
type Media struct {
	Type string // "video", "audio", "application"
	// Control is the URL to SETUP: a=control resolved against the base (RFC 2326 C.1.1);
	// the aggregate URL when the media has none or "*".
	Control     *url.URL
	PayloadType uint8
	Codec       string // the encoding name upper-cased: "H264", "H265"; static types by number
	ClockRate   uint32
	FMTP        map[string]string // the a=fmtp parameters of PayloadType, keys lower-cased
}

// Description is a parsed session description (DESCRIBE's body).
type Description struct {
	// Base is the URL relative control URLs were resolved against (Content-Base,
	// Content-Location or the request URL), without user information.
	Base *url.URL
	// Control is the aggregate control URL (for PLAY and TEARDOWN): the session-level
	// a=control resolved against Base, else Base.
	Control *url.URL
	Medias  []Media
	Raw     []byte
}

// MaxMedias bounds the media sections read from one description.
const MaxMedias = 16

// ParseDescription parses an SDP (RFC 4566) with pion/sdp. Cameras send SDP that strict
// parsers refuse (no s= line, LF line ends, stray spaces, unknown lines out of order): when
// pion/sdp refuses it, the m=, a=rtpmap, a=fmtp and a=control lines are read directly, which
// is all recording needs. base resolves relative control URLs.
func ParseDescription(body []byte, base *url.URL) (*Description, error) {
	if base == nil {
		return nil, custodian.Errorf(custodian.EINVALID, "SDP의 기준 URL이 없습니다", "no base URL for the SDP")
	}
	if len(body) > MaxBody {
		return nil, custodian.Errorf(custodian.EINVALID, "SDP가 %d바이트보다 깁니다", "the SDP is longer than %d bytes", MaxBody)
	}
	b := *base
	b.User = nil
	base = &b
	d := &Description{Base: base, Raw: body}
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	medias, sessionControl, ok := strictSDP(text)
	if !ok {
		medias, sessionControl = tolerantSDP(text)
	}
	if len(medias) == 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "SDP에 미디어(m=)가 없습니다", "the SDP has no media (m=) section")
	}
	if len(medias) > MaxMedias {
		return nil, custodian.Errorf(custodian.EINVALID, "SDP의 미디어가 %d개로 너무 많습니다", "the SDP has too many media sections (%d)", len(medias))
	}
	aggregate := base
	if sessionControl = strings.TrimSpace(sessionControl); sessionControl != "" && sessionControl != "*" {
		if u, err := resolve(base, sessionControl); err == nil {
			aggregate = u
		}
	}
	d.Control = aggregate
	// A media section that cannot be used (not RTP, a control URL that does not parse) is
	// left out rather than failing the others.
	var first error
	for _, rm := range medias {
		m, err := rm.media(base, aggregate)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		d.Medias = append(d.Medias, m)
	}
	if len(d.Medias) == 0 {
		return nil, first
	}
	return d, nil
}

// rawMedia is a media section before interpretation.
type rawMedia struct {
	typ     string
	formats []string
	attrs   [][2]string
}

func (rm rawMedia) media(base, aggregate *url.URL) (Media, error) {
	m := Media{Type: strings.ToLower(rm.typ), Control: aggregate, FMTP: map[string]string{}}
	if len(rm.formats) == 0 {
		return m, custodian.Errorf(custodian.EINVALID, "SDP의 %s 미디어에 형식이 없습니다", "the SDP's %s media has no format", clip(rm.typ))
	}
	// The first format that is H.264 or H.265, else the first.
	type fmtInfo struct {
		codec string
		clock uint32
	}
	infos := map[string]fmtInfo{}
	fmtps := map[string]string{}
	control := ""
	for _, a := range rm.attrs {
		switch a[0] {
		case "rtpmap":
			pt, enc, ok := cutSpace(a[1])
			if !ok {
				continue
			}
			name, rest, _ := strings.Cut(strings.TrimSpace(enc), "/")
			clock, _ := strconv.ParseUint(strings.Split(rest, "/")[0], 10, 32)
			infos[pt] = fmtInfo{strings.ToUpper(name), uint32(clock)}
		case "fmtp":
			pt, params, _ := cutSpace(a[1])
			if _, dup := fmtps[pt]; !dup {
				fmtps[pt] = params
			}
		case "control":
			control = strings.TrimSpace(a[1])
		}
	}
	chosen := rm.formats[0]
	for _, f := range rm.formats {
		if c := infos[f].codec; c == "H264" || c == "H265" {
			chosen = f
			break
		}
	}
	pt, err := strconv.ParseUint(chosen, 10, 7)
	if err != nil {
		return m, custodian.Errorf(custodian.EINVALID, "SDP의 페이로드 형식 %q가 잘못되었습니다", "bad payload type %q in the SDP", clip(chosen))
	}
	m.PayloadType = uint8(pt)
	if info, ok := infos[chosen]; ok {
		m.Codec, m.ClockRate = info.codec, info.clock
	} else {
		m.Codec, m.ClockRate = staticType(uint8(pt))
	}
	for _, p := range strings.Split(fmtps[chosen], ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
			m.FMTP[k] = strings.TrimSpace(v)
		}
	}
	if control != "" && control != "*" {
		// Relative controls resolve against the base (Content-Base) URL.
		u, err := resolve(base, control)
		if err != nil {
			return m, custodian.Errorf(custodian.EINVALID, "SDP의 control URL %q를 읽을 수 없습니다", "cannot parse the SDP's control URL %q", clip(redactString(control)))
		}
		m.Control = u
	}
	return m, nil
}

// resolve resolves a control URL against base the way ffmpeg and live555 do, which is
// what cameras are made to work with: an absolute URL stands; a relative one is appended
// to the base, with a '/' between unless one is there. RFC 3986 resolution would lose the
// query of a base such as Dahua's "rtsp://h/cam/realmonitor?channel=1&subtype=0/".
func resolve(base *url.URL, ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	if r.IsAbs() {
		if r.Host == "" {
			return nil, custodian.Errorf(custodian.EINVALID, "호스트가 없는 URL", "a URL without a host")
		}
		r.User = nil
		return r, nil
	}
	b := *base
	b.User = nil
	s := b.String()
	if !strings.HasSuffix(s, "/") && !strings.HasPrefix(ref, "/") {
		s += "/"
	}
	u, err := url.Parse(s + ref)
	if err != nil {
		return nil, err
	}
	u.User = nil
	return u, nil
}

// staticType names the static RTP payload types (RFC 3551) a camera may use.
func staticType(pt uint8) (string, uint32) {
	switch pt {
	case 0:
		return "PCMU", 8000
	case 8:
		return "PCMA", 8000
	case 14:
		return "MPA", 90000
	case 26:
		return "JPEG", 90000
	case 32:
		return "MPV", 90000
	case 33:
		return "MP2T", 90000
	}
	return "", 0
}

// cutSpace cuts s (trimmed) around its first run of spaces or tabs.
func cutSpace(s string) (string, string, bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, "", false
	}
	return s[:i], strings.TrimSpace(s[i:]), true
}

// strictSDP reads the media sections with pion/sdp; false when it refuses the text.
func strictSDP(text string) ([]rawMedia, string, bool) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(strings.ReplaceAll(text, "\n", "\r\n")); err != nil {
		return nil, "", false
	}
	var medias []rawMedia
	sessionControl := ""
	for _, a := range sd.Attributes {
		if a.Key == "control" && sessionControl == "" {
			sessionControl = a.Value
		}
	}
	for _, md := range sd.MediaDescriptions {
		m := rawMedia{typ: md.MediaName.Media, formats: md.MediaName.Formats}
		for _, a := range md.Attributes {
			m.attrs = append(m.attrs, [2]string{a.Key, a.Value})
		}
		medias = append(medias, m)
	}
	return medias, sessionControl, true
}

// tolerantSDP reads media sections line by line.
func tolerantSDP(text string) ([]rawMedia, string) {
	var out []rawMedia
	sessionControl := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if len(line) < 2 || line[1] != '=' {
			continue
		}
		switch line[0] {
		case 'm':
			if len(out) >= MaxMedias+1 {
				return out, sessionControl
			}
			f := strings.Fields(line[2:])
			m := rawMedia{}
			if len(f) > 0 {
				m.typ = f[0]
			}
			if len(f) > 3 {
				m.formats = f[3:]
			}
			out = append(out, m)
		case 'a':
			k, v, _ := strings.Cut(line[2:], ":")
			if len(out) == 0 {
				if k == "control" && sessionControl == "" {
					sessionControl = strings.TrimSpace(v)
				}
				continue
			}
			m := &out[len(out)-1]
			if len(m.attrs) < 256 {
				m.attrs = append(m.attrs, [2]string{k, v})
			}
		}
	}
	return out, sessionControl
}
