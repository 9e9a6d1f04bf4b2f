#!/usr/bin/env bash
# Runs sbomcat against LocalStack, or against standalone S3/SQS/DynamoDB emulators, the way
# template.yaml runs it on AWS but with the API server and the worker as local processes:
#
#  1. creates the SBOM bucket (versioning on), the association queue with its dead-letter queue
#     and redrive policy, and the DynamoDB table (deploy/localstack/setup, idempotent);
#  2. runs the API server (sbomd --table --queue-url --s3 external --worker=false) and the
#     worker's long-poll runner (sbomworker) against them, until SIGINT/SIGTERM or until either
#     exits (then it stops the other and exits with its status).
#
# LocalStack (one edge port):
#   AWS_ENDPOINT_URL=http://localhost:4566 deploy/localstack/run.sh
# Standalone emulators (one endpoint per service):
#   AWS_ENDPOINT_URL_S3=http://127.0.0.1:4570 AWS_ENDPOINT_URL_SQS=http://127.0.0.1:4577 \
#   AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:4567 deploy/localstack/run.sh
# It refuses to run with neither: it is not for real accounts (use template.yaml there).
#
# Settings (environment, with defaults):
#   SBOMCAT_BUCKET=sboms  SBOMCAT_QUEUE=sbomcat-associations  SBOMCAT_TABLE=sbomcat
#   SBOMCAT_MAX_RECEIVE_COUNT=5  SBOMCAT_QUEUE_VISIBILITY_SECONDS=60  the queue's redrive and visibility
#   (the worker's own SBOMCAT_VISIBILITY_TIMEOUT, a duration, is passed through to sbomworker)
#   SBOMCAT_ADDR=127.0.0.1:4599  address of the IoT package catalog API (sign requests for
#                              AWS_REGION with the AWS_ACCESS_KEY_ID pair, or SBOMCAT_CREDENTIALS)
#   SBOMCAT_STATE_DIR=.sbomcat-localstack  binaries and sbomd's data directory
#   SBOMCAT_BIN=  directory holding prebuilt sbomd, sbomworker and setup; built with go if unset
#   AWS_REGION=us-east-1  AWS_ACCESS_KEY_ID=test  AWS_SECRET_ACCESS_KEY=test
#   SBOMCAT_S3_USE_PATH_STYLE=true  (emulators, and LocalStack, serve buckets by path)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if [[ -z ${AWS_ENDPOINT_URL:-} && ( -z ${AWS_ENDPOINT_URL_S3:-} || -z ${AWS_ENDPOINT_URL_SQS:-} || -z ${AWS_ENDPOINT_URL_DYNAMODB:-} ) ]]; then
	echo "run.sh: set AWS_ENDPOINT_URL (LocalStack) or AWS_ENDPOINT_URL_S3, _SQS and _DYNAMODB (emulators)" >&2
	exit 2
fi

export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export SBOMCAT_S3_USE_PATH_STYLE=${SBOMCAT_S3_USE_PATH_STYLE:-true}
# Shared config and credential files could point the SDK elsewhere; these endpoints are local.
export AWS_CONFIG_FILE=${AWS_CONFIG_FILE:-/dev/null}

bucket=${SBOMCAT_BUCKET:-sboms}
queue=${SBOMCAT_QUEUE:-sbomcat-associations}
table=${SBOMCAT_TABLE:-sbomcat}
max_receive=${SBOMCAT_MAX_RECEIVE_COUNT:-5}
visibility=${SBOMCAT_QUEUE_VISIBILITY_SECONDS:-60}
addr=${SBOMCAT_ADDR:-127.0.0.1:4599}
state=${SBOMCAT_STATE_DIR:-$root/.sbomcat-localstack}
mkdir -p "$state"

bin=${SBOMCAT_BIN:-}
if [[ -z $bin ]]; then
	bin=$state/bin
	mkdir -p "$bin"
	echo "run.sh: building sbomd, sbomworker and setup into $bin" >&2
	(cd "$root" && go build -o "$bin/" ./cmd/sbomd ./cmd/sbomworker ./deploy/localstack/setup)
fi

echo "run.sh: creating bucket $bucket, queue $queue (+ -dlq), table $table" >&2
outputs=$("$bin/setup" --bucket "$bucket" --queue "$queue" --table "$table" \
	--max-receive-count "$max_receive" --visibility-timeout "$visibility")
queue_url= dlq_url=
while IFS='=' read -r key value; do
	case $key in
	SBOMCAT_QUEUE_URL) queue_url=$value ;;
	SBOMCAT_DLQ_URL) dlq_url=$value ;;
	esac
done <<<"$outputs"
if [[ -z $queue_url ]]; then
	echo "run.sh: setup printed no queue URL: $outputs" >&2
	exit 1
fi

pids=()
stop() {
	trap - INT TERM
	if ((${#pids[@]})); then
		kill -TERM "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true
	fi
}
trap 'stop; exit 0' INT TERM
trap 'stop' EXIT

# The API: catalog in DynamoDB, associations to SQS, S3 through the SDK (artifact URLs are
# presigned for the S3 endpoint); validation is the worker's.
# It accepts the same key pair as the emulators, so one set of credentials serves a client.
"$bin/sbomd" --addr "$addr" --data-dir "$state/sbomd" --region "$AWS_REGION" \
	--credentials "${SBOMCAT_CREDENTIALS:-$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY}" \
	--table "$table" --queue-url "$queue_url" --s3 external --worker=false &
pids+=($!)

# The worker's long-poll runner, told the redrive policy's receive count.
SBOMCAT_STORE=dynamodb SBOMCAT_TABLE=$table SBOMCAT_QUEUE_URL=$queue_url \
	SBOMCAT_MAX_RECEIVE_COUNT=$max_receive "$bin/sbomworker" &
pids+=($!)

host=${addr%:*} port=${addr##*:}
for ((i = 0; i < 300; i++)); do
	if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
		break
	fi
	if ! kill -0 "${pids[@]}" 2>/dev/null; then
		break # one of them has exited: wait -n below reports it
	fi
	sleep 0.1
done
cat >&2 <<EOF
run.sh: ready
  IoT package catalog API  http://$addr (region $AWS_REGION)
  S3                       ${AWS_ENDPOINT_URL_S3:-$AWS_ENDPOINT_URL} bucket $bucket (versioned)
  SQS                      $queue_url (dead letters: $dlq_url)
  DynamoDB                 ${AWS_ENDPOINT_URL_DYNAMODB:-$AWS_ENDPOINT_URL} table $table
EOF

# Whichever exits first takes the other down; its status is the script's.
status=0
wait -n "${pids[@]}" || status=$?
echo "run.sh: a process exited (status $status); stopping the other" >&2
stop
exit "$status"
