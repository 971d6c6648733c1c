package web

import (
	"net/http"
	"strconv"

	"custodian"
	"custodian/auditlog"
)

// apiCheckpoints publishes the access log's signed checkpoints for an external witness:
// GET /api/audit/checkpoints?since=N returns those after seq N, oldest first, with the
// public key that verifies them (auditlog.CheckpointList; at most auditlog.MaxListed,
// "more" when there are more). It needs accesslog.read over the whole organisation: the
// witness logs in as an account of its own with the auditor role (docs/OPERATIONS.md,
// "Publishing checkpoints"). What it keeps is what 'custodian audit verify --witness
// FILE' checks the log against.
func (s *Server) apiCheckpoints(w http.ResponseWriter, r *http.Request, c *call) {
	var since uint64
	if q := r.URL.Query().Get("since"); q != "" {
		n, err := strconv.ParseUint(q, 10, 64)
		if err != nil {
			s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "since는 0 이상의 일련번호여야 합니다 (%q)", "since must be a sequence number, 0 or more (%q)", q))
			return
		}
		since = n
	}
	if s.Console.Log == nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.EINTERNAL, "접근 기록이 열려 있지 않습니다", "the access log is not open"))
		return
	}
	list, err := auditlog.ListCheckpoints(s.Console.LogDir, s.Console.Log.PublicKey(), since)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}
