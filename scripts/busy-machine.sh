#!/usr/bin/env bash
# Runs a command on a busy machine: one CPU burner per core for as long as the command runs, so
# tests that only pass on an idle machine (timing luck, tight limits) show up here instead of in CI.
#
#   bash scripts/busy-machine.sh                                  # npm test, the whole suite
#   bash scripts/busy-machine.sh npx mocha test/x.test.ts         # any command
#   BUSY_BURNERS=4 bash scripts/busy-machine.sh npm test          # more burners than cores
#
# The burners are plain shell loops at normal priority; they are killed when the command ends,
# fails or is interrupted. The exit status is the command's.
set -uo pipefail

burners=${BUSY_BURNERS:-$(nproc)}
if ! [[ "$burners" =~ ^[0-9]+$ ]] || [ "$burners" -lt 1 ]; then
  echo "busy-machine: BUSY_BURNERS must be a positive whole number (got '$burners')" >&2
  exit 2
fi
if [ "$#" -eq 0 ]; then
  set -- npm test
fi

pids=()
command_pid=""
stop_burners() {
  if [ "${#pids[@]}" -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
    pids=()
  fi
}
# Interrupted: stop the command too, then the burners (EXIT).
stop_all() {
  [ -n "$command_pid" ] && kill -TERM "$command_pid" 2>/dev/null
  exit "$1"
}
trap stop_burners EXIT
trap 'stop_all 130' INT
trap 'stop_all 143' TERM

for _ in $(seq 1 "$burners"); do
  (while :; do :; done) &
  pids+=("$!")
done
echo "busy-machine: $burners CPU burner(s) running on $(nproc) core(s) while: $*" >&2

# In the background and waited for, so a signal to this script is handled at once (bash defers traps
# while a foreground command runs); standard input stays the command's.
"$@" <&0 &
command_pid=$!
wait "$command_pid"
status=$?
command_pid=""
echo "busy-machine: '$*' exited with $status" >&2
exit "$status"
