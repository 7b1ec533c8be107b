// Package version names this build of hneurons.
//
// Version is the program's version; it is written into the provenance of
// every output file and compared when a run resumes, so it changes whenever
// a change alters what a stage writes (record layout, numerics, defaults).
// Revision, the VCS commit the binary was built from, is recorded for
// information only: rebuilding from a later commit that leaves the outputs
// alone must not stop a resume.
package version

import "runtime/debug"

// Version is the program version recorded in every output's provenance.
const Version = "0.4.0"

// Revision returns the VCS revision the binary was built from (with
// "+modified" when the tree had uncommitted changes), or "" when the build
// carries none (go test, go run outside a repository).
func Revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" && modified {
		rev += "+modified"
	}
	return rev
}
