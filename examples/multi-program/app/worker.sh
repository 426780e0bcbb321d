#!/bin/sh
# Stands in for a queue worker: a job every 2 seconds. On SIGTERM it
# finishes the job in hand and exits 0, well within its stopwaitsecs.
stopping=""
trap 'stopping=yes; echo "worker: stopping after the current job"' TERM
job=0
while [ -z "$stopping" ]; do
  job=$((job + 1))
  sleep 2 & wait $!
  echo "worker: job $job done"
done
echo "worker: stopped"
