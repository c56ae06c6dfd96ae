package main

// The account's time zone (and --tz) name IANA zones; Windows machines
// without Go have no zoneinfo to load them from, and a fixed offset in
// their place puts the dates of the other half of the year a day off.
import _ "time/tzdata"
