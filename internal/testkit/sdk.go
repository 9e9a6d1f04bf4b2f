package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// SDKConfig is the configuration of the tests' SDK clients for a server at url: region
// us-east-1 and the development credentials test/test, which sbomd and the emulators accept.
func SDKConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(url),
	}
}

// Clients returns the official SDK clients for an sbomd at url, configured as the README
// says: endpoint, region, test/test, path-style S3.
func Clients(url string) (*s3.Client, *iot.Client) {
	cfg := SDKConfig(url)
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), iot.NewFromConfig(cfg)
}

// WaitValidated polls GetPackageVersion until the version's SBOM status leaves IN_PROGRESS and
// returns it; it fails t if a call fails or the status has not changed within ServerDeadline.
func WaitValidated(t testing.TB, c *iot.Client, pkg, version string) iottypes.SbomValidationStatus {
	t.Helper()
	end := time.Now().Add(ServerDeadline)
	for {
		v, err := c.GetPackageVersion(context.Background(), &iot.GetPackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(version)})
		if err != nil {
			t.Fatalf("GetPackageVersion %s %s: %v", pkg, version, err)
		}
		if s := v.SbomValidationStatus; s != iottypes.SbomValidationStatusInProgress {
			return s
		}
		if time.Now().After(end) {
			t.Fatalf("%s %s still IN_PROGRESS after %s", pkg, version, ServerDeadline)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
