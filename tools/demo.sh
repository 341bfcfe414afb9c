#!/usr/bin/env bash
# demo.sh - install what is missing, build, and run sessiontail live on the
# bundled samples with the stdout sink: the daemon tails a copy of
# samples/demo/auth.log, lines from samples/demo/live.log are appended while
# it runs, and it stops cleanly after the last one.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target sessiontail >/dev/null

rm -rf samples/demo/run
mkdir -p samples/demo/run/state
cp samples/demo/auth.log samples/demo/run/auth.log
echo "== sessiontail -c samples/demo/sinks.json (live; lines are appended below)"
build/sessiontail -c samples/demo/sinks.json &
pid=$!
sleep 1
while IFS= read -r line; do
    printf '%s\n' "$line" >>samples/demo/run/auth.log
    sleep 0.4
done <samples/demo/live.log
sleep 1
kill -TERM "$pid"
wait "$pid"
rm -rf samples/demo/run
