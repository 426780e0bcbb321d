// Reading a descriptor tend owns (a pipe's read end, a datagram socket)
// chunk by chunk until its end or until told to stop; either way the
// descriptor is closed once reading is over.

import { closeQuietly } from "./fs.ts";

export interface FdReading {
  /** Stops reading (a pending read ends); the descriptor is then closed. */
  stop(): void;
  /** Settles once reading is over and the descriptor closed. */
  readonly done: Promise<void>;
}

export function readChunks(fd: number, onChunk: (bytes: Uint8Array) => void): FdReading {
  let stopped = false;
  let reader: ReturnType<ReturnType<Bun.BunFile["stream"]>["getReader"]> | undefined;
  const done = (async () => {
    try {
      const opened = Bun.file(fd).stream().getReader();
      reader = opened;
      while (!stopped) {
        const { done: ended, value } = await opened.read();
        if (ended) break;
        if (!stopped && value.length > 0) onChunk(value);
      }
    } catch {
      // a read error ends reading like end of file
    } finally {
      closeQuietly(fd);
    }
  })();
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      reader?.cancel().catch(() => {});
    },
    done,
  };
}
