// One server-sent event stream: its events by name and whether it is open.
// The browser reconnects a dropped stream by itself (sending Last-Event-ID,
// so the server resumes); when it gives up (an error status, a server that
// was gone too long), a new connection is made after a growing pause.

export interface Stream {
  close(): void;
}

const FIRST_PAUSE_MS = 1_000;
const LONGEST_PAUSE_MS = 30_000;

/** Opens `url` (relative, so tend may sit behind a path prefix) and keeps it open until close(). */
export function openStream(
  url: string,
  handlers: Readonly<Record<string, (data: string) => void>>,
  onOpen: (open: boolean) => void,
): Stream {
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pause = FIRST_PAUSE_MS;
  let closed = false;

  const connect = () => {
    const current = new EventSource(url);
    source = current;
    current.onopen = () => {
      pause = FIRST_PAUSE_MS;
      onOpen(true);
    };
    current.onerror = () => {
      if (closed) return;
      onOpen(false);
      if (current.readyState !== EventSource.CLOSED) return;
      timer = setTimeout(connect, pause);
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    };
    for (const [name, handler] of Object.entries(handlers)) {
      current.addEventListener(name, (event) => {
        if (!closed) handler((event as MessageEvent<string>).data);
      });
    }
  };

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}

/** Parses an event's JSON; a malformed one is reported on the console and skipped. */
export function parseEvent<T>(name: string, data: string): T | undefined {
  try {
    return JSON.parse(data) as T;
  } catch (error) {
    console.warn(`tend dashboard: a "${name}" event that is not JSON was skipped`, error);
    return undefined;
  }
}
