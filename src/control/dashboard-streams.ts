// The dashboard's two kinds of server-sent event streams: the process table
// (from the shared feed) and a log as it grows (from the same reader the
// tail methods read, woken by its writes, never by a timer). A page that
// does not keep up costs tend a bounded amount: the table stream is closed
// past MAX_QUEUED bytes (the page reconnects and catches up), and a log view
// reads only as fast as the page takes it, skipping what the log no longer holds.

import type { LogReader } from "../logging/log-reader.ts";
import type { LogAppend, LogTail } from "../protocol/dashboard.ts";
import { type DashboardFeed, encodeEvent, type FeedEvent } from "./dashboard-feed.ts";
import { STREAM_HEADER } from "./http1.ts";

/** How far back a log view begins. */
export const TAIL_BYTES = 64 * 1024;
/** The most one event of a log view carries. */
const CHUNK_BYTES = 64 * 1024;
/** Table events a page may leave unread before its stream is closed. */
const MAX_QUEUED = 1024 * 1024;
/** How soon a page's EventSource tries again after its stream ended (ms). */
const RETRY_MS = 1000;

const encoder = new TextEncoder();

/**
 * A log view's ids name the log as well as the position in it: this run of
 * tend and the reader, so a page that reconnects to another tend, or to
 * another log, starts over instead of going on from a position in a
 * different log.
 */
const RUN = Date.now().toString(36);
const readerNumbers = new WeakMap<LogReader, number>();
let readers = 0;

function logTokenOf(log: LogReader): string {
  let number = readerNumbers.get(log);
  if (number === undefined) {
    number = ++readers;
    readerNumbers.set(log, number);
  }
  return `${RUN}.${number}`;
}

const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Accel-Buffering": "no",
  [STREAM_HEADER]: "1",
};

/** Each event as sent, encoded once for all the pages that get it. */
const encoded = new WeakMap<FeedEvent, Uint8Array>();

function encodedOnce(event: FeedEvent): Uint8Array {
  let bytes = encoded.get(event);
  if (bytes === undefined) {
    bytes = encoder.encode(encodeEvent(event));
    encoded.set(event, bytes);
  }
  return bytes;
}

/** /ui/events: the table's snapshot, then its changes, until the page goes. */
export function feedResponse(
  feed: DashboardFeed,
  gone: AbortSignal,
  lastId: string | undefined,
): Response {
  let unfollow: (() => void) | undefined;
  let ended = false;
  let close = () => {};
  const end = () => {
    if (ended) return;
    ended = true;
    unfollow?.();
    unfollow = undefined;
    close();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        close = () => {
          try {
            controller.close();
          } catch {} // already closed or cancelled
        };
        controller.enqueue(encoder.encode(`retry: ${RETRY_MS}\n\n`));
        const send = (event: FeedEvent) => {
          if (ended) return;
          controller.enqueue(encodedOnce(event));
          if ((controller.desiredSize ?? 0) < -MAX_QUEUED) end();
        };
        feed.follow(send, lastId).then((leave) => {
          if (ended) leave();
          else unfollow = leave;
        }, end);
      },
      cancel: end,
    },
    { highWaterMark: 0, size: (chunk) => chunk?.length ?? 0 },
  );
  gone.addEventListener("abort", end, { once: true });
  return new Response(stream, { headers: SSE_HEADERS });
}

/**
 * /ui/log: the log's last TAIL_BYTES from the start of a line ("tail"), then
 * what comes ("append"), "cleared" when it is emptied on request; the stream
 * ends with the log (its process left tend: the page reconnects and finds
 * the new one). The view follows the log for its whole life, so a rotation
 * between two reads is known: what the set-aside file held past the view's
 * position is counted as skipped. Each event's id names this run of tend,
 * the log and its epoch (clears and rotations), then the position, so a
 * page that reconnects goes on from there, and only there.
 */
export function logResponse(
  log: LogReader,
  gone: AbortSignal,
  lastId: string | undefined,
): Response {
  let position = 0;
  let decoder = new TextDecoder();
  let skipped = 0;
  let cleared = false;
  let ended = false;
  let wake = () => {};
  const unfollow = log.followers.add((change) => {
    if (change.kind === "rotated") {
      skipped += Math.max(0, change.size - position);
      position = 0;
      decoder = new TextDecoder();
    } else if (change.kind === "cleared") {
      cleared = true;
      skipped = 0;
      position = 0;
      decoder = new TextDecoder();
    } else if (change.kind === "ended") ended = true;
    wake();
  });
  const finish = () => {
    ended = true;
    unfollow();
    wake();
  };
  gone.addEventListener("abort", finish, { once: true });
  const token = () => `${logTokenOf(log)}.${log.followers.epoch}`;
  const event = (type: string, data: unknown) =>
    encoder.encode(encodeEvent({ id: `${token()}-${position}`, type, data }));

  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const dash = lastId?.lastIndexOf("-") ?? -1;
        const resumeAt =
          lastId !== undefined && lastId.slice(0, dash) === token()
            ? Number(lastId.slice(dash + 1))
            : Number.NaN;
        const size = log.size();
        if (Number.isInteger(resumeAt) && resumeAt >= 0 && resumeAt <= size) {
          position = resumeAt;
          return;
        }
        const from = Math.max(0, size - TAIL_BYTES);
        let bytes = log.read(from, size - from);
        const partial = from > 0 || bytes.length < size - from;
        if (partial) {
          // Begin at a line's start.
          const newline = bytes.indexOf(10);
          bytes = newline < 0 ? new Uint8Array(0) : bytes.subarray(newline + 1);
        }
        position = size;
        const tail: LogTail = { text: decoder.decode(bytes, { stream: true }), partial };
        controller.enqueue(event("tail", tail));
      },
      async pull(controller) {
        for (;;) {
          if (ended) {
            finish();
            controller.close();
            return;
          }
          if (cleared) {
            cleared = false;
            controller.enqueue(event("cleared", {}));
            return;
          }
          const size = log.size();
          if (size < position) position = 0; // emptied without a word: start over
          if (size > position) {
            const to = Math.min(size, position + CHUNK_BYTES);
            const bytes = log.read(position, to - position);
            // A ring keeps only its last bytes: what it lost before `to - length` is skipped too.
            const lost = skipped + Math.max(0, to - bytes.length - position);
            skipped = 0;
            position = to;
            const append: LogAppend = {
              text: decoder.decode(bytes, { stream: true }),
              skipped: lost,
            };
            controller.enqueue(event("append", append));
            return;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = () => {};
        }
      },
      cancel: finish,
    },
    { highWaterMark: 0 },
  );
  return new Response(stream, { headers: SSE_HEADERS });
}
