// The push kinds of ready_check: what a program says about its own
// readiness. `fd:N` (s6's notification-fd): the program writes a newline to
// its descriptor N, the write end of a pipe tend reads. `notify` (systemd's
// protocol): READY=1 and STATUS=... datagrams to the socket NOTIFY_SOCKET
// names. Both are set up before the spawn and read until the process ends.

import type { CheckSpec } from "../config/check-spec.ts";
import { parseNotify } from "../core/sd-notify.ts";
import { readChunks } from "../os/fd-reader.ts";
import { closeQuietly } from "../os/fs.ts";
import { makePipe } from "../os/libc.ts";
import { openNotifySocket } from "../os/notify-socket.ts";
import type { ExtraFd } from "../os/spawn.ts";
import type { Notice, NoticeSource } from "./ports.ts";

/** The notices of one spawn: what the child gets, and what tend does after. */
export interface NoticeChannel {
  readonly extraFds: readonly ExtraFd[];
  readonly env: Readonly<Record<string, string>>;
  /** After a successful spawn: read until `exited` settles, then close everything. */
  started(exited: Promise<unknown>): NoticeSource;
  /** After a failed spawn: close everything. */
  abandoned(): void;
}

const NEWLINE = 0x0a;
/** How long tend still reads after the process has ended. */
const LAST_WORDS_MS = 100;

/** The channel `check` needs, or undefined for a check tend polls or reads from the log. */
export function openNoticeChannel(check: CheckSpec | undefined): NoticeChannel | undefined {
  if (check?.kind === "fd") {
    const [readEnd, writeEnd] = makePipe();
    return channel({
      extraFds: [{ at: check.fd, fd: writeEnd }],
      env: {},
      fd: readEnd,
      // Every newline is a "ready" (s6 wants one; more are harmless).
      decode: (bytes) => {
        const notices: Notice[] = [];
        for (const byte of bytes) if (byte === NEWLINE) notices.push(READY);
        return notices;
      },
      childEnds: () => closeQuietly(writeEnd),
      done: () => {},
    });
  }
  if (check?.kind === "notify") {
    const socket = openNotifySocket();
    const decoder = new TextDecoder();
    return channel({
      extraFds: [],
      env: { NOTIFY_SOCKET: socket.path },
      fd: socket.fd,
      decode: (bytes) => parseNotify(decoder.decode(bytes)),
      childEnds: () => {},
      done: () => socket.unlink(),
    });
  }
  return undefined;
}

const READY: Notice = { kind: "ready" };

interface ChannelParts {
  readonly extraFds: readonly ExtraFd[];
  readonly env: Readonly<Record<string, string>>;
  /** tend's end, to read. */
  readonly fd: number;
  readonly decode: (bytes: Uint8Array) => Iterable<Notice>;
  /** Closes what only the child needed (once it has it). */
  readonly childEnds: () => void;
  /** After tend's end is closed. */
  readonly done: () => void;
}

function channel(parts: ChannelParts): NoticeChannel {
  return {
    extraFds: parts.extraFds,
    env: parts.env,
    started: (exited) => {
      parts.childEnds();
      const source = new Notices();
      const reading = readChunks(parts.fd, (bytes) => {
        for (const notice of parts.decode(bytes)) source.emit(notice);
      });
      // What was sent just before the end is still read: a last STATUS= may say why.
      const stop = () => setTimeout(() => reading.stop(), LAST_WORDS_MS);
      exited.then(stop, stop);
      void reading.done.then(() => {
        parts.done();
        source.close();
      });
      return source;
    },
    abandoned: () => {
      parts.childEnds();
      closeQuietly(parts.fd);
      parts.done();
    },
  };
}

/**
 * Notices to whoever listens. Those that come before the first listener are
 * kept for it: a push check says "ready" once, and must not be missed.
 */
class Notices implements NoticeSource {
  private readonly listeners: ((notice: Notice) => void)[] = [];
  private early: Notice[] | undefined = [];

  listen(listener: (notice: Notice) => void): void {
    this.listeners.push(listener);
    const early = this.early;
    this.early = undefined;
    for (const notice of early ?? []) listener(notice);
  }

  emit(notice: Notice): void {
    if (this.listeners.length === 0) {
      this.early?.push(notice);
      return;
    }
    for (const listener of this.listeners) listener(notice);
  }

  close(): void {
    this.listeners.length = 0;
    this.early = undefined;
  }
}
