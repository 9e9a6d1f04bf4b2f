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

// ParseARN returns the package or package version an ARN in scope s names. EINVALID when the
// text is not an IoT package or package version ARN; ENOTFOUND when it is one but for another
// partition, region or account, which this server does not hold.
func (s Scope) ParseARN(arn string) (ResourceID, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iot" {
		return ResourceID{}, Errorf(EINVALID, "%q is not a valid AWS IoT ARN.", arn)
	}
	res := parts[5]
	rest, ok := strings.CutPrefix(res, "package/")
	if !ok {
		return ResourceID{}, Errorf(EINVALID, "Resource %q is not a software package or package version; this server tags only those.", arn)
	}
	var id ResourceID
	if pkg, ver, ok := strings.Cut(rest, "/version/"); ok {
		id = ResourceID{PackageName: pkg, VersionName: ver}
	} else {
		id = ResourceID{PackageName: rest}
	}
	var v Violations
	v.PackageName("resourceArn package name", id.PackageName)
	if id.VersionName != "" || strings.Contains(rest, "/version/") {
		v.VersionName("resourceArn version name", id.VersionName)
	}
	if err := v.Err(); err != nil {
		return ResourceID{}, err
	}
	if parts[1] != s.Partition || parts[3] != s.Region || parts[4] != s.Account {
		return ResourceID{}, Errorf(ENOTFOUND, "Resource %s does not exist: this endpoint serves partition %s, region %s, account %s.", arn, s.Partition, s.Region, s.Account)
	}
	return id, nil
}
