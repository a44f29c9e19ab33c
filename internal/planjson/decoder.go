package planjson

import "reflect"

// Decoder reads plans and the attribute values of their resources. It
// keeps what it learns about the value structs' types, so one Decoder
// serves one plan's load; it is not safe for concurrent use.
type Decoder struct {
	// modelled reports whether the resources of a type are kept.
	modelled func(typ string) bool
	// fillers decode the attribute values of each type (see fillerOf).
	fillers map[reflect.Type]filler
	// values reads the value Values decodes (one scanner for all of
	// them, not one allocated for each).
	values scanner
	// The values pointer fields point to.
	strings slab[string]
	ints    slab[int64]
	bools   slab[bool]
	// short keeps the short string values decoded (see stringPtr).
	short map[string]string
	// unknownIndexes are the indexes of the resources' Unknowns.
	unknownIndexes slab[unknownIndex]
	// id is what ID decodes into: a value of the Decoder's, not one
	// allocated for each resource.
	id IDValues
}

// NewDecoder returns a Decoder that keeps the managed resources of the
// types for which modelled is true and skips every other resource.
func NewDecoder(modelled func(typ string) bool) *Decoder {
	return &Decoder{
		modelled: modelled,
		fillers:  map[reflect.Type]filler{},
		short:    map[string]string{},
	}
}
