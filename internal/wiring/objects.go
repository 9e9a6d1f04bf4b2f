package wiring

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sbomcat/sbomcat/objects"
	"github.com/sbomcat/sbomcat/worker"
)

// S3Objects is the worker's reader of S3 through the SDK's configuration.
func S3Objects(awsCfg aws.Config, o objects.Options) worker.Objects { return objects.New(awsCfg, o) }
