// Package dynamodb implements sbomcat.Store on one DynamoDB table, for deployment. The design
// needs no transactions and no TTL, so it runs on dynalite as well as on DynamoDB:
//
//	item                 pk                 sk             other keys
//	package              P#<package>        #PKG           gsi1pk=PACKAGES, gsi1sk=<package>
//	package version      P#<package>        V#<version>    ippk=IP, ipsk=<ms>#<id> while IN_PROGRESS;
//	                                                       results: up to 10, inline
//	validation result    R#<association>    <rank>         more than 10; rank = position in (fileName, input order)
//	idempotency record   I#<op>#<token>     #IDEM          expires = TTL (epoch seconds)
//	quota counters       #COUNTS            #COUNTS
//	configuration        #CONFIG            #CONFIG
//	job                  #JOBS              <jobId>
//
// Single-item invariants are conditional writes; read-modify-write updates are optimistic on a
// revision counter, retried inside the store. Invariants across items hold without
// transactions, across processes, because each rests on a conditional write to one parent item:
//
//   - no version without its package: the package item counts its versions, incremented
//     (conditional on the package existing) before a version is written and decremented after
//     one is deleted; DeletePackage is conditional on the count being 0;
//   - no default version that does not exist: DeleteVersion marks the version, then touches the
//     package item on the condition that the version is not its default, then deletes the
//     version if its mark is still there; UpdatePackage ignores marked versions;
//   - no results of a superseded association: results live under the association's id, and a
//     new association makes them unreachable at once, so removing them is only cleanup;
//   - quotas: counters on one item, incremented conditionally on the limit before a create
//     and decremented when what they count goes (see reserve).
//
// A process that dies between the steps of a create or delete leaves a count one too high (a
// limit reached early, a package that cannot be deleted) or a version marked for deletion (it
// cannot become the default until a DeleteVersion is retried), never an invariant broken.
package dynamodb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sbomcat/sbomcat"
)

// Index names.
const (
	packagesIndex   = "packages"
	inProgressIndex = "inprogress"
	packagesPK      = "PACKAGES"
	inProgressPK    = "IP"
	packageSK       = "#PKG"
	maxAttempts     = 500 // optimistic update retries under contention (see backoff: about 10 s)
)

// Store is the DynamoDB implementation of sbomcat.Store.
type Store struct {
	db    *dynamodb.Client
	table string
	// counters remembers that the quota counters item exists (see ensureCounters).
	counters countersReady
	// batches coalesces concurrent updates of the quota counters (see coalescer).
	batches coalescers
	// Now returns the current time; times are kept to the millisecond.
	Now func() time.Time
}

var _ sbomcat.Store = (*Store)(nil)

// New returns a store on an existing table (see CreateTable).
func New(client *dynamodb.Client, table string) *Store {
	return &Store{db: client, table: table, Now: time.Now}
}

// Close implements sbomcat.Store; the client needs no closing.
func (s *Store) Close() error { return nil }

// CreateTable creates the table and its indexes (on-demand capacity) and waits until it is
// active. Deployments may create the same table with infrastructure code instead.
func (s *Store) CreateTable(ctx context.Context) error {
	str := types.ScalarAttributeTypeS
	keys := func(pk, sk string) []types.KeySchemaElement {
		return []types.KeySchemaElement{{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash}, {AttributeName: aws.String(sk), KeyType: types.KeyTypeRange}}
	}
	_, err := s.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(s.table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: str}, {AttributeName: aws.String("sk"), AttributeType: str},
			{AttributeName: aws.String("gsi1pk"), AttributeType: str}, {AttributeName: aws.String("gsi1sk"), AttributeType: str},
			{AttributeName: aws.String("ippk"), AttributeType: str}, {AttributeName: aws.String("ipsk"), AttributeType: str},
		},
		KeySchema: keys("pk", "sk"),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String(packagesIndex), KeySchema: keys("gsi1pk", "gsi1sk"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
			{IndexName: aws.String(inProgressIndex), KeySchema: keys("ippk", "ipsk"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
		},
	})
	if err != nil {
		return fmt.Errorf("dynamodb: create table %s: %w", s.table, err)
	}
	w := dynamodb.NewTableExistsWaiter(s.db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)}, 2*time.Minute); err != nil {
		return fmt.Errorf("dynamodb: wait for table %s: %w", s.table, err)
	}
	return nil
}

func (s *Store) now() time.Time { return time.UnixMilli(s.Now().UnixMilli()).UTC() }

// Attribute value helpers: the model is small and flat, so these replace a marshalling library.

type item = map[string]types.AttributeValue

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func strMap(m map[string]string) types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = str(v)
	}
	return &types.AttributeValueMemberM{Value: out}
}

func location(l *sbomcat.S3Location) types.AttributeValue {
	return strMap(map[string]string{"bucket": l.Bucket, "key": l.Key, "version": l.Version})
}

func getS(it item, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(it item, name string) int64 {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func getMap(it item, name string) map[string]string {
	v, ok := it[name].(*types.AttributeValueMemberM)
	if !ok || len(v.Value) == 0 {
		return nil
	}
	out := make(map[string]string, len(v.Value))
	for k, val := range v.Value {
		if sv, ok := val.(*types.AttributeValueMemberS); ok {
			out[k] = sv.Value
		}
	}
	return out
}

func getLocation(it item, name string) *sbomcat.S3Location {
	m := getMap(it, name)
	if m == nil {
		return nil
	}
	return &sbomcat.S3Location{Bucket: m["bucket"], Key: m["key"], Version: m["version"]}
}

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func packageKey(name string) item { return item{"pk": str("P#" + name), "sk": str(packageSK)} }

func versionKey(pkg, ver string) item { return item{"pk": str("P#" + pkg), "sk": str("V#" + ver)} }

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// wrap leaves application errors alone and names the operation on the rest.
func wrap(op string, err error) error {
	var e *sbomcat.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("dynamodb: %s: %w", op, err)
}

// Expressions on the hot path: on the path of every association and validation, a condition
// is written with comparisons and NOT rather than attribute_exists and attribute_not_exists,
// and a counter with ADD rather than SET and if_not_exists. DynamoDB reads them alike, but
// dynalite's expression parser backtracks over functions and parentheses: Associate's condition
// in the function form took about 0.9 ms of its CPU to parse, against about 0.05 ms in the form
// below, when the whole association cost it about 3 ms.

// backoff sleeps a little, more with each attempt, so that optimistic retries spread out.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(1+rand.IntN(min(5*(attempt+1), 40))) * time.Millisecond
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

var errContention = errors.New("too many concurrent updates; giving up")

// optimistically runs try, an optimistic read-modify-write, until it succeeds or fails with
// anything but a failed condition (another writer came first), backing off between attempts;
// errContention after maxAttempts.
func optimistically[T any](ctx context.Context, try func() (T, error)) (T, error) {
	var zero T
	for attempt := range maxAttempts {
		v, err := try()
		if err == nil {
			return v, nil
		}
		if !isConditionFailed(err) {
			return zero, err
		}
		if err := backoff(ctx, attempt); err != nil {
			return zero, err
		}
	}
	return zero, errContention
}

func (s *Store) get(ctx context.Context, key item) (item, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// Packages.

func packageFromItem(it item) *sbomcat.Package {
	return &sbomcat.Package{
		Name: getS(it, "name"), Description: getS(it, "description"), DefaultVersion: getS(it, "defaultVersion"),
		Tags: getMap(it, "tags"), CreatedAt: fromMS(getN(it, "created")), UpdatedAt: fromMS(getN(it, "updated")),
	}
}

func (s *Store) getPackage(ctx context.Context, name string) (*sbomcat.Package, int64, error) {
	it, err := s.get(ctx, packageKey(name))
	if err != nil {
		return nil, 0, err
	}
	if it == nil {
		return nil, 0, sbomcat.Errorf(sbomcat.ENOTFOUND, "Package %s does not exist.", name)
	}
	return packageFromItem(it), getN(it, "rev"), nil
}

// CreatePackage implements sbomcat.Store. The package quota's counter is incremented first,
// conditionally on the limit, and released if the package cannot be created.
func (s *Store) CreatePackage(ctx context.Context, p *sbomcat.Package, limit int) error {
	if err := s.reserve(ctx, counterPackages, sbomcat.QuotaPackages, limit); err != nil {
		return wrap("create package", err)
	}
	now := s.now()
	it := packageKey(p.Name)
	it["gsi1pk"], it["gsi1sk"] = str(packagesPK), str(p.Name)
	it["name"], it["description"], it["defaultVersion"] = str(p.Name), str(p.Description), str("")
	it["tags"] = strMap(p.Tags)
	it["created"], it["updated"], it["rev"], it["versions"] = num(now.UnixMilli()), num(now.UnixMilli()), num(0), num(0)
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		s.release(ctx, counterPackages)
	}
	if isConditionFailed(err) {
		return sbomcat.Errorf(sbomcat.ECONFLICT, "Package %s already exists.", p.Name)
	} else if err != nil {
		return wrap("create package", err)
	}
	p.DefaultVersion = ""
	p.CreatedAt, p.UpdatedAt = now, now
	return nil
}

// GetPackage implements sbomcat.Store.
func (s *Store) GetPackage(ctx context.Context, name string) (*sbomcat.Package, error) {
	p, _, err := s.getPackage(ctx, name)
	return p, wrap("get package", err)
}

// UpdatePackage implements sbomcat.Store.
func (s *Store) UpdatePackage(ctx context.Context, name string, u sbomcat.PackageUpdate) (*sbomcat.Package, error) {
	p, err := optimistically(ctx, func() (*sbomcat.Package, error) {
		p, rev, err := s.getPackage(ctx, name)
		if err != nil {
			return nil, err
		}
		var def *sbomcat.PackageVersion
		if u.DefaultVersion != nil {
			it, err := s.get(ctx, versionKey(name, *u.DefaultVersion))
			if err != nil {
				return nil, err
			}
			// A version being deleted is as good as gone (see DeleteVersion).
			if it != nil && it["deleting"] == nil {
				def = versionFromItem(it)
			}
		}
		if err := p.Apply(u, def, s.now()); err != nil {
			return nil, err
		}
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: packageKey(name),
			UpdateExpression:          aws.String("SET description = :d, defaultVersion = :dv, updated = :u, rev = rev + :one"),
			ConditionExpression:       aws.String("rev = :rev"),
			ExpressionAttributeValues: item{":d": str(p.Description), ":dv": str(p.DefaultVersion), ":u": num(p.UpdatedAt.UnixMilli()), ":one": num(1), ":rev": num(rev)},
		})
		if err != nil {
			return nil, err
		}
		return p, nil
	})
	return p, wrap("update package", err)
}

// DeletePackage implements sbomcat.Store. The package item counts its versions (CreateVersion
// increments the count before it writes a version, DeleteVersion decrements it after it deleted
// one), so a delete conditional on a count of 0 can never leave a version without its package.
func (s *Store) DeletePackage(ctx context.Context, name string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: packageKey(name),
		ConditionExpression:       aws.String("attribute_exists(pk) AND versions = :zero"),
		ExpressionAttributeValues: item{":zero": num(0)},
	})
	if err == nil {
		s.release(ctx, counterPackages)
		return nil
	} else if !isConditionFailed(err) {
		return wrap("delete package", err)
	}
	it, err := s.get(ctx, packageKey(name))
	if err != nil || it == nil {
		return wrap("delete package", err) // deleting a missing package succeeds
	}
	if it["versions"] == nil { // an older table's package: count, then try again
		if _, err := s.initVersionCount(ctx, name); err != nil {
			return wrap("delete package", err)
		}
		return s.DeletePackage(ctx, name)
	}
	return sbomcat.Errorf(sbomcat.EINVALID, "Package %s still has %d package version(s); all package versions must be deleted before deleting the software package.", name, getN(it, "versions"))
}

// ListPackages implements sbomcat.Store.
func (s *Store) ListPackages(ctx context.Context, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.Package], error) {
	var out sbomcat.Page[sbomcat.Package]
	after, err := sbomcat.PackagesList().Start(page)
	if err != nil {
		return out, err
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(packagesIndex),
		KeyConditionExpression:    aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: item{":p": str(packagesPK)},
	}
	if after != "" {
		in.ExclusiveStartKey = packageKey(after)
		in.ExclusiveStartKey["gsi1pk"], in.ExclusiveStartKey["gsi1sk"] = str(packagesPK), str(after)
	}
	items, more, err := s.collect(ctx, in, page.Limit())
	if err != nil {
		return out, wrap("list packages", err)
	}
	return pageOf(items, more, packageFromItem, func(last *sbomcat.Package) (string, error) {
		return sbomcat.PackagesList().Next(last.Name)
	})
}

// pageOf turns the items collect returned into a page: when there are more, next gives the
// token that resumes after the last one.
func pageOf[T any](items []item, more bool, fromItem func(item) *T, next func(last *T) (string, error)) (sbomcat.Page[T], error) {
	var out sbomcat.Page[T]
	for _, it := range items {
		out.Items = append(out.Items, *fromItem(it))
	}
	var err error
	if more {
		out.NextToken, err = next(&out.Items[len(out.Items)-1])
	}
	return out, err
}

// collect runs a query from its ExclusiveStartKey until it has limit items, and reports
// whether more remain. A filter can make DynamoDB pages short or empty, so pages are followed
// rather than trusted; the next token is made from the last item returned, not from
// LastEvaluatedKey, because the two differ when a page is cut short.
func (s *Store) collect(ctx context.Context, in *dynamodb.QueryInput, limit int) ([]item, bool, error) {
	var items []item
	in.Limit = aws.Int32(int32(limit + 1))
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, false, err
		}
		items = append(items, out.Items...)
		if len(items) > limit {
			return items[:limit], true, nil
		}
		if len(out.LastEvaluatedKey) == 0 {
			return items, false, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// Versions.

func versionFromItem(it item) *sbomcat.PackageVersion {
	return &sbomcat.PackageVersion{
		PackageName: getS(it, "package"), VersionName: getS(it, "version"), Description: getS(it, "description"),
		Attributes: getMap(it, "attributes"), Artifact: getLocation(it, "artifact"), Recipe: getS(it, "recipe"),
		Status: sbomcat.VersionStatus(getS(it, "status")), ErrorReason: getS(it, "errorReason"), Tags: getMap(it, "tags"),
		SBOM: getLocation(it, "sbom"), SBOMStatus: sbomcat.ValidationStatus(getS(it, "sbomStatus")), AssociationID: getS(it, "associationId"),
		CreatedAt: fromMS(getN(it, "created")), UpdatedAt: fromMS(getN(it, "updated")),
	}
}

func (s *Store) getVersion(ctx context.Context, pkg, ver string) (*sbomcat.PackageVersion, int64, error) {
	it, err := s.getVersionItem(ctx, pkg, ver)
	if err != nil {
		return nil, 0, err
	}
	return versionFromItem(it), getN(it, "rev"), nil
}

func (s *Store) getVersionItem(ctx context.Context, pkg, ver string) (item, error) {
	it, err := s.get(ctx, versionKey(pkg, ver))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, sbomcat.Errorf(sbomcat.ENOTFOUND, "Package version %s/%s does not exist.", pkg, ver)
	}
	return it, nil
}

// CreateVersion implements sbomcat.Store. In order: the version quota's counter and the
// package's version count are incremented (the latter conditional on the package existing, so
// that DeletePackage cannot pass it), then the version is written; a step that fails undoes the
// ones before.
func (s *Store) CreateVersion(ctx context.Context, v *sbomcat.PackageVersion, limit int) error {
	if err := s.reserve(ctx, counterVersions, sbomcat.QuotaVersions, limit); err != nil {
		return wrap("create version", err)
	}
	if err := s.addVersionCount(ctx, v.PackageName, 1); err != nil {
		s.release(ctx, counterVersions)
		if isConditionFailed(err) {
			return sbomcat.Errorf(sbomcat.ENOTFOUND, "Package %s does not exist.", v.PackageName)
		}
		return wrap("create version", err)
	}
	now := s.now()
	it := versionKey(v.PackageName, v.VersionName)
	it["package"], it["version"], it["description"] = str(v.PackageName), str(v.VersionName), str(v.Description)
	it["attributes"], it["tags"], it["recipe"] = strMap(v.Attributes), strMap(v.Tags), str(v.Recipe)
	it["status"], it["errorReason"] = str(string(sbomcat.VersionDraft)), str("")
	if v.Artifact != nil {
		it["artifact"] = location(v.Artifact)
	}
	it["created"], it["updated"], it["rev"] = num(now.UnixMilli()), num(now.UnixMilli()), num(0)
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: it, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		s.release(ctx, counterVersions)
		if uerr := s.addVersionCount(context.WithoutCancel(ctx), v.PackageName, -1); uerr != nil {
			return wrap("create version", errors.Join(err, uerr))
		}
	}
	if isConditionFailed(err) {
		return sbomcat.Errorf(sbomcat.ECONFLICT, "Package version %s/%s already exists.", v.PackageName, v.VersionName)
	} else if err != nil {
		return wrap("create version", err)
	}
	v.Status, v.ErrorReason, v.SBOM, v.SBOMStatus, v.AssociationID = sbomcat.VersionDraft, "", nil, "", ""
	v.CreatedAt, v.UpdatedAt = now, now
	return nil
}

// addVersionCount adds delta to the package's version count; a condition failure means the
// package does not exist. A package without a count (an older table) is counted first; the
// count of a decrement's caller excludes the version it deleted already.
func (s *Store) addVersionCount(ctx context.Context, pkg string, delta int64) error {
	for attempt := range maxAttempts {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: packageKey(pkg),
			UpdateExpression:          aws.String("SET versions = versions + :d"),
			ConditionExpression:       aws.String("attribute_exists(versions)"),
			ExpressionAttributeValues: item{":d": num(delta)},
		})
		if !isConditionFailed(err) {
			return err
		}
		wrote, err := s.initVersionCount(ctx, pkg)
		if err != nil {
			return err
		}
		if wrote && delta < 0 {
			return nil
		}
		if wrote {
			continue
		}
		// Not counted here: the package is missing, or it was created (or counted by another
		// caller) since the update failed, and the update is tried again. Giving up after a
		// fixed number of tries turned a create racing a re-create into a 500.
		if err := s.noPackage(ctx, pkg); !errors.Is(err, errContention) {
			return err
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
	return errContention
}

// noPackage returns a condition failure when pkg does not exist (what addVersionCount's callers
// expect), and errContention when it does: its count kept changing under us.
func (s *Store) noPackage(ctx context.Context, pkg string) error {
	it, err := s.get(ctx, packageKey(pkg))
	if err != nil {
		return err
	}
	if it == nil {
		return &types.ConditionalCheckFailedException{Message: aws.String("package " + pkg + " does not exist")}
	}
	return errContention
}

// GetVersion implements sbomcat.Store.
func (s *Store) GetVersion(ctx context.Context, pkg, ver string) (*sbomcat.PackageVersion, error) {
	v, _, err := s.getVersion(ctx, pkg, ver)
	return v, wrap("get version", err)
}

// UpdateVersion implements sbomcat.Store.
func (s *Store) UpdateVersion(ctx context.Context, pkg, ver string, u sbomcat.VersionUpdate) (*sbomcat.PackageVersion, error) {
	v, err := optimistically(ctx, func() (*sbomcat.PackageVersion, error) {
		v, rev, err := s.getVersion(ctx, pkg, ver)
		if err != nil {
			return nil, err
		}
		if err := v.Apply(u, s.now()); err != nil {
			return nil, err
		}
		// Only the fields UpdateVersion owns are written, so that SBOM association, which does
		// not take part in the revision protocol, is never overwritten.
		set := "SET description = :d, attributes = :a, recipe = :r, #st = :s, updated = :u, rev = rev + :one"
		values := item{":d": str(v.Description), ":a": strMap(v.Attributes), ":r": str(v.Recipe), ":s": str(string(v.Status)),
			":u": num(v.UpdatedAt.UnixMilli()), ":one": num(1), ":rev": num(rev)}
		if v.Artifact != nil {
			set += ", artifact = :art"
			values[":art"] = location(v.Artifact)
		}
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: versionKey(pkg, ver),
			UpdateExpression:          aws.String(set),
			ConditionExpression:       aws.String("rev = :rev"),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: values,
		})
		if err != nil {
			return nil, err
		}
		return v, nil
	})
	return v, wrap("update version", err)
}

// DeleteVersion implements sbomcat.Store. A version that is being deleted is marked first
// (deleting = a fresh token) and UpdatePackage never makes a marked version the default; then
// the package item is touched on the condition that the version is not its default (which
// also makes a concurrent UpdatePackage that read the version before the mark retry and see
// it); only then is the version deleted, conditional on the mark being still ours.
func (s *Store) DeleteVersion(ctx context.Context, pkg, ver string) error {
	token := sbomcat.NewID()
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: versionKey(pkg, ver),
		UpdateExpression:          aws.String("SET deleting = :t"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: item{":t": str(token)},
	})
	if isConditionFailed(err) {
		return nil // deleting a missing version succeeds
	} else if err != nil {
		return wrap("delete version", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: packageKey(pkg),
		UpdateExpression:          aws.String("SET rev = rev + :one"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND defaultVersion <> :v"),
		ExpressionAttributeValues: item{":one": num(1), ":v": str(ver)},
	})
	if isConditionFailed(err) {
		p, _, gerr := s.getPackage(ctx, pkg)
		if gerr == nil && p.DefaultVersion == ver {
			s.unmark(ctx, pkg, ver, token)
			return sbomcat.Errorf(sbomcat.EINVALID, "Package version %s/%s is the default version of package %s; remove the designation with UpdatePackage (unsetDefaultVersion) before deleting it.", pkg, ver, pkg)
		}
		// The package is gone (which its version count forbids) or no longer names ver: delete.
	} else if err != nil {
		s.unmark(ctx, pkg, ver, token)
		return wrap("delete version", err)
	}
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: versionKey(pkg, ver), ReturnValues: types.ReturnValueAllOld,
		ConditionExpression:       aws.String("deleting = :t"),
		ExpressionAttributeValues: item{":t": str(token)},
	})
	if isConditionFailed(err) {
		return nil // a concurrent DeleteVersion deleted it
	} else if err != nil {
		return wrap("delete version", err)
	}
	// The version is gone: what counted it follows, even if the caller has gone away.
	ctx = context.WithoutCancel(ctx)
	s.release(ctx, counterVersions)
	if getS(out.Attributes, "sbomStatus") == string(sbomcat.StatusInProgress) {
		s.release(ctx, counterInFlight)
	}
	if err := s.addVersionCount(ctx, pkg, -1); err != nil && !isConditionFailed(err) {
		return wrap("delete version", err)
	}
	return wrap("delete version", s.deleteResults(ctx, getS(out.Attributes, "associationId")))
}

// unmark removes DeleteVersion's mark when the delete does not go ahead.
func (s *Store) unmark(ctx context.Context, pkg, ver, token string) {
	_, _ = s.db.UpdateItem(context.WithoutCancel(ctx), &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: versionKey(pkg, ver),
		UpdateExpression:          aws.String("REMOVE deleting"),
		ConditionExpression:       aws.String("deleting = :t"),
		ExpressionAttributeValues: item{":t": str(token)},
	})
}

// ListVersions implements sbomcat.Store.
func (s *Store) ListVersions(ctx context.Context, pkg string, status sbomcat.VersionStatus, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.PackageVersion], error) {
	var out sbomcat.Page[sbomcat.PackageVersion]
	after, err := sbomcat.VersionsList(pkg, status).Start(page)
	if err != nil {
		return out, err
	}
	if _, _, err := s.getPackage(ctx, pkg); err != nil {
		return out, wrap("list versions", err)
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :v)"),
		ExpressionAttributeValues: item{":pk": str("P#" + pkg), ":v": str("V#")},
	}
	if status != "" {
		in.FilterExpression = aws.String("#st = :s")
		in.ExpressionAttributeNames = map[string]string{"#st": "status"}
		in.ExpressionAttributeValues[":s"] = str(string(status))
	}
	if after != "" {
		in.ExclusiveStartKey = versionKey(pkg, after)
	}
	items, more, err := s.collect(ctx, in, page.Limit())
	if err != nil {
		return out, wrap("list versions", err)
	}
	return pageOf(items, more, versionFromItem, func(last *sbomcat.PackageVersion) (string, error) {
		return sbomcat.VersionsList(pkg, status).Next(last.VersionName)
	})
}

// SBOM associations and validation results.

func inProgressSK(ms int64, id string) string { return fmt.Sprintf("%015d#%s", ms, id) }

// Associate implements sbomcat.Store. A version that is not IN_PROGRESS takes a place in the
// in-flight quota's counter first and switches on the condition that it is still not
// IN_PROGRESS; one that is IN_PROGRESS replaces its work on the condition that it still is. A
// switch that loses a race gives its place back and starts again.
//
// The first attempt does not read the version: it takes it to be not IN_PROGRESS, which is
// the usual case (a new version, or one whose validation has ended), so an association costs
// two writes. A wrong guess (the version is IN_PROGRESS, does not exist, or the quota is full)
// gives the place back and goes on as any lost race does, reading the version first.
func (s *Store) Associate(ctx context.Context, a sbomcat.Association, maxInFlight int) (*sbomcat.PackageVersion, error) {
	now := s.now()
	created := a.CreatedAt
	if created.IsZero() {
		created = now
	}
	ip := str(string(sbomcat.StatusInProgress))
	for attempt := range maxAttempts {
		reserved := true
		if attempt > 0 {
			current, _, err := s.getVersion(ctx, a.PackageName, a.VersionName)
			if err != nil {
				return nil, wrap("associate", err)
			}
			reserved = current.SBOMStatus != sbomcat.StatusInProgress
		}
		cond := "sbomStatus = :ip"
		if reserved {
			if err := s.reserve(ctx, counterInFlight, sbomcat.QuotaInFlight, maxInFlight); err != nil {
				if attempt == 0 && sbomcat.ErrCode(err) == sbomcat.EQUOTA {
					continue // the version may be IN_PROGRESS, which needs no place
				}
				return nil, wrap("associate", err)
			}
			// "attribute_exists(pk) AND (attribute_not_exists(sbomStatus) OR sbomStatus <>
			// :ip)": a comparison with a missing attribute (or item) is false, so NOT = holds
			// for a version without a status and pk = :pk fails for a missing version; the
			// same condition in the cheapest expression (see "Expressions on the hot path").
			cond = "NOT sbomStatus = :ip AND pk = :pk"
		}
		values := item{":sbom": location(&a.SBOM), ":ip": ip, ":id": str(a.ID),
			":at": num(created.UnixMilli()), ":u": num(now.UnixMilli()), ":ippk": str(inProgressPK), ":ipsk": str(inProgressSK(created.UnixMilli(), a.ID)), ":attempts": num(int64(a.InitialAttempts()))}
		// The association's profile (the package's sbomcat:profile tag), absent when none; the
		// previous association's results kept on the item go (see RecordValidation).
		set, remove := "", " REMOVE resultCount, results, profile"
		if a.Profile != "" {
			set, remove, values[":pf"] = ", profile = :pf", " REMOVE resultCount, results", str(string(a.Profile))
		}
		if reserved {
			values[":pk"] = versionKey(a.PackageName, a.VersionName)["pk"]
		}
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: versionKey(a.PackageName, a.VersionName),
			UpdateExpression:          aws.String("SET sbom = :sbom, sbomStatus = :ip, associationId = :id, associated = :at, updated = :u, ippk = :ippk, ipsk = :ipsk, attempts = :attempts" + set + remove),
			ConditionExpression:       aws.String(cond),
			ExpressionAttributeValues: values,
			ReturnValues:              types.ReturnValueAllOld,
		})
		if err != nil && reserved {
			s.release(ctx, counterInFlight)
		}
		if err == nil {
			v := versionFromItem(out.Attributes)
			if old := v.AssociationID; old != "" && old != a.ID {
				if err := s.deleteResults(ctx, old); err != nil {
					return nil, wrap("associate", err)
				}
			}
			sbom := a.SBOM
			v.SBOM, v.SBOMStatus, v.AssociationID, v.UpdatedAt = &sbom, sbomcat.StatusInProgress, a.ID, now
			return v, nil
		} else if !isConditionFailed(err) {
			return nil, wrap("associate", err)
		}
		if attempt == 0 {
			continue // a wrong guess, not contention: no need to wait
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
	return nil, wrap("associate", errContention)
}

// AssociateRecorded implements sbomcat.Store. The record is written right after the
// association: a conditional update that must return the version cannot be part of a
// DynamoDB transaction, which returns no items.
func (s *Store) AssociateRecorded(ctx context.Context, a sbomcat.Association, maxInFlight int, r sbomcat.IdempotencyRecord) (*sbomcat.PackageVersion, error) {
	v, err := s.Associate(ctx, a, maxInFlight)
	if err != nil {
		return nil, err
	}
	if r.Response, err = json.Marshal(v); err != nil {
		return nil, fmt.Errorf("dynamodb: encode idempotency record: %w", err)
	}
	if err := s.PutIdempotency(ctx, r); err != nil {
		return v, fmt.Errorf("associate: %w: %w", sbomcat.ErrNotRecorded, err)
	}
	return v, nil
}

// Disassociate implements sbomcat.Store.
func (s *Store) Disassociate(ctx context.Context, pkg, ver string) error {
	v, _, err := s.getVersion(ctx, pkg, ver)
	if err != nil {
		return wrap("disassociate", err)
	}
	if v.SBOM == nil && v.AssociationID == "" {
		return nil
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: versionKey(pkg, ver),
		UpdateExpression:          aws.String("SET updated = :u REMOVE sbom, sbomStatus, associationId, associated, ippk, ipsk, resultCount, results"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: item{":u": num(s.now().UnixMilli())},
		ReturnValues:              types.ReturnValueAllOld,
	})
	if isConditionFailed(err) {
		return sbomcat.Errorf(sbomcat.ENOTFOUND, "Package version %s/%s does not exist.", pkg, ver)
	} else if err != nil {
		return wrap("disassociate", err)
	}
	if getS(out.Attributes, "sbomStatus") == string(sbomcat.StatusInProgress) {
		s.release(ctx, counterInFlight)
	}
	return wrap("disassociate", s.deleteResults(ctx, getS(out.Attributes, "associationId")))
}

func resultKey(assoc string, rank int) item {
	return item{"pk": str("R#" + assoc), "sk": str(rankSK(rank))}
}

func rankSK(rank int) string { return fmt.Sprintf("%08d", rank) }

// A validation's results of up to inlineResults files, whose texts take at most inlineBytes,
// are kept on the version item itself ("results", a list in rank order): recording them is
// then one conditional write and listing them one read. Larger sets are result items.
const (
	inlineResults = 10
	inlineBytes   = 32 << 10
)

// resultAttrs is a result's attributes, as a result item's or an element of "results".
func resultAttrs(r sbomcat.FileResult) item {
	return item{"fileName": str(r.FileName), "result": str(string(r.Result)), "errorCode": str(string(r.ErrorCode)),
		"errorMessage": str(r.ErrorMessage), "format": str(string(r.Format)), "specVersion": str(r.SpecVersion)}
}

func resultFromAttrs(it item) sbomcat.FileResult {
	return sbomcat.FileResult{
		FileName: getS(it, "fileName"), Result: sbomcat.ValidationResult(getS(it, "result")), ErrorCode: sbomcat.ErrorCode(getS(it, "errorCode")),
		ErrorMessage: getS(it, "errorMessage"), Format: sbomcat.Format(getS(it, "format")), SpecVersion: getS(it, "specVersion"),
	}
}

// RecordValidation implements sbomcat.Store. A small set of results is written with the
// status, in one write conditional on the association still being the version's. A larger
// set is written first as result items under the association's id, then committed by that
// conditional write, which sets the number of results (resultCount): ListValidationResults
// lists only ranks below it, so results that an earlier delivery of the same association
// wrote beyond them are never seen, and a redelivered validation replaces the first one's
// without clearing them first. If the condition fails, the results are removed again.
//
// Each request to the store costs about as much as validating a small SBOM: a small SBOM's
// results take one request (and the in-flight counter's release), where reading the
// version, clearing earlier results and writing result items first took four more.
func (s *Store) RecordValidation(ctx context.Context, val sbomcat.Validation) error {
	// Ranks follow (fileName, input order), so that the rank alone gives the list order.
	order := make([]int, len(val.Results))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(val.Results[a].FileName, val.Results[b].FileName) })
	ranked := make([]item, len(order))
	size := 0
	for rank, i := range order {
		r := val.Results[i]
		ranked[rank] = resultAttrs(r)
		size += len(r.FileName) + len(r.ErrorMessage) + len(r.SpecVersion) + 64
	}
	values := item{":st": str(string(sbomcat.RollUp(val.Results))), ":n": num(int64(len(ranked))), ":id": str(val.AssociationID)}
	update := "SET sbomStatus = :st, resultCount = :n"
	if len(ranked) <= inlineResults && size <= inlineBytes {
		list := make([]types.AttributeValue, len(ranked))
		for i, it := range ranked {
			list[i] = &types.AttributeValueMemberM{Value: it}
		}
		values[":r"] = &types.AttributeValueMemberL{Value: list}
		update += ", results = :r REMOVE ippk, ipsk"
	} else {
		writes := make([]types.WriteRequest, len(ranked))
		for rank, it := range ranked {
			maps.Copy(it, resultKey(val.AssociationID, rank))
			writes[rank] = types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
		}
		if err := s.batchWrite(ctx, writes); err != nil {
			return wrap("record validation", err)
		}
		update += " REMOVE ippk, ipsk, results"
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: versionKey(val.PackageName, val.VersionName),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String("associationId = :id"),
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueUpdatedOld,
	})
	if err == nil && getS(out.Attributes, "sbomStatus") == string(sbomcat.StatusInProgress) {
		s.release(ctx, counterInFlight)
	}
	if isConditionFailed(err) {
		if derr := s.deleteResults(ctx, val.AssociationID); derr != nil {
			return wrap("record validation", derr)
		}
		if _, _, gerr := s.getVersion(ctx, val.PackageName, val.VersionName); sbomcat.ErrCode(gerr) == sbomcat.ENOTFOUND {
			return gerr
		}
		return sbomcat.Errorf(sbomcat.ECONFLICT, "Association %s of %s/%s is no longer current; its results are discarded.", val.AssociationID, val.PackageName, val.VersionName)
	}
	return wrap("record validation", err)
}

type resultCursor struct {
	Rank string `json:"r"`
}

// ListValidationResults implements sbomcat.Store.
func (s *Store) ListValidationResults(ctx context.Context, pkg, ver string, result sbomcat.ValidationResult, page sbomcat.PageRequest) (sbomcat.Page[sbomcat.FileResult], error) {
	var out sbomcat.Page[sbomcat.FileResult]
	list := sbomcat.ListID("results", pkg, ver, string(result))
	var after resultCursor
	if err := page.Start(list, &after); err != nil {
		return out, err
	}
	it, err := s.getVersionItem(ctx, pkg, ver)
	if err != nil {
		return out, wrap("list results", err)
	}
	v := versionFromItem(it)
	if v.AssociationID == "" || v.SBOMStatus == sbomcat.StatusInProgress {
		// Results appear with the final status: until then any under the association's id
		// are a delivery's, still being written.
		return out, nil
	}
	if l, ok := it["results"].(*types.AttributeValueMemberL); ok {
		return inlinePage(list, l.Value, result, after, page.Limit())
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str("R#" + v.AssociationID)},
	}
	// Results recorded before resultCount existed have none, and are listed whole.
	if _, ok := it["resultCount"]; ok {
		in.KeyConditionExpression = aws.String("pk = :pk AND sk < :end")
		in.ExpressionAttributeValues[":end"] = str(rankSK(int(getN(it, "resultCount"))))
	}
	if result != "" {
		in.FilterExpression = aws.String("#r = :r")
		in.ExpressionAttributeNames = map[string]string{"#r": "result"}
		in.ExpressionAttributeValues[":r"] = str(string(result))
	}
	if after.Rank != "" {
		in.ExclusiveStartKey = item{"pk": str("R#" + v.AssociationID), "sk": str(after.Rank)}
	}
	items, more, err := s.collect(ctx, in, page.Limit())
	if err != nil {
		return out, wrap("list results", err)
	}
	for _, it := range items {
		out.Items = append(out.Items, resultFromAttrs(it))
	}
	if more {
		out.NextToken, err = sbomcat.EncodePageToken(list, resultCursor{Rank: getS(items[len(items)-1], "sk")})
	}
	return out, err
}

// inlinePage is a page of results kept on the version item (see RecordValidation), with the
// same cursor as result items: the rank of the last one listed.
func inlinePage(list string, results []types.AttributeValue, result sbomcat.ValidationResult, after resultCursor, limit int) (sbomcat.Page[sbomcat.FileResult], error) {
	var out sbomcat.Page[sbomcat.FileResult]
	last := 0
	for rank, av := range results {
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok || (after.Rank != "" && rankSK(rank) <= after.Rank) {
			continue
		}
		r := resultFromAttrs(m.Value)
		if result != "" && r.Result != result {
			continue
		}
		if len(out.Items) == limit {
			var err error
			out.NextToken, err = sbomcat.EncodePageToken(list, resultCursor{Rank: rankSK(last)})
			return out, err
		}
		out.Items, last = append(out.Items, r), rank
	}
	return out, nil
}

// deleteResults removes an association's results; "" has none.
func (s *Store) deleteResults(ctx context.Context, assoc string) error {
	if assoc == "" {
		return nil
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: item{":pk": str("R#" + assoc)},
		ProjectionExpression:      aws.String("pk, sk"),
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return err
		}
		var writes []types.WriteRequest
		for _, it := range out.Items {
			writes = append(writes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item{"pk": it["pk"], "sk": it["sk"]}}})
		}
		if err := s.batchWrite(ctx, writes); err != nil {
			return err
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// batchWrite writes in batches of 25, retrying what DynamoDB leaves unprocessed.
func (s *Store) batchWrite(ctx context.Context, writes []types.WriteRequest) error {
	for len(writes) > 0 {
		n := min(25, len(writes))
		pending := map[string][]types.WriteRequest{s.table: writes[:n]}
		for attempt := 0; len(pending[s.table]) > 0; attempt++ {
			if attempt == maxAttempts {
				return errContention
			}
			if attempt > 0 {
				if err := backoff(ctx, attempt); err != nil {
					return err
				}
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return err
			}
			pending = out.UnprocessedItems
		}
		writes = writes[n:]
	}
	return nil
}

// ListInProgress implements sbomcat.Store, from the sparse in-progress index.
func (s *Store) ListInProgress(ctx context.Context, limit int) ([]sbomcat.Association, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(inProgressIndex), Limit: aws.Int32(int32(limit)),
		KeyConditionExpression:    aws.String("ippk = :p"),
		ExpressionAttributeValues: item{":p": str(inProgressPK)},
	})
	if err != nil {
		return nil, wrap("list in progress", err)
	}
	var res []sbomcat.Association
	for _, it := range out.Items {
		v := versionFromItem(it)
		if v.SBOM == nil {
			continue
		}
		res = append(res, sbomcat.Association{ID: v.AssociationID, PackageName: v.PackageName, VersionName: v.VersionName,
			SBOM: *v.SBOM, CreatedAt: fromMS(getN(it, "associated")), Profile: sbomcat.Profile(getS(it, "profile"))})
	}
	return res, nil
}

// BeginAttempt implements sbomcat.Store.
func (s *Store) BeginAttempt(ctx context.Context, a sbomcat.Association) (int, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: versionKey(a.PackageName, a.VersionName),
		UpdateExpression:          aws.String("ADD attempts :one"), // a missing count starts at 0
		ConditionExpression:       aws.String("associationId = :id AND sbomStatus = :ip"),
		ExpressionAttributeValues: item{":one": num(1), ":id": str(a.ID), ":ip": str(string(sbomcat.StatusInProgress))},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if isConditionFailed(err) {
		if _, _, err := s.getVersion(ctx, a.PackageName, a.VersionName); err != nil {
			return 0, wrap("begin attempt", err)
		}
		return 0, sbomcat.Errorf(sbomcat.ECONFLICT, "Association %s of %s/%s is no longer current or no longer in progress.", a.ID, a.PackageName, a.VersionName)
	} else if err != nil {
		return 0, wrap("begin attempt", err)
	}
	return int(getN(out.Attributes, "attempts")), nil
}

// The account's quota counters live on one item, incremented conditionally on the limit
// before the item they count is written, and decremented when it is deleted (or, for the
// in-flight count, when the validation ends or the association is removed). A create that
// fails after its increment gives the place back, so a count may run ahead of the items it
// counts for a moment, never behind, and a limit is never passed.
var countersKey = item{"pk": str("#COUNTS"), "sk": str("#COUNTS")}

const (
	counterPackages = "packages"
	counterVersions = "versions"
	counterInFlight = "inflight"
)

// reserve increments counter, refusing with EQUOTA when it has reached limit (NoLimit: never).
func (s *Store) reserve(ctx context.Context, counter string, q sbomcat.Quota, limit int) error {
	if err := s.ensureCounters(ctx); err != nil {
		return err
	}
	err := s.addCoalesced(ctx, counter, 1, limit)
	if isConditionFailed(err) {
		return sbomcat.QuotaExceeded(q, limit)
	}
	return err
}

// release decrements counter. It runs after the counted item is gone, so it is not cancelled
// with the caller's context; if it fails anyway the count stays high by one, which can only
// refuse a create early, never let one pass the limit.
func (s *Store) release(ctx context.Context, counter string) {
	_ = s.addCoalesced(context.WithoutCancel(ctx), counter, -1, sbomcat.NoLimit)
}

// addCoalesced adds delta (1 or -1) to counter in a write shared with concurrent updates of
// the same kind (see coalescer). A batch its condition refuses as a whole is made again one
// update at a time, so that each gets the answer it would have got alone.
func (s *Store) addCoalesced(ctx context.Context, counter string, delta, limit int) error {
	err := s.batches.get(coalesceKey{counter: counter, delta: delta, limit: limit}).do(func(n int) error {
		wctx := ctx
		if n > 1 {
			wctx = context.WithoutCancel(ctx) // the others' updates ride on this write too
		}
		err := s.addCounter(wctx, counter, n*delta, limit)
		if n > 1 && isConditionFailed(err) {
			return errBatchRefused
		}
		return err
	})
	if errors.Is(err, errBatchRefused) {
		return s.addCounter(ctx, counter, delta, limit)
	}
	return err
}

// addCounter adds delta to counter in one write: an increment on the condition that the count
// stays within limit (NoLimit: none), a decrement on the condition that it stays at 0 or more.
// ADD starts a missing counter at 0, and a comparison with a missing attribute is false (see
// "Expressions on the hot path"): one increment is "SET #c = if_not_exists(#c, 0) + 1" on the
// condition "attribute_not_exists(#c) OR #c < :limit", one decrement "SET #c = #c - 1" on
// "#c > 0".
func (s *Store) addCounter(ctx context.Context, counter string, delta, limit int) error {
	in := &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: countersKey,
		UpdateExpression:          aws.String("ADD #c :d"),
		ExpressionAttributeNames:  map[string]string{"#c": counter},
		ExpressionAttributeValues: item{":d": num(int64(delta))},
	}
	switch {
	case delta < 0:
		in.ConditionExpression = aws.String("#c >= :n")
		in.ExpressionAttributeValues[":n"] = num(int64(-delta))
	case limit != sbomcat.NoLimit:
		in.ConditionExpression = aws.String("NOT #c > :max")
		in.ExpressionAttributeValues[":max"] = num(int64(limit - delta))
	}
	_, err := s.db.UpdateItem(ctx, in)
	return err
}

// Counts implements sbomcat.Store from the quota counters.
func (s *Store) Counts(ctx context.Context) (sbomcat.Counts, error) {
	if err := s.ensureCounters(ctx); err != nil {
		return sbomcat.Counts{}, wrap("counts", err)
	}
	it, err := s.get(ctx, countersKey)
	if err != nil {
		return sbomcat.Counts{}, wrap("counts", err)
	}
	return sbomcat.Counts{Packages: int(getN(it, counterPackages)), Versions: int(getN(it, counterVersions)),
		ValidationsInProgress: int(getN(it, counterInFlight))}, nil
}

// Tags.

func tagKey(id sbomcat.ResourceID) item {
	if id.VersionName != "" {
		return versionKey(id.PackageName, id.VersionName)
	}
	return packageKey(id.PackageName)
}

func notFound(id sbomcat.ResourceID) error {
	if id.VersionName != "" {
		return sbomcat.Errorf(sbomcat.ENOTFOUND, "Package version %s/%s does not exist.", id.PackageName, id.VersionName)
	}
	return sbomcat.Errorf(sbomcat.ENOTFOUND, "Package %s does not exist.", id.PackageName)
}

// EditTags implements sbomcat.Store.
func (s *Store) EditTags(ctx context.Context, id sbomcat.ResourceID, edit func(map[string]string) error) error {
	return wrap("edit tags", s.editTags(ctx, id, edit))
}

func (s *Store) editTags(ctx context.Context, id sbomcat.ResourceID, edit func(map[string]string) error) error {
	_, err := optimistically(ctx, func() (struct{}, error) {
		it, err := s.get(ctx, tagKey(id))
		if err != nil {
			return struct{}{}, err
		}
		if it == nil {
			return struct{}{}, notFound(id)
		}
		tags := getMap(it, "tags")
		if tags == nil {
			tags = map[string]string{}
		}
		if err := edit(tags); err != nil {
			return struct{}{}, err
		}
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: tagKey(id),
			UpdateExpression:          aws.String("SET tags = :t, rev = rev + :one"),
			ConditionExpression:       aws.String("rev = :rev"),
			ExpressionAttributeValues: item{":t": strMap(tags), ":one": num(1), ":rev": num(getN(it, "rev"))},
		})
		return struct{}{}, err
	})
	return err
}

// ListTags implements sbomcat.Store.
func (s *Store) ListTags(ctx context.Context, id sbomcat.ResourceID) (map[string]string, error) {
	it, err := s.get(ctx, tagKey(id))
	if err != nil {
		return nil, wrap("list tags", err)
	}
	if it == nil {
		return nil, notFound(id)
	}
	tags := getMap(it, "tags")
	if tags == nil {
		tags = map[string]string{}
	}
	return tags, nil
}

// Idempotency records and configuration.

func idempotencyKey(op, token string) item {
	return item{"pk": str("I#" + op + "#" + token), "sk": str("#IDEM")}
}

// GetIdempotency implements sbomcat.Store.
func (s *Store) GetIdempotency(ctx context.Context, op, token string) (*sbomcat.IdempotencyRecord, error) {
	it, err := s.get(ctx, idempotencyKey(op, token))
	if err != nil {
		return nil, wrap("get idempotency record", err)
	}
	if it == nil {
		return nil, sbomcat.Errorf(sbomcat.ENOTFOUND, "No request with client token %s.", token)
	}
	r := &sbomcat.IdempotencyRecord{Operation: op, Token: token, Fingerprint: getS(it, "fingerprint"), CreatedAt: fromMS(getN(it, "created"))}
	if b, ok := it["response"].(*types.AttributeValueMemberB); ok {
		r.Response = b.Value
	}
	return r, nil
}

// PutIdempotency implements sbomcat.Store. The record carries its expiry in TTLAttribute, so
// that DynamoDB's TTL (turned on by template.yaml) deletes it; until then, and where there is
// no TTL (dynalite), callers compare CreatedAt and PurgeIdempotency deletes it.
func (s *Store) PutIdempotency(ctx context.Context, r sbomcat.IdempotencyRecord) error {
	created := r.CreatedAt
	if created.IsZero() {
		created = s.now()
	}
	it := idempotencyKey(r.Operation, r.Token)
	it["fingerprint"], it["created"] = str(r.Fingerprint), num(created.UnixMilli())
	it[TTLAttribute] = num(created.Add(sbomcat.IdempotencyRetention).Unix())
	if len(r.Response) > 0 {
		it["response"] = &types.AttributeValueMemberB{Value: r.Response}
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it})
	return wrap("put idempotency record", err)
}

// TTLAttribute is the item attribute that DynamoDB's time to live reads: epoch seconds after
// which the item may be deleted. Only clientToken records carry it.
const TTLAttribute = "expires"

// PurgeIdempotency implements sbomcat.Store with a scan, for tables without TTL (dynalite); on
// DynamoDB the TTL does this work for free.
func (s *Store) PurgeIdempotency(ctx context.Context, cutoff time.Time) (int, error) {
	in := &dynamodb.ScanInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("pk, sk"),
		FilterExpression:          aws.String("begins_with(pk, :i) AND created < :c"),
		ExpressionAttributeValues: item{":i": str("I#"), ":c": num(cutoff.UnixMilli())},
	}
	n := 0
	for {
		out, err := s.db.Scan(ctx, in)
		if err != nil {
			return n, wrap("purge idempotency records", err)
		}
		var writes []types.WriteRequest
		for _, it := range out.Items {
			writes = append(writes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item{"pk": it["pk"], "sk": it["sk"]}}})
		}
		if err := s.batchWrite(ctx, writes); err != nil {
			return n, wrap("purge idempotency records", err)
		}
		n += len(writes)
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

var configKey = item{"pk": str("#CONFIG"), "sk": str("#CONFIG")}

// GetPackageConfiguration implements sbomcat.Store.
func (s *Store) GetPackageConfiguration(ctx context.Context) (sbomcat.PackageConfiguration, error) {
	var c sbomcat.PackageConfiguration
	it, err := s.get(ctx, configKey)
	if err != nil {
		return c, wrap("get package configuration", err)
	}
	if b, ok := it["enabled"].(*types.AttributeValueMemberBOOL); ok {
		c.VersionUpdateByJobsEnabled = b.Value
	}
	c.VersionUpdateByJobsRoleARN = getS(it, "roleArn")
	return c, nil
}

// PutPackageConfiguration implements sbomcat.Store.
func (s *Store) PutPackageConfiguration(ctx context.Context, c sbomcat.PackageConfiguration) error {
	it := item{"pk": configKey["pk"], "sk": configKey["sk"], "enabled": &types.AttributeValueMemberBOOL{Value: c.VersionUpdateByJobsEnabled},
		"roleArn": str(c.VersionUpdateByJobsRoleARN)}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it})
	return wrap("put package configuration", err)
}
