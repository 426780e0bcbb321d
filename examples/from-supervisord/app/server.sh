#!/bin/sh
# Stands in for the app's server. APP_FAIL=1 makes it fail at once, every
# time, so that it ends FATAL: see what each image does then (README.md).
if [ -n "${APP_FAIL:-}" ]; then
  echo "app: cannot open the database" >&2
  exit 5
fi
trap 'echo "app: stopping"; exit 0' TERM
echo "app: serving"
while :; do sleep 60 & wait $!; done
