package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sbomcat/sbomcat"
)

// Catalog is what job creation reads from the package catalog. sbomcat.Store satisfies it.
type Catalog interface {
	// GetPackage returns the package; ENOTFOUND if it does not exist.
	GetPackage(ctx context.Context, name string) (*sbomcat.Package, error)
	// GetVersion returns the version; ENOTFOUND if it does not exist.
	GetVersion(ctx context.Context, pkg, version string) (*sbomcat.PackageVersion, error)
}

var _ Catalog = sbomcat.Store(nil)

// destination is one parsed destinationPackageVersions entry.
type destination struct {
	pkg, ver string // as written: ver may be $default or $null
	resolved string // ver with $default resolved
}

// parseDestination parses a package version ARN of the service's scope, where the version may
// also be $default or $null. Every refusal is EINVALID: for CreateJob an ARN of another
// account or region is a bad request, not a missing resource (docs/behaviour.md, "Jobs").
func parseDestination(s sbomcat.Scope, arn string) (destination, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "iot" {
		if rest, ok := strings.CutPrefix(parts[5], "package/"); ok {
			if pkg, ver, ok := strings.Cut(rest, "/version/"); ok && isName(pkg) &&
				(ver == VersionDefault || ver == VersionNull || isName(ver)) {
				if parts[1] != s.Partition || parts[3] != s.Region || parts[4] != s.Account {
					return destination{}, sbomcat.Errorf(sbomcat.EINVALID,
						"Package version ARN %s is outside this endpoint's partition %s, region %s and account %s.", arn, s.Partition, s.Region, s.Account)
				}
				return destination{pkg: pkg, ver: ver}, nil
			}
		}
	}
	return destination{}, sbomcat.Errorf(sbomcat.EINVALID,
		"%s in destinationPackageVersions is not a package version ARN (arn:%s:iot:%s:%s:package/<packageName>/version/<versionName>, $default or $null).", arn, s.Partition, s.Region, s.Account)
}

// resolver resolves one CreateJob against the catalog, reading each package and version once so
// that the whole job sees one state of the catalog as far as it can.
type resolver struct {
	catalog  Catalog
	scope    sbomcat.Scope
	packages map[string]*sbomcat.Package
	versions map[[2]string]*sbomcat.PackageVersion
}

func newResolver(c Catalog, s sbomcat.Scope) *resolver {
	return &resolver{catalog: c, scope: s, packages: map[string]*sbomcat.Package{}, versions: map[[2]string]*sbomcat.PackageVersion{}}
}

func (r *resolver) pkg(ctx context.Context, name string) (*sbomcat.Package, error) {
	if p, ok := r.packages[name]; ok {
		return p, nil
	}
	p, err := r.catalog.GetPackage(ctx, name)
	if sbomcat.ErrCode(err) == sbomcat.ENOTFOUND {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "Package %s does not exist.", name)
	} else if err != nil {
		return nil, fmt.Errorf("get package %s: %w", name, err)
	}
	r.packages[name] = p
	return p, nil
}

// resolveVersion returns the version ver names: the package's default version for $default.
func (r *resolver) resolveVersion(ctx context.Context, pkg, ver string) (string, error) {
	p, err := r.pkg(ctx, pkg)
	if err != nil {
		return "", err
	}
	if ver != VersionDefault {
		return ver, nil
	}
	if p.DefaultVersion == "" {
		return "", sbomcat.Errorf(sbomcat.EINVALID, "Package %s has no default version for $default to refer to.", pkg)
	}
	return p.DefaultVersion, nil
}

// version returns a deployable version: PUBLISHED or DEPRECATED, never DRAFT.
func (r *resolver) version(ctx context.Context, pkg, ver string) (*sbomcat.PackageVersion, error) {
	k := [2]string{pkg, ver}
	if v, ok := r.versions[k]; ok {
		return v, nil
	}
	v, err := r.catalog.GetVersion(ctx, pkg, ver)
	if sbomcat.ErrCode(err) == sbomcat.ENOTFOUND {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "Package %s version %s does not exist.", pkg, ver)
	} else if err != nil {
		return nil, fmt.Errorf("get package version %s/%s: %w", pkg, ver, err)
	}
	if !v.Status.Deployable() {
		return nil, sbomcat.Errorf(sbomcat.EINVALID, "Package %s version %s is %s; only PUBLISHED or DEPRECATED package versions can be deployed by jobs.", pkg, ver, v.Status)
	}
	r.versions[k] = v
	return v, nil
}

// resolve computes a job's Resolution: the request has passed Validate.
func (r *resolver) resolve(ctx context.Context, req *CreateRequest) (Resolution, error) {
	dests := make([]destination, len(req.DestinationPackageVersions))
	for i, arn := range req.DestinationPackageVersions {
		d, err := parseDestination(r.scope, arn)
		if err != nil {
			return Resolution{}, err
		}
		dests[i] = d
	}
	refs, err := parseDocument(req.Document)
	if err != nil {
		return Resolution{}, err
	}

	// Destinations first: every one must name an existing package and, unless it is $null, a
	// deployable version.
	var res Resolution
	deployed := map[[2]string]bool{}
	for i := range dests {
		d := &dests[i]
		if d.ver == VersionNull {
			if _, err := r.pkg(ctx, d.pkg); err != nil {
				return Resolution{}, err
			}
			d.resolved = VersionNull
		} else {
			if d.resolved, err = r.resolveVersion(ctx, d.pkg, d.ver); err != nil {
				return Resolution{}, err
			}
			if _, err := r.version(ctx, d.pkg, d.resolved); err != nil {
				return Resolution{}, err
			}
			deployed[[2]string{d.pkg, d.resolved}] = true
		}
		res.DestinationPackageVersions = append(res.DestinationPackageVersions, r.scope.VersionARN(d.pkg, d.resolved))
	}

	// Then the document, spliced in one pass.
	var out strings.Builder
	last := 0
	for _, ref := range refs {
		pkg, ver := ref.pkg, ref.ver
		if pkg == "" {
			if len(dests) != 1 {
				if len(dests) == 0 {
					return Resolution{}, invalid("Cannot resolve empty package name and version name without destination package versions.")
				}
				return Resolution{}, invalid(msgEmptyAmbiguous)
			}
			pkg, ver = dests[0].pkg, dests[0].ver
			if ver == VersionNull {
				return Resolution{}, invalid(msgNullInDocument)
			}
		}
		resolved, err := r.resolveVersion(ctx, pkg, ver)
		if err != nil {
			return Resolution{}, err
		}
		if !deployed[[2]string{pkg, resolved}] {
			return Resolution{}, sbomcat.Errorf(sbomcat.EINVALID,
				"Package %s version %s referenced in the job document is not in destinationPackageVersions; the package versions of the job document and of destinationPackageVersions must match.", pkg, resolved)
		}
		v, err := r.version(ctx, pkg, resolved)
		if err != nil {
			return Resolution{}, err
		}

		start, end := ref.start, ref.end
		var text string
		switch ref.kind {
		case refAllAttributes:
			// The placeholder is a whole JSON string (parseDocument checked): its quotes go
			// too, and the object takes their place.
			start, end = start-1, end+1
			attrs := v.Attributes
			if attrs == nil {
				attrs = map[string]string{} // {} rather than null: still an object
			}
			text = jsonText(attrs)
		case refAttribute:
			val, ok := v.Attributes[ref.key]
			if !ok {
				return Resolution{}, sbomcat.Errorf(sbomcat.EINVALID, "Package %s version %s has no attribute %s.", pkg, resolved, ref.key)
			}
			text = jsonStringContent(val)
		case refArtifact:
			if v.Artifact == nil {
				return Resolution{}, sbomcat.Errorf(sbomcat.EINVALID, fmtNoArtifact, pkg, resolved)
			}
			if req.PresignedURLConfig == nil || req.PresignedURLConfig.RoleARN == "" {
				return Resolution{}, sbomcat.Errorf(sbomcat.EINVALID, fmtNoRoleARN, pkg, resolved)
			}
			text = "${" + packagePrefix + pkg + ":version:" + resolved + ":" + artifactLocationTail + "}"
		}
		out.WriteString(req.Document[last:start])
		if ref.kind == refArtifact {
			at := out.Len()
			res.Artifacts = append(res.Artifacts, Artifact{Start: at, End: at + len(text), PackageName: pkg, VersionName: resolved, Location: *v.Artifact})
		}
		out.WriteString(text)
		last = end
	}
	out.WriteString(req.Document[last:])
	res.Document = out.String()
	if utf8.RuneCountInString(res.Document) > MaxDocumentLen {
		return Resolution{}, sbomcat.Errorf(sbomcat.EINVALID, "The job document is longer than %d characters once its package placeholders are substituted.", MaxDocumentLen)
	}
	return res, nil
}

// jsonText encodes v as JSON without HTML escaping, so that URLs and the like read as
// written.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only maps of strings and strings are encoded here; they always encode.
		panic(fmt.Sprintf("jobs: encode %T: %v", v, err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonStringContent returns s escaped for the inside of a JSON string literal.
func jsonStringContent(s string) string {
	q := jsonText(s)
	return q[1 : len(q)-1]
}
