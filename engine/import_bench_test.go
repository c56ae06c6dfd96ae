package engine

import (
	"os"
	"testing"
)

// BenchmarkImportJob is the page's import job on 20k rows against the
// emulator (no rate limit): the dry run (validation, mapping, result
// file) and a create run that writes every row. It measures what Import
// adds around bulk: compare it with a run of the commit before.
func BenchmarkImportJob(b *testing.B) {
	csvPath, _, err := writeBenchFiles(b.TempDir(), 20_000)
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		p    ImportParams
	}{{"dry-run", ImportParams{DryRun: true}}, {"create", ImportParams{BatchSize: 250}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				e, _ := setup(b)
				fi, err := e.OpenFile(data, "contacts.csv", OpenOptions{})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				j, err := e.StartImport(b.Context(), fi.ID, benchSpec, c.p, nil)
				if err != nil {
					b.Fatal(err)
				}
				res, err := j.Wait()
				if err != nil || res.Error != "" || res.Landed != 20_000 {
					b.Fatalf("import: %v %+v", err, res)
				}
			}
		})
	}
}
