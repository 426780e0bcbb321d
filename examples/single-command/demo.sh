#!/bin/sh
# The `npm start` demo: a command run by tend in single-command mode. It shows
# its own session, leaves orphans behind for tend to reap, and exits with a
# code that tend hands on (0 here, so that npm reports no failure).
set -eu
tend_pid=$PPID
stat=$(cut -d' ' -f4-6 "/proc/$$/stat")
echo "demo: I am pid $$, child of tend (pid $tend_pid); parent, process group, session: $stat"

echo "demo: leaving 5 orphans behind (each sleeps 0.2 s, then exits)"
for i in 1 2 3 4 5; do (sleep 0.2 &); done
adopted=$(cat /proc/"$tend_pid"/task/*/children | wc -w)
echo "demo: tend now has $adopted children: me and the orphans it adopted"

sleep 0.5
zombies=0
for pid in $(cat /proc/"$tend_pid"/task/*/children); do
  if [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" = "Z" ]; then zombies=$((zombies + 1)); fi
done
echo "demo: after they exited, zombies left under tend: $zombies"

echo "demo: exiting with code ${DEMO_EXIT_CODE:-0}; tend exits with the same code"
exit "${DEMO_EXIT_CODE:-0}"
