// tend's one memory policy: after a large reply (a status of hundreds of
// programs leaves ~1 MB of strings and buffers behind per call) or a large
// request (a 4 MiB body is copied, decoded and parsed: tens of MiB), ask Bun
// for a garbage collection, since its collector, left alone, lets such
// garbage pile up to hundreds of MiB in a PID 1 that should stay small.
// Once the start and each burst of answers have settled, the garbage they
// left is collected and the executable's pages they touched leave the
// resident set (os/image-pages.ts).

import { releaseImagePages } from "../os/image-pages.ts";

/** Requests or replies at least this big are followed by a collection. */
const LARGE_REPLY_BYTES = 64 * 1024;
/** Small answers leave garbage too (10,000 /readyz: +100-285 MiB): a collection every this many. */
const ANSWERS_PER_COLLECTION = 500;
/** Every this many large replies, a full collection (a quick one otherwise). */
const FULL_COLLECTION_EVERY = 10;
/** A full collection this long after the last large reply, so a burst leaves no heap behind. */
const SETTLE_MS = 1000;
/** The start has settled once no process has changed state for this long... */
const START_QUIET_MS = 1000;
/** ...or this long after it began, whichever comes first (a program may flap for ever). */
const START_SETTLE_LATEST_MS = 10_000;

let largeReplies = 0;
let answers = 0;
let settle: ReturnType<typeof setTimeout> | undefined;

/**
 * Measured with 500 programs, 10,000 getAllProcessInfo calls: left alone,
 * RSS went from 78 to 490 MiB (peak 650); quick collections only, 90 → 131
 * and still growing; this, 77 → 90 after the first thousand calls and flat,
 * 81 a second after, at 3.4 ms a call instead of 2.4.
 */
export function collectAfterAnswer(bytes: number): void {
  answers++;
  if (bytes < LARGE_REPLY_BYTES && answers % ANSWERS_PER_COLLECTION !== 0) return;
  largeReplies++;
  Bun.gc(largeReplies % FULL_COLLECTION_EVERY === 0);
  if (settle !== undefined) clearTimeout(settle);
  settle = setTimeout(() => {
    settle = undefined;
    settleMemory();
  }, SETTLE_MS);
}

/** What a settled burst leaves: its garbage collected, the code it ran out of the resident set. */
function settleMemory(): void {
  Bun.gc(true);
  releaseImagePages();
}

/**
 * Settles memory once after start: when no process has changed state for
 * START_QUIET_MS (`watch` tells of each change and returns how to stop),
 * at the latest START_SETTLE_LATEST_MS after the call. One timer, re-armed
 * by each change; nothing runs afterwards.
 */
export function settleAfterStart(watch: (changed: () => void) => () => void): void {
  const latest = Date.now() + START_SETTLE_LATEST_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    const wait = Math.min(START_QUIET_MS, Math.max(0, latest - Date.now()));
    timer = setTimeout(() => {
      unwatch();
      settleMemory();
    }, wait);
  };
  const unwatch = watch(arm);
  arm();
}

/** One settle `ms` from now (single-command mode, after its command started); returns its cancel. */
export function settleAfter(ms: number): () => void {
  const timer = setTimeout(settleMemory, ms);
  return () => clearTimeout(timer);
}
