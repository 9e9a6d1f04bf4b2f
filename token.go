package sbomcat

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Page tokens are opaque to callers. Inside, a token carries the list it was issued for and a
// store-specific cursor (the last key returned), with a checksum. A token presented to another
// list, or one that was never issued, is refused with EINVALID (docs/behaviour.md, "Lists and
// pages"). The checksum is not a signature: a forged cursor only moves where a listing starts,
// which the caller could ask for anyway.

type pageToken struct {
	List   string          `json:"l"`
	Cursor json.RawMessage `json:"c"`
	Sum    string          `json:"s"`
}

func tokenSum(list string, cursor []byte) string {
	h := sha256.New()
	h.Write([]byte(list))
	h.Write([]byte{0})
	h.Write(cursor)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

// ListID names one list request for token binding: the operation and its filters, e.g.
// ListID("versions", pkg, status).
func ListID(parts ...string) string { return strings.Join(parts, "\x00") }

// EncodePageToken returns an opaque token for cursor, bound to list.
func EncodePageToken(list string, cursor any) (string, error) {
	c, err := json.Marshal(cursor)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(pageToken{List: list, Cursor: c, Sum: tokenSum(list, c)})
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// DecodePageToken decodes a token issued by EncodePageToken for the same list into cursor.
func DecodePageToken(token, list string, cursor any) error {
	invalid := Errorf(EINVALID, "The nextToken is not valid for this request.")
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return invalid
	}
	var t pageToken
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return invalid
	}
	if t.List != list || t.Sum != tokenSum(list, t.Cursor) {
		return invalid
	}
	if err := json.Unmarshal(t.Cursor, cursor); err != nil {
		return invalid
	}
	return nil
}

// NameList is the token scope of a list that every store pages by name, the same way:
// ListPackages (PackagesList) and ListVersions (VersionsList). Its cursor is the last name
// returned.
type NameList struct{ id string }

// PackagesList is ListPackages' list.
func PackagesList() NameList { return NameList{ListID("packages")} }

// VersionsList is ListVersions' list of the versions of pkg in status ("" for all).
func VersionsList(pkg string, status VersionStatus) NameList {
	return NameList{ListID("versions", pkg, string(status))}
}

// Start returns the name after which the page asked for starts: "" for the first page.
func (l NameList) Start(page PageRequest) (after string, err error) {
	err = page.Start(l.id, &after)
	return after, err
}

// Next returns the token of the page after the one whose last name is last.
func (l NameList) Next(last string) (string, error) { return EncodePageToken(l.id, last) }
