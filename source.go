package custodian

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// A camera's source, its stored credentials and whether it records are what the
// permission table gives only to cameras.manage (docs/PERMISSIONS.md): whoever controls
// them chooses what is recorded, and where the stored camera password is sent. The
// registry editor (registry.edit) may change everything else about a camera.

// SourceOrigin returns the origin of a source URL, scheme://host:port, lower-cased and
// with the scheme's default port written out (rtsp 554, rtsps 322, http 80, https 443):
// what a stored camera password is bound to. It returns "" for a URL without a scheme or
// host.
func SourceOrigin(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Scheme == "" || u.Hostname() == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"rtsp": "554", "rtsps": "322", "http": "80", "https": "443"}[scheme]
	}
	host := strings.ToLower(u.Hostname())
	if port == "" {
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// FFmpegSchemes are the URL schemes an ffmpeg source may use: network streams only. A
// local path, file:, pipe:, concat: and every other ffmpeg protocol are refused.
var FFmpegSchemes = []string{"rtsp", "rtsps", "http", "https"}

// forbiddenHosts are host names that reach a cloud machine's metadata service.
var forbiddenHosts = []string{"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}

// CheckSourceAddr refuses the addresses an ffmpeg source may not reach: link-local
// addresses (169.254.0.0/16 and fe80::/10, where cloud metadata services answer), the
// unspecified address, multicast, and the metadata services' host names. Loopback and
// private addresses are allowed (cameras and simulators live there). host is a host name
// or an IP address; an error names what is wrong.
func CheckSourceAddr(host string) *Error {
	h := strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	for _, f := range forbiddenHosts {
		if h == f {
			return Errorf(EINVALID, "호스트 %q는 클라우드 메타데이터 서비스이므로 출처로 쓸 수 없습니다", "the host %q is a cloud metadata service and cannot be a source", clipText(host))
		}
	}
	if i := strings.IndexByte(h, '%'); i >= 0 {
		h = h[:i] // a zone: fe80::1%eth0
	}
	ip, err := netip.ParseAddr(h)
	if err != nil {
		return nil // a name: checked again where it is resolved
	}
	return CheckSourceIP(ip)
}

// CheckSourceIP is CheckSourceAddr for an address a name resolved to.
func CheckSourceIP(ip netip.Addr) *Error {
	ip = ip.Unmap()
	switch {
	case ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast():
		return Errorf(EINVALID, "주소 %s는 링크 로컬 주소(169.254.0.0/16, fe80::/10)이므로 ffmpeg 출처로 쓸 수 없습니다",
			"the address %s is link-local (169.254.0.0/16, fe80::/10) and cannot be an ffmpeg source", ip)
	case ip.IsUnspecified():
		return Errorf(EINVALID, "주소 %s는 지정되지 않은 주소이므로 출처로 쓸 수 없습니다", "the address %s is unspecified and cannot be a source", ip)
	case ip.IsMulticast():
		return Errorf(EINVALID, "주소 %s는 멀티캐스트 주소이므로 ffmpeg 출처로 쓸 수 없습니다", "the address %s is multicast and cannot be an ffmpeg source", ip)
	}
	return nil
}

// clipText shortens a value quoted in a message.
func clipText(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}

// SourceChange is one change to a camera's source, credentials or recording: a change
// only cameras.manage may make. Values never hold a password.
type SourceChange struct {
	Camera string
	// Path is the field's path in the new registry (in the old one for a removed camera):
	// "sites[0].camera_groups[1].cameras[0].source.url".
	Path string
	// Field is the camera's field: "enabled", "source", "source.url", "source.kind",
	// "source.user", "source.password_file", "source.transport", "source.transcode",
	// "source.allow_basic_auth".
	Field    string
	Old, New string
}

// String is "camera lobby-1: source.url rtsp://a/1 → rtsp://b/1".
func (c SourceChange) String() string {
	if c.Old == c.New {
		return fmt.Sprintf("%s: %s", c.Camera, c.Field)
	}
	return fmt.Sprintf("%s: %s %s → %s", c.Camera, c.Field, quoteOrNone(c.Old), quoteOrNone(c.New))
}

func quoteOrNone(s string) string {
	if s == "" {
		return "(없음/none)"
	}
	return strconv.Quote(clipText(s))
}

type cameraAt struct {
	cam  Camera
	path string
}

func camerasByID(r *Registry) (map[string]cameraAt, []string) {
	m := map[string]cameraAt{}
	var order []string
	if r == nil {
		return m, nil
	}
	for i, s := range r.Sites {
		for j, g := range s.CameraGroups {
			for k, c := range g.Cameras {
				if _, dup := m[c.ID]; !dup {
					order = append(order, c.ID)
				}
				m[c.ID] = cameraAt{c, fmt.Sprintf("sites[%d].camera_groups[%d].cameras[%d]", i, j, k)}
			}
		}
	}
	return m, order
}

// SourceChanges lists what next changes, against cur (nil: no registry yet), in the
// sources, credentials and recording of cameras: a camera added with a source or enabled,
// a camera removed that had one or recorded, and every changed field of a source (a new
// password_file is a change of credentials). Everything else about cameras (their
// location, their group) is not listed.
func SourceChanges(cur, next *Registry) []SourceChange {
	old, _ := camerasByID(cur)
	now, order := camerasByID(next)
	var out []SourceChange
	for _, id := range order {
		n := now[id]
		out = append(out, cameraChanges(id, n.path, old[id].cam, n.cam)...)
	}
	_, oldOrder := camerasByID(cur)
	for _, id := range oldOrder {
		if _, kept := now[id]; kept {
			continue
		}
		o := old[id]
		for _, c := range cameraChanges(id, o.path, o.cam, Camera{ID: id}) {
			c.Field = "(removed) " + c.Field
			out = append(out, c)
		}
	}
	return out
}

func cameraChanges(id, path string, o, n Camera) []SourceChange {
	var out []SourceChange
	add := func(field, ov, nv string) {
		out = append(out, SourceChange{Camera: id, Path: path + "." + field, Field: field, Old: ov, New: nv})
	}
	if o.Enabled != n.Enabled {
		add("enabled", strconv.FormatBool(o.Enabled), strconv.FormatBool(n.Enabled))
	}
	switch {
	case o.Source == nil && n.Source == nil:
	case o.Source == nil || n.Source == nil:
		var ov, nv string
		if o.Source != nil {
			ov = o.Source.URL
		}
		if n.Source != nil {
			nv = n.Source.URL
		}
		add("source", ov, nv)
		if n.Source != nil && n.Source.PasswordFile != "" {
			add("source.password_file", "", "(새 비밀번호/new password)")
		}
	default:
		os, ns := o.Source, n.Source
		if os.URL != ns.URL {
			add("source.url", os.URL, ns.URL)
		}
		if os.SourceKind() != ns.SourceKind() {
			add("source.kind", os.SourceKind(), ns.SourceKind())
		}
		if os.User != ns.User {
			add("source.user", os.User, ns.User)
		}
		if ns.PasswordFile != "" {
			add("source.password_file", "", "(새 비밀번호/new password)")
		}
		if transport(os.Transport) != transport(ns.Transport) {
			add("source.transport", transport(os.Transport), transport(ns.Transport))
		}
		if os.Transcode != ns.Transcode {
			add("source.transcode", strconv.FormatBool(os.Transcode), strconv.FormatBool(ns.Transcode))
		}
		if os.AllowBasicAuth != ns.AllowBasicAuth {
			add("source.allow_basic_auth", strconv.FormatBool(os.AllowBasicAuth), strconv.FormatBool(ns.AllowBasicAuth))
		}
	}
	return out
}

func transport(t string) string {
	if t == "" {
		return "tcp"
	}
	return t
}

// MaxListed is how many items an error message lists before "and N more".
const MaxListed = 20

// SourceChangesText lists changes one a line ("  - lobby-1: source.url ..."), at most
// MaxListed, then how many more there are.
func SourceChangesText(cs []SourceChange) string {
	var b strings.Builder
	for i, c := range cs {
		if i == MaxListed {
			fmt.Fprintf(&b, "\n  … 외 %d건 (and %d more)", len(cs)-i, len(cs)-i)
			break
		}
		b.WriteString("\n  - ")
		b.WriteString(c.Path)
		b.WriteString(" (")
		b.WriteString(c.String())
		b.WriteString(")")
	}
	return b.String()
}
