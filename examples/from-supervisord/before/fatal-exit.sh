#!/bin/sh
# supervisord event listener: on PROCESS_STATE_FATAL, tell supervisord (its
# parent) to shut down, so the container stops and can be restarted.
# supervisord then exits 0, whatever the program's exit code was.
while :; do
  printf 'READY\n'
  read -r header || exit 0
  # The header ends with len:N, the length of the payload that follows.
  length=${header##*len:}
  payload=$(head -c "$length")
  echo "fatal-exit: $payload; stopping supervisord" >&2
  kill -TERM "$PPID"
  printf 'RESULT 2\nOK'
done
