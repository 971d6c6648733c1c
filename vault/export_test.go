package vault

// SealLegacySecret seals a camera password as Custodian did before passwords were bound to
// a host (migration 9), for the upgrade test.
func SealLegacySecret(v *Vault, camera, user, password string) ([]byte, string) {
	a, id, err := v.masterAEAD()
	if err != nil {
		panic(err)
	}
	sealed, err := seal(a, []byte(password), secretAD(camera, user, ""))
	if err != nil {
		panic(err)
	}
	return sealed, id
}

// ReadAllUnhashed is the playback's whole-segment read, which relies on the chunks'
// authentication alone.
func (s *Segment) ReadAllUnhashed() ([]byte, error) { return s.readAll(false, false) }
