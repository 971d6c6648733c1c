package custodian

import "time"

// Inspection is one periodic inspection of the cameras (정상작동 점검): whether each
// recorded camera worked over a period, as the policies promise ("영상정보처리기기의 정상작동
// 여부를 정기적으로 점검"). It is stored append-only.
type Inspection struct {
	ID        int64              `json:"id"`
	At        time.Time          `json:"at"`
	Inspector string             `json:"inspector"`
	From      time.Time          `json:"from"`
	To        time.Time          `json:"to"`
	Normal    bool               `json:"normal"` // every camera passed
	Note      string             `json:"note,omitempty"`
	Cameras   []InspectionCamera `json:"cameras"`
}

// InspectionCamera is one camera's result.
type InspectionCamera struct {
	Camera string `json:"camera"`
	Group  string `json:"group"`
	// Enabled is whether the camera is to be recorded; a disabled camera is listed but
	// not judged.
	Enabled bool `json:"enabled"`
	// State is the recorder's state at the inspection ("" when the recorder is not running).
	State string `json:"state,omitempty"`
	// Coverage is the fraction of the period covered by footage (0–1).
	Coverage float64 `json:"coverage"`
	Gaps     int     `json:"gaps"`
	// LastSegment is the end of the newest segment.
	LastSegment time.Time `json:"last_segment,omitempty"`
	// Intact reports that the newest segment decrypts and matches its recorded hash.
	Intact bool `json:"intact"`
	Normal bool `json:"normal"`
	// Problems say what is wrong (Korean, then English).
	Problems []string `json:"problems,omitempty"`
}
