module github.com/installer-sbom/installer-sbom

go 1.26.8

require (
	github.com/CycloneDX/cyclonedx-go v0.12.0
	github.com/ayoubfaouzi/pkcs7 v0.2.3
	github.com/blacktop/go-macho v1.1.296
	github.com/google/licensecheck v0.3.1
	github.com/klauspost/compress v1.20.3
	github.com/openvex/go-vex v0.2.9
	github.com/package-url/packageurl-go v0.1.7
	github.com/saferwall/pe v1.6.5
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/spdx/tools-golang v0.6.0-rc4
	github.com/ulikunitz/xz v0.5.15
	golang.org/x/term v0.47.0
	golang.org/x/text v0.36.0
	gopkg.in/yaml.v3 v3.0.1
	howett.net/plist v1.0.1
)

require (
	github.com/anchore/go-struct-converter v0.2.0-rc2 // indirect
	github.com/blacktop/go-dwarf v1.1.0 // indirect
	github.com/edsrzf/mmap-go v1.1.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/in-toto/attestation v1.2.0 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/piprate/json-gold v0.7.0 // indirect
	github.com/pquerna/cachecontrol v0.0.0-20180517163645-1555304b9b35 // indirect
	golang.org/x/crypto v0.33.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
