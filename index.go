package custodian

import "strconv"

// Index gives fast access to a registry's entities by ID. It is built by (*Registry).Index
// and is not updated when the registry changes.
type Index struct {
	r         *Registry
	sites     map[string]*Site
	groups    map[string]*CameraGroup
	groupSite map[string]string
	cameras   map[string]*Camera
	camGroup  map[string]string
	purposes  map[string]*Purpose
	retention map[string]*RetentionClass
	people    map[string]*Person
	forms     map[string]*Form
	children  map[string][]string
}

// Index builds an index of r. With duplicate IDs the first one wins (Validate reports them).
func (r *Registry) Index() *Index {
	x := &Index{
		r:         r,
		sites:     map[string]*Site{},
		groups:    map[string]*CameraGroup{},
		groupSite: map[string]string{},
		cameras:   map[string]*Camera{},
		camGroup:  map[string]string{},
		purposes:  map[string]*Purpose{},
		retention: map[string]*RetentionClass{},
		people:    map[string]*Person{},
		forms:     map[string]*Form{},
		children:  map[string][]string{},
	}
	for i := range r.Sites {
		s := &r.Sites[i]
		if _, dup := x.sites[s.ID]; !dup {
			x.sites[s.ID] = s
		}
		for j := range s.CameraGroups {
			g := &s.CameraGroups[j]
			if _, dup := x.groups[g.ID]; !dup {
				x.groups[g.ID] = g
				x.groupSite[g.ID] = s.ID
			}
			for k := range g.Cameras {
				c := &g.Cameras[k]
				if _, dup := x.cameras[c.ID]; !dup {
					x.cameras[c.ID] = c
					x.camGroup[c.ID] = g.ID
				}
			}
		}
	}
	for i := range r.Sites {
		s := &r.Sites[i]
		if s.Parent != "" && x.sites[s.Parent] != nil && x.sites[s.ID] == s {
			x.children[s.Parent] = append(x.children[s.Parent], s.ID)
		}
	}
	for i := range r.Purposes {
		if _, dup := x.purposes[r.Purposes[i].ID]; !dup {
			x.purposes[r.Purposes[i].ID] = &r.Purposes[i]
		}
	}
	for i := range r.RetentionClasses {
		if _, dup := x.retention[r.RetentionClasses[i].ID]; !dup {
			x.retention[r.RetentionClasses[i].ID] = &r.RetentionClasses[i]
		}
	}
	for i := range r.People {
		if _, dup := x.people[r.People[i].ID]; !dup {
			x.people[r.People[i].ID] = &r.People[i]
		}
	}
	for i := range r.Forms {
		if _, dup := x.forms[r.Forms[i].ID]; !dup {
			x.forms[r.Forms[i].ID] = &r.Forms[i]
		}
	}
	return x
}

// Site returns the site with the given ID, or nil.
func (x *Index) Site(id string) *Site { return x.sites[id] }

// CameraGroup returns the camera group with the given ID and the ID of its site.
func (x *Index) CameraGroup(id string) (*CameraGroup, string) { return x.groups[id], x.groupSite[id] }

// Camera returns the camera with the given ID and the ID of its group, or nil.
func (x *Index) Camera(id string) (*Camera, string) { return x.cameras[id], x.camGroup[id] }

// Cameras lists every camera of the registry in registry order, with its group's ID.
func (x *Index) Cameras() (cams []*Camera, groups []string) {
	for i := range x.r.Sites {
		for j := range x.r.Sites[i].CameraGroups {
			g := &x.r.Sites[i].CameraGroups[j]
			for k := range g.Cameras {
				cams = append(cams, &g.Cameras[k])
				groups = append(groups, g.ID)
			}
		}
	}
	return cams, groups
}

// FootageGroup returns the camera group whose retention applies to footage filed under id:
// a camera's group, or the group itself when id names a camera group (footage imported
// for a whole group with 'custodian ingest-file').
func (x *Index) FootageGroup(id string) *CameraGroup {
	if g := x.groups[id]; g != nil {
		return g
	}
	if gid, ok := x.camGroup[id]; ok {
		return x.groups[gid]
	}
	return nil
}

// Purpose returns the purpose with the given ID, or nil.
func (x *Index) Purpose(id string) *Purpose { return x.purposes[id] }

// RetentionClass returns the retention class with the given ID, or nil.
func (x *Index) RetentionClass(id string) *RetentionClass { return x.retention[id] }

// Person returns the person with the given ID, or nil.
func (x *Index) Person(id string) *Person { return x.people[id] }

// Form returns the form with the given ID, or nil.
func (x *Index) Form(id string) *Form { return x.forms[id] }

// Children returns the IDs of the sites whose parent is id, in registry order.
func (x *Index) Children(id string) []string { return x.children[id] }

// Roots returns the IDs of the sites with no parent (or a parent that does not exist), in
// registry order.
func (x *Index) Roots() []string {
	var out []string
	for _, s := range x.r.Sites {
		if s.Parent == "" || x.sites[s.Parent] == nil {
			out = append(out, s.ID)
		}
	}
	return out
}

// Ancestors returns the IDs of the site's parent, grandparent ..., stopping at a cycle.
func (x *Index) Ancestors(id string) []string {
	var out []string
	seen := map[string]bool{id: true}
	for s := x.sites[id]; s != nil && s.Parent != "" && !seen[s.Parent]; s = x.sites[s.Parent] {
		seen[s.Parent] = true
		out = append(out, s.Parent)
	}
	return out
}

// SiteTotal returns the number of cameras at the site and every site below it.
func (x *Index) SiteTotal(id string) int {
	return x.siteTotal(id, map[string]bool{})
}

func (x *Index) siteTotal(id string, seen map[string]bool) int {
	if seen[id] {
		return 0
	}
	seen[id] = true
	s := x.sites[id]
	if s == nil {
		return 0
	}
	n := 0
	for _, g := range s.CameraGroups {
		n += g.Count
	}
	for _, c := range x.children[id] {
		n += x.siteTotal(c, seen)
	}
	return n
}

// SignboardSites returns the sites whose cameras the signboard (안내판) of site id covers,
// the site first: the site and the sites below it that are parts of it (kind building or
// area); or, for a site with no cameras of its own (an umbrella such as "천안센터"), every
// site below it. A subordinate office or branch has its own premises and its own sign.
func (x *Index) SignboardSites(id string) []string {
	s := x.sites[id]
	if s == nil {
		return nil
	}
	own := len(s.CameraGroups) > 0
	out := []string{id}
	seen := map[string]bool{id: true}
	var walk func(string)
	walk = func(p string) {
		for _, c := range x.children[p] {
			if seen[c] {
				continue
			}
			seen[c] = true
			if k := x.sites[c].Kind; own && k != SiteBuilding && k != SiteArea {
				continue
			}
			out = append(out, c)
			walk(c)
		}
	}
	walk(id)
	return out
}

// SignboardTotal returns the number of cameras the site's signboard covers.
func (x *Index) SignboardTotal(id string) int {
	n := 0
	for _, sid := range x.SignboardSites(id) {
		for _, g := range x.sites[sid].CameraGroups {
			n += g.Count
		}
	}
	return n
}

// Total returns the number of cameras of the organisation.
func (x *Index) Total() int {
	n := 0
	for _, s := range x.r.Sites {
		for _, g := range s.CameraGroups {
			n += g.Count
		}
	}
	return n
}

// SiteName returns the name of the site with the given ID, or the ID if it does not exist.
func (x *Index) SiteName(id string) string {
	if s := x.sites[id]; s != nil {
		return s.Name
	}
	return id
}

// PeopleFor returns the people responsible for the site: those whose Sites include it or one
// of its ancestors, then those for the whole organisation. Within each, registry order.
func (x *Index) PeopleFor(siteID string) []*Person {
	scope := map[string]bool{siteID: true}
	for _, a := range x.Ancestors(siteID) {
		scope[a] = true
	}
	var local, global []*Person
	for i := range x.r.People {
		p := &x.r.People[i]
		if len(p.Sites) == 0 {
			global = append(global, p)
			continue
		}
		for _, s := range p.Sites {
			if scope[s] {
				local = append(local, p)
				break
			}
		}
	}
	return append(local, global...)
}

// RetentionDaysMax returns the longest the class can keep footage, in days: the days, or
// 31 days a month.
func (c *RetentionClass) RetentionDaysMax() int {
	if c.RetentionMonths > 0 {
		return c.RetentionMonths * 31
	}
	return c.RetentionDays
}

// PeriodEnglish returns the retention period in English: "30 days", "6 months".
func (c *RetentionClass) PeriodEnglish() string {
	n, unit := c.RetentionDays, "day"
	if c.RetentionMonths > 0 {
		n, unit = c.RetentionMonths, "month"
	}
	if n != 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit
}

// PeriodKorean returns the retention period as the policy states it: the label when set,
// else "30일" or "6개월".
func (c *RetentionClass) PeriodKorean() string {
	if c.RetentionLabel != "" {
		return c.RetentionLabel
	}
	if c.RetentionMonths > 0 {
		return strconv.Itoa(c.RetentionMonths) + "개월"
	}
	return strconv.Itoa(c.RetentionDays) + "일"
}
