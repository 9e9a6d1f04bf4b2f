package dynamodb

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Tables written before the counts existed have no quota counters item and package items
// without a version count. Both are counted once, at the first write that needs them, and
// written on the condition that nobody wrote them first. A create or delete racing that first
// count may be missed by it; from then on the counts are exact.

// countersReady is set once this process has seen the counters item, so that the check costs
// one read per process, not one per create.
type countersReady struct{ ok atomic.Bool }

// ensureCounters makes sure the quota counters item exists, counting the table if it does not.
func (s *Store) ensureCounters(ctx context.Context) error {
	if s.counters.ok.Load() {
		return nil
	}
	it, err := s.get(ctx, countersKey)
	if err != nil {
		return err
	}
	if it == nil {
		packages, err := s.count(ctx, &dynamodb.QueryInput{TableName: aws.String(s.table), IndexName: aws.String(packagesIndex),
			KeyConditionExpression: aws.String("gsi1pk = :p"), ExpressionAttributeValues: item{":p": str(packagesPK)}}, nil)
		if err != nil {
			return err
		}
		versions, err := s.count(ctx, nil, &dynamodb.ScanInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
			FilterExpression: aws.String("begins_with(sk, :v)"), ExpressionAttributeValues: item{":v": str("V#")}})
		if err != nil {
			return err
		}
		inflight, err := s.count(ctx, &dynamodb.QueryInput{TableName: aws.String(s.table), IndexName: aws.String(inProgressIndex),
			KeyConditionExpression: aws.String("ippk = :p"), ExpressionAttributeValues: item{":p": str(inProgressPK)}}, nil)
		if err != nil {
			return err
		}
		c := item{"pk": countersKey["pk"], "sk": countersKey["sk"], counterPackages: num(int64(packages)),
			counterVersions: num(int64(versions)), counterInFlight: num(int64(inflight))}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: c,
			ConditionExpression: aws.String("attribute_not_exists(pk)")})
		if err != nil && !isConditionFailed(err) {
			return err
		}
	}
	s.counters.ok.Store(true)
	return nil
}

// initVersionCount gives a package item that has no version count the number of its versions.
// It reports whether this call wrote it; false with a nil error means the package is missing or
// had a count already.
func (s *Store) initVersionCount(ctx context.Context, pkg string) (bool, error) {
	it, err := s.get(ctx, packageKey(pkg))
	if err != nil || it == nil || it["versions"] != nil {
		return false, err
	}
	n, err := s.count(ctx, &dynamodb.QueryInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :v)"),
		ExpressionAttributeValues: item{":pk": str("P#" + pkg), ":v": str("V#")}}, nil)
	if err != nil {
		return false, err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: packageKey(pkg),
		UpdateExpression:          aws.String("SET versions = :n"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND attribute_not_exists(versions)"),
		ExpressionAttributeValues: item{":n": num(int64(n))},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

// count counts what a query or a scan selects.
func (s *Store) count(ctx context.Context, query *dynamodb.QueryInput, scan *dynamodb.ScanInput) (int, error) {
	n := 0
	for {
		var last item
		if query != nil {
			query.Select = types.SelectCount
			out, err := s.db.Query(ctx, query)
			if err != nil {
				return 0, err
			}
			n, last, query.ExclusiveStartKey = n+int(out.Count), out.LastEvaluatedKey, out.LastEvaluatedKey
		} else {
			scan.Select = types.SelectCount
			out, err := s.db.Scan(ctx, scan)
			if err != nil {
				return 0, err
			}
			n, last, scan.ExclusiveStartKey = n+int(out.Count), out.LastEvaluatedKey, out.LastEvaluatedKey
		}
		if len(last) == 0 {
			return n, nil
		}
	}
}
