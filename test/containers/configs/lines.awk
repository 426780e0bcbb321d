# 2000 lines named NAME, numbered, of lengths from 40 bytes to 8 KB. The
# suite makes the same lines to compare them (expectedLine in logs.ts).
BEGIN {
  for (i = 0; i < 2000; i++) {
    wanted = 40 + (i * 7919) % 8000
    line = sprintf("%s %05d ", name, i)
    while (length(line) < wanted) line = line "abcdefghijklmnopqrstuvwxyz0123456789"
    print substr(line, 1, wanted)
  }
}
