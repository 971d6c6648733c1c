package web

import (
	"context"
	"sync"

	"custodian"
)

// registryCache keeps the registry last read and its index, shared read-only by the
// requests that follow until the stored revision changes. A request then asks the store
// only for the current revision (one small query) instead of decoding the whole registry
// and building its index again, several times per request (docs/BENCHMARKS.md, run 14).
// Nothing may change a registry or index it returns.
type registryCache struct {
	mu   sync.Mutex
	meta custodian.RegistryMeta
	reg  *custodian.Registry
	idx  *custodian.Index
}

// currentRegistry returns the current registry, its index and its revision (ENOTFOUND
// before the first import), read-only.
func (s *Server) currentRegistry(ctx context.Context) (*custodian.Registry, *custodian.Index, custodian.RegistryMeta, error) {
	meta, err := s.Registry.RegistryMeta(ctx)
	if err != nil {
		return nil, nil, meta, err
	}
	c := &s.regs
	c.mu.Lock()
	if c.reg != nil && c.meta.Revision == meta.Revision && c.meta.SHA256 == meta.SHA256 {
		reg, idx, m := c.reg, c.idx, c.meta
		c.mu.Unlock()
		return reg, idx, m, nil
	}
	c.mu.Unlock()
	reg, meta, err := s.Registry.Registry(ctx)
	if err != nil {
		return nil, nil, meta, err
	}
	idx := reg.Index()
	c.mu.Lock()
	if c.reg == nil || meta.Revision >= c.meta.Revision {
		c.meta, c.reg, c.idx = meta, reg, idx
	}
	c.mu.Unlock()
	return reg, idx, meta, nil
}

// registry returns the current registry, read-only (ENOTFOUND before the first import).
func (s *Server) registry(ctx context.Context) (*custodian.Registry, error) {
	reg, _, _, err := s.currentRegistry(ctx)
	return reg, err
}

// index returns the current registry's index, read-only.
func (s *Server) index(ctx context.Context) (*custodian.Index, error) {
	_, idx, _, err := s.currentRegistry(ctx)
	return idx, err
}
