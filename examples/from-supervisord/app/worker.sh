#!/bin/sh
# Stands in for a queue worker; $1 is its number (supervisord's process_num).
trap 'echo "worker $1: stopping"; exit 0' TERM
echo "worker $1: waiting for jobs"
while :; do sleep 60 & wait $!; done
