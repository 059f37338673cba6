module github.com/installer-sbom/installer-sbom

go 1.26.8

require (
	github.com/CycloneDX/cyclonedx-go v0.12.0
	github.com/ayoubfaouzi/pkcs7 v0.2.3
	github.com/blacktop/go-macho v1.1.296
	github.com/klauspost/compress v1.20.3
	github.com/saferwall/pe v1.6.5
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/spdx/tools-golang v0.5.7
	github.com/ulikunitz/xz v0.5.15
	golang.org/x/term v0.47.0
	golang.org/x/text v0.22.0
	howett.net/plist v1.0.1
)

require (
	github.com/anchore/go-struct-converter v0.1.0 // indirect
	github.com/blacktop/go-dwarf v1.1.0 // indirect
	github.com/edsrzf/mmap-go v1.1.0 // indirect
	golang.org/x/crypto v0.33.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
