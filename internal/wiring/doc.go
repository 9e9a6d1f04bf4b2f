// Package wiring turns flags and environment variables into the parts every binary runs on:
// stores, queues, S3 readers, the worker, and the API handler. It is the one place, besides
// cmd/, that reads the environment, names its variables, and imports the packages bound to a
// database or an SDK (sqlite, dynamodb, objects, s3local, sqs); libraries take configuration
// as values. Its subpackage apiwiring builds the IoT API, apart so that the worker binaries do
// not link it; awswiring loads the SDK's configuration, apart so that the API Lambda can
// without linking wiring's SQLite and embedded S3.
//
// # Environment variables
//
// Every variable is SBOMCAT_<NAME>, the same name in every binary that reads it (the README
// has the table). Names of the previous release (SBOMD_<NAME> for sbomd, SBOMWORKER_<NAME>
// for the worker binaries) still work for one release: a binary that finds one logs a warning
// line on start, and when both the new and the old name are set, the new one wins. Flags win
// over both.
package wiring
