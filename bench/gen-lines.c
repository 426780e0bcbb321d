/*
 * gen-lines MB STAMP [GO [WRITE_BYTES]]: writes MB * 10,000 lines of 100
 * bytes (99 + '\n') to stdout in write(2)s of WRITE_BYTES (default 65,536;
 * bench/logging.ts passes 65,432, see there), so lines straddle writes as
 * with a full stdio buffer.
 *
 * Line n (from 0) is its number in 10 zero-padded digits, a space and 88
 * letters, column c (from 0) being letter (n % 16384 + c) % 52 of a-zA-Z:
 * "0000000042 DEFG...". With GO (not ""), it first opens that FIFO for
 * reading, which blocks until the bench opens it for writing (so the bench
 * can read the supervisor's CPU time just before). Then it writes
 * "<CLOCK_REALTIME ns>\n" to STAMP just before its first write, and appends
 * a second stamp just after its last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE 100
#define DIGITS 10
/* The text repeats every 16,384 lines (25 writes of 64 KiB). The buffer holds
 * that cycle twice, so a write of up to one cycle starting anywhere in the
 * first copy is contiguous. */
#define CYCLE_LINES 16384
#define CYCLE_BYTES ((long long)CYCLE_LINES * LINE)

static void stamp(const char *path, int flags) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char text[32];
  int n = snprintf(text, sizeof text, "%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
  if (fd < 0 || write(fd, text, n) != n) {
    perror(path);
    exit(2);
  }
  close(fd);
}

static void write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      perror("write");
      exit(1);
    }
    p += w;
    n -= (size_t)w;
  }
}

int main(int argc, char **argv) {
  long long chunk = argc > 4 ? atoll(argv[4]) : 65536;
  if (argc < 3 || chunk <= 0 || chunk > CYCLE_BYTES) {
    fprintf(stderr, "usage: gen-lines MB STAMP [GO [WRITE_BYTES]]\n");
    return 2;
  }
  long long lines = atoll(argv[1]) * 10000LL;
  long long total = lines * LINE;
  static char buf[2 * CYCLE_LINES * LINE];
  static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (int l = 0; l < 2 * CYCLE_LINES; l++) {
    char *line = buf + l * LINE;
    for (int c = DIGITS + 1; c < LINE - 1; c++) line[c] = letters[(l % CYCLE_LINES + c) % 52];
    line[DIGITS] = ' ';
    line[LINE - 1] = '\n';
  }
  if (argc > 3 && argv[3][0] != '\0') {
    int go = open(argv[3], O_RDONLY);
    if (go < 0) {
      perror(argv[3]);
      return 2;
    }
    close(go);
  }
  stamp(argv[2], O_TRUNC);
  char counter[DIGITS];
  memset(counter, '0', DIGITS);
  long long next = 0; /* the next line to number */
  for (long long done = 0; done < total;) {
    long long chunk_end = done + chunk < total ? done + chunk : total;
    /* Number the lines that start in this write, in both copies (a line's
     * digits may run into the next write). */
    for (; next < lines && next * LINE < chunk_end; next++) {
      char *line = buf + (next % CYCLE_LINES) * LINE;
      memcpy(line, counter, DIGITS);
      memcpy(line + CYCLE_BYTES, counter, DIGITS);
      for (int d = DIGITS - 1; d >= 0 && ++counter[d] > '9'; d--) counter[d] = '0';
    }
    long long at = done % CYCLE_BYTES;
    write_all(buf + at, (size_t)(chunk_end - done));
    done = chunk_end;
  }
  stamp(argv[2], O_APPEND);
  return 0;
}
