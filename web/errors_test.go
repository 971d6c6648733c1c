package web

import (
	"net/http"
	"testing"

	"custodian"
)

// Every error code has its HTTP status, decided in one place (httpStatus).
func TestHTTPStatusOfEveryCode(t *testing.T) {
	want := map[string]int{
		custodian.EINVALID: 400, custodian.ENOTFOUND: 404, custodian.ECONFLICT: 409, custodian.EUNAUTHORIZED: 403,
		custodian.ERATELIMIT: 429, custodian.EUNAVAILABLE: 503, custodian.EINTERNAL: 500,
	}
	if len(want) != len(custodian.Codes) {
		t.Fatalf("the test knows %d codes, the domain declares %d", len(want), len(custodian.Codes))
	}
	for _, code := range custodian.Codes {
		if got := httpStatus(custodian.Errorf(code, "x", "x")); got != want[code] {
			t.Errorf("code %q: HTTP %d, want %d", code, got, want[code])
		}
	}
	if got := httpStatus(&custodian.ValidationError{}); got != http.StatusBadRequest {
		t.Errorf("a validation error: HTTP %d", got)
	}
}
