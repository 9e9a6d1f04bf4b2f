// Command sbomapi-lambda serves the package catalog API from AWS Lambda behind an API Gateway
// HTTP API (payload format 2.0), on DynamoDB. It is a thin adapter: the handler is the same
// api.Handler that sbomd serves, and API Gateway's IAM authorisation replaces SigV4
// verification.
//
// Environment: SBOMCAT_TABLE (required) names the DynamoDB table; SBOMCAT_ACCOUNT_ID (required)
// is the account of ARNs; AWS_REGION is set by Lambda.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/dynamodb"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Error("aws configuration", "error", err.Error())
		os.Exit(1)
	}
	table := os.Getenv("SBOMCAT_TABLE")
	store := dynamodb.New(awsddb.NewFromConfig(cfg), table)
	h, err := newHandler(store, os.Getenv, cfg.Region, log)
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}

// newHandler configures the API for Lambda from the environment.
func newHandler(store sbomcat.Store, getenv func(string) string, region string, log *slog.Logger) (http.Handler, error) {
	if getenv("SBOMCAT_TABLE") == "" {
		return nil, errors.New("SBOMCAT_TABLE must name the DynamoDB table")
	}
	account := getenv("SBOMCAT_ACCOUNT_ID")
	if account == "" {
		return nil, errors.New("SBOMCAT_ACCOUNT_ID must give the account id of ARNs")
	}
	return api.New(api.Config{
		Store:       store,
		Scope:       sbomcat.Scope{Partition: sbomcat.DefaultScope.Partition, Region: region, Account: account},
		DisableAuth: true, // API Gateway's IAM authoriser has verified the caller
		Logger:      log,
	}), nil
}
