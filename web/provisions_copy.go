package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"custodian"
	"custodian/auth"
	"custodian/export"
)

// Copies for provisions: an approved provision in the form of a copy gets its signed
// evidence package made in the console (export.Make, in the background with its progress,
// as a request's copy is), with a download link the recipient's agency account sees; the
// staff then deliver it with its export ID (the provision's "deliver" step, which checks
// that the export was made for this provision).

func provisionJob(id int64) string { return "provision:" + strconv.FormatInt(id, 10) }

// provisionExportID is the export ID of a provision's copy ("provision-00000042": export
// IDs have at least 8 characters): the same for every attempt, so that an interrupted one
// resumes.
func provisionExportID(id int64) string { return fmt.Sprintf("provision-%08d", id) }

// startProvisionCopy makes the copy of an approved provision.
func (s *Server) startProvisionCopy(ctx context.Context, c *call, idText string) (*custodian.Provision, error) {
	p, err := s.staffProvision(ctx, c, idText, auth.ProvisionsManage)
	if err != nil {
		return nil, err
	}
	switch {
	case s.Console.Exports == nil || s.Console.ExportDir == "" || len(s.Console.SigningKey) == 0:
		return nil, custodian.Errorf(custodian.EUNAVAILABLE, "사본 반출이 설정되지 않았습니다", "copies are not configured on this server")
	case p.Form != custodian.ProvisionCopy:
		return nil, custodian.Errorf(custodian.EINVALID, "제공 기록 %d번은 사본 제공이 아닙니다", "provision %d is not delivered as a copy", p.ID)
	case p.Status != custodian.ProvisionApproved:
		return nil, custodian.Errorf(custodian.ECONFLICT, "제공 기록 %d번은 승인된 뒤에 사본을 만듭니다", "provision %d: the copy is made once it is approved", p.ID)
	}
	id := provisionExportID(p.ID)
	if _, err := s.Console.Exports.Export(ctx, id); err == nil {
		return nil, custodian.Errorf(custodian.ECONFLICT, "제공 기록 %d번의 사본은 이미 만들어졌습니다 (%s): 그 반출 ID로 제공하십시오", "the copy of provision %d was already made (%s): deliver it with that export ID", p.ID, id)
	}
	reg, err := s.registry(ctx)
	if err != nil {
		return nil, err
	}
	ground := ""
	if g := custodian.ProvisionGroundOf(p.Ground); g != nil {
		ground = g.Name("ko")
	}
	recipient := strings.TrimSpace(strings.Join([]string{p.Agency, p.Department, p.Officer}, " "))
	spec := export.Spec{ID: id, Organisation: reg.Organisation.Name, Provision: p.ID, Recipient: recipient, LegalGround: ground,
		Purpose: p.Purpose, Cameras: p.Cameras, From: p.From, To: p.To, ExportedBy: c.actor(), ApprovedBy: p.DeciderName}
	job := &copyJob{Export: id, Started: c.now}
	if !s.copies.start(provisionJob(p.ID), job) {
		return nil, custodian.Errorf(custodian.ECONFLICT, "제공 기록 %d번의 사본을 만드는 중입니다", "the copy of provision %d is being made", p.ID)
	}
	a := c.access(custodian.UseExport, p.Cameras, p.From, p.To, "", id, "copy for the recipient")
	out := filepath.Join(s.Console.ExportDir, id+".zip")
	go func() {
		ctx := context.WithoutCancel(ctx)
		err := func() error {
			if err := os.MkdirAll(s.Console.ExportDir, 0o700); err != nil {
				return err
			}
			e, _, err := export.Make(ctx, s.door(), s.Console.Exports, a, spec, s.Console.SigningKey, out, export.Options{Now: s.Now,
				Progress: func(pr export.Progress) { s.copies.update(provisionJob(p.ID), func(j *copyJob) { j.Progress = pr }) }})
			if err != nil {
				return err
			}
			_, err = s.newCopyLink(ctx, e.ID, a.Actor)
			return err
		}()
		s.copies.update(provisionJob(p.ID), func(j *copyJob) { j.Done, j.Err = true, err })
		if err != nil {
			s.Logger.Warn("provision copy", "provision", p.ID, "export", id, "err", err)
		}
	}()
	return p, nil
}

func (s *Server) provisionCopyPost(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.startProvisionCopy(r.Context(), c, r.PathValue("id"))
	if err != nil {
		if st := httpStatus(err); (st == http.StatusBadRequest || st == http.StatusConflict) && p == nil {
			if q, qerr := s.staffProvision(r.Context(), c, r.PathValue("id"), auth.ProvisionsManage); qerr == nil {
				s.renderProvision(w, r, c, st, q, msgOf(c.lang, err), "")
				return
			}
		}
		s.failFor(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/console/provisions/"+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}

func (s *Server) apiProvisionCopy(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.startProvisionCopy(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"provision": p.ID, "export": provisionExportID(p.ID), "status_url": "/api/provisions/" + strconv.FormatInt(p.ID, 10) + "/copy"})
}

// provisionCopyJSON is a provision's copy: its progress, and its links once made.
func (s *Server) apiProvisionCopyStatus(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.staffProvision(r.Context(), c, r.PathValue("id"), auth.ProvisionsManage)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	out := map[string]any{"provision": p.ID, "export": provisionExportID(p.ID)}
	if j := s.copies.get(provisionJob(p.ID)); j != nil {
		cj := copyJobJSON{Export: j.Export, Camera: j.Progress.Camera, Index: j.Progress.Index, Total: j.Progress.Total, Bytes: j.Progress.Bytes, Done: j.Done}
		if j.Err != nil {
			cj.Error = msgOf(c.lang, j.Err)
		}
		out["copy"] = cj
	}
	var links []copyLinkJSON
	for _, l := range s.linksOf(r.Context(), provisionExportID(p.ID), c.now) {
		links = append(links, copyLinkJSON{l.URL, l.Expires, l.Left})
	}
	out["download_links"] = links
	writeJSON(w, http.StatusOK, out)
}
