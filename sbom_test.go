package sbomcat

import "testing"

func TestRollUp(t *testing.T) {
	ok := FileResult{FileName: "a.json", Result: ResultSucceeded}
	bad := FileResult{FileName: "b.json", Result: ResultFailed, ErrorCode: ErrorIncompatibleFormat}
	tests := []struct {
		name    string
		results []FileResult
		want    ValidationStatus
	}{
		{"no files", nil, StatusFailed},
		{"one success", []FileResult{ok}, StatusSucceeded},
		{"all succeed", []FileResult{ok, ok}, StatusSucceeded},
		{"one failure among successes", []FileResult{ok, bad, ok}, StatusFailed},
		{"failure without code", []FileResult{{FileName: "x", Result: ResultFailed}}, StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RollUp(tt.results); got != tt.want {
				t.Errorf("RollUp = %s, want %s", got, tt.want)
			}
		})
	}
}
