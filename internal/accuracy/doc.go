// Package accuracy scores the fingerprint engine against a corpus of real
// third-party binaries (fixtures/corpus/accuracy.json) whose truth comes from
// each package's own metadata, not from this tool.
//
// The test is behind the build tag "accuracy" because it fetches several
// hundred megabytes from the registries: run it with `make accuracy`.
package accuracy
