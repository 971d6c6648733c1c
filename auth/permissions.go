package auth

import (
	"slices"
	"strings"
	"time"

	"custodian"
)

// Role is what an account may do (PRODUCT.md, "Who uses it"; the seed policies' 총괄책임자,
// 관리책임자, 운영책임자, 접근권한자).
//
// Roles are defined once, in roleTable below: the roles that are also people's roles in
// the registry take their IDs and their legal names from the domain (custodian.RoleChief
// and custodian.RoleNames); the others (auditor, agency, admin) exist only as accounts and
// are named here. Roles, the permission table and RoleName are all derived from the table;
// the database's CHECK on account_grants.role is kept equal to Roles by a test.
type Role string

// Roles.
const (
	RoleChief          Role = custodian.RoleChief          // 총괄책임자
	RoleManager        Role = custodian.RoleManager        // 관리책임자
	RoleOperationsLead Role = custodian.RoleOperationsLead // 운영책임자
	RoleAccessHolder   Role = custodian.RoleAccessHolder   // 접근권한자
	RoleAuditor        Role = "auditor"                    // reads the access log; sees no footage
	RoleAgency         Role = "agency"                     // outside agency: live view of the cameras an agreement names, until it ends
	RoleAdmin          Role = "admin"                      // accounts and system; no footage unless also given a footage role
)

// roleDef is one role: its names (empty for the registry's roles, whose names are
// custodian.RoleNames) and the actions it may take, within its scope.
type roleDef struct {
	role    Role
	ko, en  string
	actions []Action
}

// roleTable is the one definition of the roles, in the order of the permission table
// (docs/PERMISSIONS.md shows it; a test keeps the two the same).
var roleTable = []roleDef{
	{RoleChief, "", "", []Action{FootageLive, FootagePlayback, FootageExport, FootageDelete, HoldsManage, RequestsRead, RequestsDecide,
		RegistryRead, RegistryEdit, PolicyPublish, AccessLogRead, AccessLogReview, CamerasHealth, ProvisionsManage, ProvisionsApprove}},
	{RoleManager, "", "", []Action{FootageLive, FootagePlayback, FootageExport, FootageDelete, HoldsManage, RequestsRead, RequestsDecide,
		RegistryRead, RegistryEdit, PolicyPublish, AccessLogRead, AccessLogReview, CamerasHealth, ProvisionsManage, ProvisionsApprove}},
	{RoleOperationsLead, "", "", []Action{FootageLive, FootagePlayback, FootageExport, RequestsRead, RegistryRead, CamerasHealth, ProvisionsManage}},
	{RoleAccessHolder, "", "", []Action{FootageLive, FootagePlayback, RegistryRead, CamerasHealth}},
	{RoleAuditor, "감사자", "auditor", []Action{RegistryRead, AccessLogRead, AccessLogReview}},
	{RoleAgency, "외부 기관", "outside agency", []Action{FootageLive, ProvisionsRequest}},
	{RoleAdmin, "시스템 관리자", "administrator", []Action{RegistryRead, CamerasHealth, CamerasManage, UsersManage, SystemManage}},
}

// Roles lists every role in the order of the permission table.
var Roles = func() []Role {
	out := make([]Role, len(roleTable))
	for i, d := range roleTable {
		out[i] = d.role
	}
	return out
}()

// RoleName returns a role's name in lang ("ko" or "en"), or the role itself if unknown.
func RoleName(role, lang string) string {
	for _, d := range roleTable {
		if string(d.role) != role {
			continue
		}
		if d.ko == "" {
			for _, n := range custodian.RoleNames {
				if n.Role == role {
					d.ko, d.en = n.Ko, n.En
				}
			}
		}
		if lang == "en" {
			return d.en
		}
		return d.ko
	}
	return role
}

// Action is one thing the console or the API does.
type Action string

// Actions.
const (
	FootageLive     Action = "footage.live"     // live view
	FootagePlayback Action = "footage.playback" // recorded footage
	FootageExport   Action = "footage.export"   // a clip leaves the system
	FootageDelete   Action = "footage.delete"   // deletion on a data subject's request
	HoldsManage     Action = "holds.manage"
	RequestsRead    Action = "requests.read"
	RequestsDecide  Action = "requests.decide"
	RegistryRead    Action = "registry.read"
	RegistryEdit    Action = "registry.edit"
	PolicyPublish   Action = "policy.publish"
	AccessLogRead   Action = "accesslog.read"
	AccessLogReview Action = "accesslog.review"
	CamerasHealth   Action = "cameras.health"
	CamerasManage   Action = "cameras.manage" // sources, credentials, enabling
	UsersManage     Action = "users.manage"
	SystemManage    Action = "system.manage"
	// Provision to third parties and use beyond purpose (docs/design/provisions.md).
	ProvisionsRequest Action = "provisions.request" // an agency files a request under its agreement and follows its own
	ProvisionsManage  Action = "provisions.manage"  // staff enter, list, deliver and close provisions
	ProvisionsApprove Action = "provisions.approve" // the responsible manager approves or refuses
)

// Actions lists every action in the order of the permission table.
var Actions = []Action{FootageLive, FootagePlayback, FootageExport, FootageDelete, HoldsManage, RequestsRead, RequestsDecide,
	RegistryRead, RegistryEdit, PolicyPublish, AccessLogRead, AccessLogReview, CamerasHealth, CamerasManage, UsersManage, SystemManage,
	ProvisionsRequest, ProvisionsManage, ProvisionsApprove}

// FootageActions are the actions that show footage: every one asks for a purpose and is
// written to the access log, and needs a second factor.
var FootageActions = []Action{FootageLive, FootagePlayback, FootageExport, FootageDelete}

// permissions is the permission table, from roleTable.
var permissions = func() map[Role][]Action {
	m := make(map[Role][]Action, len(roleTable))
	for _, d := range roleTable {
		m[d.role] = d.actions
	}
	return m
}()

// Allows reports whether role may take action at all (before scope).
func Allows(role Role, action Action) bool { return slices.Contains(permissions[role], action) }

// NeedsSecondFactor reports whether a role can see footage, and so must log in with TOTP.
func NeedsSecondFactor(role Role) bool {
	for _, a := range FootageActions {
		if Allows(role, a) {
			return true
		}
	}
	return false
}

// Grant is a role given to an account over a scope.
type Grant struct {
	Role Role
	// All: the whole organisation. Otherwise Sites (each with the sites below it) and
	// Cameras (camera or camera group IDs).
	All     bool
	Sites   []string
	Cameras []string
	// Until, when set, ends the grant (an agency's agreement): it does not apply at or
	// after this time.
	Until time.Time
}

// Target is what an action is about: a camera (or group) and the sites it is in, from its
// own site up to the root. Organisation-wide actions (publishing the policy, accounts) have
// an empty target.
type Target struct {
	Camera string
	Group  string // the camera's group, which a grant may name instead of the camera
	Sites  []string
}

// covers reports whether g's scope includes t at now.
func (g Grant) covers(t Target, now time.Time) bool {
	if !g.Until.IsZero() && !now.Before(g.Until) {
		return false
	}
	if g.All {
		return true
	}
	if t.Camera == "" && len(t.Sites) == 0 {
		return false // an organisation-wide action needs an organisation-wide grant
	}
	if t.Camera != "" && slices.Contains(g.Cameras, t.Camera) {
		return true
	}
	if t.Group != "" && slices.Contains(g.Cameras, t.Group) {
		return true
	}
	for _, s := range t.Sites {
		if slices.Contains(g.Sites, s) {
			return true
		}
	}
	return false
}

// Can is the one place permissions are decided: whether an account with grants may take
// action on target at now. A disabled account has no grants.
func Can(grants []Grant, action Action, target Target, now time.Time) bool {
	for _, g := range grants {
		if Allows(g.Role, action) && g.covers(target, now) {
			return true
		}
	}
	return false
}

// CanSome reports whether an account with grants may take action on at least part of the
// organisation at now: the check for pages that list what is in scope (the cameras one may
// view, the requests one may read), whose contents are then filtered with Can.
func CanSome(grants []Grant, action Action, now time.Time) bool {
	for _, g := range grants {
		if Allows(g.Role, action) && (g.Until.IsZero() || now.Before(g.Until)) && (g.All || len(g.Sites) > 0 || len(g.Cameras) > 0) {
			return true
		}
	}
	return false
}

// PermissionTable renders the permission table as Markdown (docs/PERMISSIONS.md).
func PermissionTable() string {
	var b strings.Builder
	b.WriteString("| action |")
	for _, r := range Roles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|")
	for range Roles {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, a := range Actions {
		b.WriteString("| `" + string(a) + "` |")
		for _, r := range Roles {
			if Allows(r, a) {
				b.WriteString(" ✓ |")
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
