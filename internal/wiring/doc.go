// Package wiring turns flags and environment variables into the parts every binary runs on:
// stores, queues, S3 readers, the worker, and the API handler. It is the one place, besides
// cmd/, that reads the environment, names its variables, and imports the packages bound to a
// database or an SDK (sqlite, dynamodb, objects, s3local, sqs); libraries take configuration
// as values. Its subpackages are apart so that the binaries link only what they use (each
// package linked costs a Lambda cold start its initialisation): apiwiring builds the IoT API,
// which the worker binaries do not link; awsenv builds the SDK's configuration from a Lambda
// function's environment, and awswiring loads it through the SDK's whole configuration chain
// for every other binary; localobjects reads sbomd's embedded S3, which the Lambda functions
// do not link.
//
// # Environment variables
//
// Every variable is SBOMCAT_<NAME>, the same name in every binary that reads it (the README
// has the table). Names of the previous release (SBOMD_<NAME> for sbomd, SBOMWORKER_<NAME>
// for the worker binaries) still work for one release: a binary that finds one logs a warning
// line on start, and when both the new and the old name are set, the new one wins. Flags win
// over both.
package wiring
