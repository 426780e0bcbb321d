// tend's one memory policy: after a large reply (a status of hundreds of
// programs leaves ~1 MB of strings and buffers behind per call) or a large
// request (a 4 MiB body is copied, decoded and parsed: tens of MiB), ask Bun
// for a garbage collection, since its collector, left alone, lets such
// garbage pile up to hundreds of MiB in a PID 1 that should stay small.
// Once the start has settled, the garbage it left is collected and the
// executable's pages it touched leave the resident set (os/image-pages.ts);
// after each burst of answers, the pages it read back in leave again while
// that is worth it (ReleasePolicy).

import { releaseImagePages } from "../os/image-pages.ts";
import { residentFileBytes } from "../os/self-usage.ts";

/** Requests or replies at least this big are followed by a collection. */
const LARGE_REPLY_BYTES = 64 * 1024;
/** Small answers leave garbage too (10,000 /readyz: +100-285 MiB): a collection every this many. */
const ANSWERS_PER_COLLECTION = 500;
/** Every this many large replies, a full collection (a quick one otherwise). */
const FULL_COLLECTION_EVERY = 10;
/** A burst of answers has settled once none came for this long. */
const SETTLE_MS = 1000;
/** The start has settled once no process has changed state for this long... */
const START_QUIET_MS = 1000;
/** ...or this long after it began, whichever comes first (a program may flap for ever). */
const START_SETTLE_LATEST_MS = 10_000;
/** Pages are released again once this much more of the executable is resident than after the last release... */
const REGROWTH_BYTES = 4 * 1024 * 1024;
/** ...and no sooner than this after it; the gap doubles while they keep coming back, up to the longest. */
const SHORTEST_RELEASE_GAP_MS = 10_000;
const LONGEST_RELEASE_GAP_MS = 3_600_000;

/**
 * When the executable's pages that answers brought back into the resident
 * set are worth releasing again. Pages a steady stream of probes reads back
 * every few seconds are what tend needs, so releasing them each time would
 * only trade a madvise for hundreds of page faults: each release that comes
 * within four gaps of the one before doubles the gap; a quiet stretch
 * brings it back to the shortest. Pure: told the time and the resident bytes.
 */
export class ReleasePolicy {
  private baseline = 0;
  private lastRelease = Number.NEGATIVE_INFINITY;
  private gap = SHORTEST_RELEASE_GAP_MS;

  /** Whether to release now, with `residentBytes` of the executable resident. */
  due(now: number, residentBytes: number): boolean {
    return residentBytes - this.baseline >= REGROWTH_BYTES && now - this.lastRelease >= this.gap;
  }

  /** A release after answers happened at `now`, leaving `residentBytes`. */
  released(now: number, residentBytes: number): void {
    const soon = now - this.lastRelease < 4 * this.gap;
    this.gap = soon ? Math.min(this.gap * 2, LONGEST_RELEASE_GAP_MS) : SHORTEST_RELEASE_GAP_MS;
    this.lastRelease = now;
    this.baseline = residentBytes;
  }

  /** The start's release, leaving `residentBytes`: the level answers are measured against. */
  settledStart(residentBytes: number): void {
    this.baseline = residentBytes;
  }
}

let largeReplies = 0;
let answers = 0;
let collectPending = false;
let settle: ReturnType<typeof setTimeout> | undefined;
const releases = new ReleasePolicy();

/**
 * Measured with 500 programs, 10,000 getAllProcessInfo calls: left alone,
 * RSS went from 78 to 490 MiB (peak 650); quick collections only, 90 → 131
 * and still growing; this, 77 → 90 after the first thousand calls and flat,
 * 81 a second after, at 3.4 ms a call instead of 2.4. Every answer re-arms
 * the settle: a second after the last one of a burst, a full collection if
 * a large one came, and the pages the burst read back released if
 * ReleasePolicy agrees.
 */
export function collectAfterAnswer(bytes: number): void {
  answers++;
  if (bytes >= LARGE_REPLY_BYTES || answers % ANSWERS_PER_COLLECTION === 0) {
    largeReplies++;
    Bun.gc(largeReplies % FULL_COLLECTION_EVERY === 0);
    collectPending = true;
  }
  if (settle !== undefined) clearTimeout(settle);
  settle = setTimeout(settleAnswers, SETTLE_MS);
}

function settleAnswers(): void {
  settle = undefined;
  if (collectPending) Bun.gc(true);
  collectPending = false;
  const now = Date.now();
  if (!releases.due(now, residentFileBytes())) return;
  releaseImagePages();
  releases.released(now, residentFileBytes());
}

/** What the start leaves: its garbage collected, the code it ran out of the resident set. */
function settleStart(): void {
  Bun.gc(true);
  releaseImagePages();
  releases.settledStart(residentFileBytes());
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
      settleStart();
    }, wait);
  };
  const unwatch = watch(arm);
  arm();
}

/** One settle `ms` from now (single-command mode, after its command started); returns its cancel. */
export function settleAfter(ms: number): () => void {
  const timer = setTimeout(settleStart, ms);
  return () => clearTimeout(timer);
}
