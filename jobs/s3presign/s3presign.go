// Package s3presign signs the artifact URLs of job documents with the AWS SDK's S3 presign
// client: real SigV4 query-string signatures (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature) for a GET of one object version.
//
// Presigning is a local computation; the S3 client's options decide the endpoint written into
// the URL (BaseEndpoint and UsePathStyle point it at a local S3 engine) and the credentials
// that sign it.
package s3presign

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sbomcat/sbomcat"
)

// Presigner implements jobs.Presigner.
type Presigner struct {
	client *s3.PresignClient
}

// New returns a Presigner that signs with client's endpoint, region and credentials.
func New(client *s3.Client) *Presigner {
	return &Presigner{client: s3.NewPresignClient(client)}
}

// PresignGetObject returns a URL that GETs loc, pinned to loc.Version when it is set, valid for
// expires.
func (p *Presigner) PresignGetObject(ctx context.Context, loc sbomcat.S3Location, expires time.Duration) (string, error) {
	in := &s3.GetObjectInput{Bucket: &loc.Bucket, Key: &loc.Key}
	if loc.Version != "" {
		in.VersionId = &loc.Version
	}
	req, err := p.client.PresignGetObject(ctx, in, s3.WithPresignExpires(expires))
	if err != nil {
		return "", fmt.Errorf("presign GET s3://%s/%s: %w", loc.Bucket, loc.Key, err)
	}
	return req.URL, nil
}
