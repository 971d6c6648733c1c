package web

import (
	"time"

	"custodian"
	"custodian/footage"
)

// door returns the one door to footage (docs/design/footage-access.md): the console's, or
// one over its vault and access log.
func (s *Server) door() custodian.FootageDoor {
	if s.Console.Door != nil {
		return s.Console.Door
	}
	d := &footage.Door{Log: s.Console.Log, Now: s.Now}
	if s.Console.Vault != nil {
		d.Vault = s.Console.Vault
	}
	return d
}

// access is an access to footage by the caller.
func (c *call) access(use string, cameras []string, from, to time.Time, purpose, object, detail string) custodian.FootageAccess {
	return custodian.FootageAccess{Actor: c.actor(), Source: c.source, Use: use, Cameras: cameras, From: from, To: to,
		Purpose: purpose, Object: object, Detail: detail}
}
