package phonenumber

//go:generate go test -run ^TestMetadataGen$ -update

// The metadata in metadata_gen.go is libphonenumber's, as packaged by
// github.com/nyaruka/phonenumbers (the version in go.mod). To refresh it
// after upgrading that module, run `go generate ./internal/phonenumber`
// (it runs TestMetadataGen with -update, which rewrites metadata_gen.go);
// without -update the same test fails when the file is stale.
//
// Everything in metadata_gen.go is a constant composite literal, so the
// linker lays it out and package initialisation does no work. The regular
// expressions in it are compiled on first use (see match.go).

// Indexes of the number descriptions in regionMeta.descs, in the order of
// libphonenumber's PhoneMetadata.
const (
	descGeneral = iota
	descFixedLine
	descMobile
	descTollFree
	descPremiumRate
	descSharedCost
	descPersonalNumber
	descVoIP
	descPager
	descUAN
	descVoicemail
	numDescs
)

// desc is libphonenumber's PhoneNumberDesc: the numbers of one type.
type desc struct {
	pattern string // national_number_pattern, over digits only
	lengths []int8 // possible_length, ascending; {-1} when the type has no numbers; nil: as the general desc
	local   []int8 // possible_length_local_only
}

// regionMeta is libphonenumber's PhoneMetadata for a region, or for a
// non-geographical entity (id "001") such as +800.
type regionMeta struct {
	id              string
	cc              int16
	main            bool   // main_country_for_code
	sameMobileFixed bool   // same_mobile_and_fixed_line_pattern
	leadingDigits   string // leading_digits: tells regions sharing cc apart
	idd             string // international_prefix
	nationalPrefix  string // national_prefix
	npParsing       string // national_prefix_for_parsing
	npTransform     string // national_prefix_transform_rule
	descs           [numDescs]desc
}

// regionIndex returns the index in regions of the region with ISO 3166
// code id ("US"), or -1 when libphonenumber does not support id. As in
// libphonenumber, the code is case-sensitive and "001" is not a region.
func regionIndex(id string) int {
	if len(id) != 2 || id[0] < 'A' || id[0] > 'Z' || id[1] < 'A' || id[1] > 'Z' {
		return -1
	}
	return int(regionByLetters[int(id[0]-'A')*26+int(id[1]-'A')]) - 1
}

// callingCodeRegions returns the indexes in regions of the regions that
// share country calling code cc, the main one first (libphonenumber's
// order), or nil when cc is not a calling code.
func callingCodeRegions(cc int) []uint8 {
	if cc <= 0 || cc >= len(callingCodeIndex) {
		return nil
	}
	i := callingCodeIndex[cc]
	if i == 0 {
		return nil
	}
	return callingCodes[i-1].regions
}

// mainRegion returns the index of the main region of calling code cc
// (libphonenumber's GetRegionCodeForCountryCode), or -1.
func mainRegion(cc int) int {
	r := callingCodeRegions(cc)
	if len(r) == 0 {
		return -1
	}
	return int(r[0])
}

// CountryCodeForRegion returns the country calling code of the region with
// ISO 3166 code region ("GB" → 44), or 0 when region is not one that
// libphonenumber knows. Like libphonenumber's GetCountryCodeForRegion, it
// is case-sensitive.
func CountryCodeForRegion(region string) int {
	i := regionIndex(region)
	if i < 0 {
		return 0
	}
	return int(regions[i].cc)
}
