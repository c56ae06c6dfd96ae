package mapping

import (
	"errors"
	"strings"
	"testing"

	"github.com/kommo-bulk/kommo-bulk/kommo"
)

func TestResolverStage(t *testing.T) {
	r := NewResolver(testSchema())
	tests := []struct {
		name          string
		in            string
		pipeline      int
		wantP, wantS  int
		wantErr, hint string // parts of the error
	}{
		{name: "main pipeline first", in: "QUALIFIED", wantP: 100, wantS: 1002},
		{name: "unique in another pipeline", in: "переговоры", wantP: 200, wantS: 2002},
		{name: "within a pipeline", in: "qualified", pipeline: 200, wantP: 200, wantS: 2003},
		{name: "won in Spanish", in: "Ganado", wantP: 100, wantS: kommo.StatusWon},
		{name: "won in Russian, of a pipeline", in: "Успешно реализовано", pipeline: 300, wantP: 300, wantS: kommo.StatusWon},
		{name: "lost in Portuguese", in: "venda perdida", wantP: 100, wantS: kommo.StatusLost},
		{name: "id of the main pipeline", in: "1003", wantP: 100, wantS: 1003},
		{name: "id of another pipeline", in: " 2004 ", wantP: 200, wantS: 2004},
		{name: "pipeline / stage", in: "Renewals / contract signed", wantP: 300, wantS: 3001},
		{name: "ambiguous outside the main pipeline", in: "Contract signed",
			wantErr: `stage "Contract signed" is ambiguous`, hint: `pipeline "Renewals" (stage id 3001)`},
		{name: "did you mean", in: "Negotation", wantErr: `unknown stage "Negotation"`, hint: `did you mean "Negotiation"`},
		{name: "id of another pipeline, in a pipeline", in: "2004", pipeline: 100, wantErr: `unknown stage "2004" in pipeline "Sales"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, s, err := r.Stage(tt.in, tt.pipeline)
			if tt.wantErr != "" {
				var ne *NameError
				if !errors.As(err, &ne) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.hint) {
					t.Errorf("Stage(%q, %d) = %d, %d, %v, want a NameError with %q and %q", tt.in, tt.pipeline, p, s, err, tt.wantErr, tt.hint)
				}
				return
			}
			if err != nil || p != tt.wantP || s != tt.wantS {
				t.Errorf("Stage(%q, %d) = %d, %d, %v, want %d, %d", tt.in, tt.pipeline, p, s, err, tt.wantP, tt.wantS)
			}
		})
	}
}

func TestResolverTaskType(t *testing.T) {
	r := NewResolver(testSchema())
	for in, want := range map[string]int{"enviar PROPUESTA": 7, "proposal": 7, "llamada": kommo.TaskTypeFollowUp, "Reunião": kommo.TaskTypeMeeting, "7": 7} {
		if got, err := r.TaskType(in); err != nil || got != want {
			t.Errorf("TaskType(%q) = %d, %v, want %d", in, got, err, want)
		}
	}
	if _, err := r.TaskType("Enviar propesta"); err == nil || !strings.Contains(err.Error(), `did you mean "Enviar propuesta"`) {
		t.Errorf("TaskType(typo) = %v, want a did-you-mean", err)
	}
}
