package sbomcat

import (
	"fmt"
	"strings"
)

// Scope is where ARNs point: partition, region and account id. The local server's defaults are
// aws, us-east-1 and 000000000000.
type Scope struct {
	Partition string
	Region    string
	Account   string
}

// DefaultScope is the scope of a local server that was given no other.
var DefaultScope = Scope{Partition: "aws", Region: "us-east-1", Account: "000000000000"}

// PackageARN returns arn:<partition>:iot:<region>:<account>:package/<name>.
func (s Scope) PackageARN(pkg string) string {
	return fmt.Sprintf("arn:%s:iot:%s:%s:package/%s", s.Partition, s.Region, s.Account, pkg)
}

// VersionARN returns arn:<partition>:iot:<region>:<account>:package/<name>/version/<version>.
func (s Scope) VersionARN(pkg, version string) string {
	return s.PackageARN(pkg) + "/version/" + version
}

// ARN returns the ARN of a package or, when id names one, a package version.
func (s Scope) ARN(id ResourceID) string {
	if id.VersionName != "" {
		return s.VersionARN(id.PackageName, id.VersionName)
	}
	return s.PackageARN(id.PackageName)
}

// ARN is a parsed IoT package or package version ARN.
type ARN struct {
	Text     string // as given
	Scope    Scope
	Resource ResourceID
	// Versioned reports that the ARN has a "/version/" part, even one with an empty name.
	Versioned bool
}

// ParseARN parses an IoT package or package version ARN. EINVALID when the text is not one.
// The names in it are not checked: their shapes are the caller's (the API edge checks them
// against the model), and whether the resource is in this server's scope is Scope.Holds'.
func ParseARN(arn string) (ARN, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iot" {
		return ARN{}, Errorf(EINVALID, "%q is not a valid AWS IoT ARN.", arn)
	}
	rest, ok := strings.CutPrefix(parts[5], "package/")
	if !ok {
		return ARN{}, Errorf(EINVALID, "Resource %q is not a software package or package version; this server tags only those.", arn)
	}
	a := ARN{Text: arn, Scope: Scope{Partition: parts[1], Region: parts[3], Account: parts[4]}}
	if pkg, ver, ok := strings.Cut(rest, "/version/"); ok {
		a.Resource, a.Versioned = ResourceID{PackageName: pkg, VersionName: ver}, true
	} else {
		a.Resource = ResourceID{PackageName: rest}
	}
	return a, nil
}

// Holds returns ENOTFOUND when a is for another partition, region or account than s: this
// server does not hold such a resource.
func (s Scope) Holds(a ARN) error {
	if a.Scope != s {
		return Errorf(ENOTFOUND, "Resource %s does not exist: this endpoint serves partition %s, region %s, account %s.", a.Text, s.Partition, s.Region, s.Account)
	}
	return nil
}
