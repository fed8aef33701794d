#!/bin/sh
# Fuzz one extractor for a number of minutes:  fuzz/run.sh FORMAT MINUTES
# FORMAT: docx xlsx pptx html text pdf ofd.  Crashing inputs are written to
# fuzz/crashes/FORMAT-*; the working corpus lives in $FUZZ_CORPUS (default
# /tmp/scanner-fuzz-corpus/FORMAT), outside the repository.  libFuzzer's
# last line ("Done N runs in S second(s)") gives the executions.
# Limits per input: 60 s and 500 MB RSS over the idle process, the promises of
# issue #22 (a hang or a blow-up is a finding); each input is extracted, scanned and reported.
set -eu
if [ $# -ne 2 ]; then
    echo "usage: fuzz/run.sh FORMAT MINUTES" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
seconds=$(( $2 * 60 ))
exec python -m fuzz.harness "$1" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=700 \
    -max_len=200000 -len_control=0 -print_final_stats=1
