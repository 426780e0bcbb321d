#!/bin/sh
# Stands in for a database migration: a one-shot that must succeed before
# web and worker start. MIGRATE_SECONDS (default 1) is how long it takes;
# MIGRATE_FAIL=1 makes it fail with exit code 3, to see what tend does then.
echo "migrate: applying migrations"
sleep "${MIGRATE_SECONDS:-1}"
if [ -n "${MIGRATE_FAIL:-}" ]; then
  echo "migrate: migration 0042 failed: column already exists" >&2
  exit 3
fi
echo "migrate: done"
