// The polled checks of ready_check= and live_check=, run for real: a TCP or
// unix-socket connection, an HTTP(S) GET, a file that exists, a command.
// Each resolves within its timeout with a short reason, never rejects and
// never blocks tend; a command still running at its timeout is killed with
// its process group (and reaped through the spawner, as every child is).

import type { ExitStatus } from "../core/exit-codes.ts";
import { signalName } from "../core/signals.ts";
import { fs } from "./fs.ts";
import { converse, failure, timedOut } from "./probe-connection.ts";
import { sendSignal } from "./signals.ts";
import { type SpawnRequest, spawnChild } from "./spawn.ts";

/** The outcome of one probe: the reason is short, and "" when ok. */
export interface ProbeOutcome {
  readonly ok: boolean;
  readonly message: string;
}

const OK: ProbeOutcome = { ok: true, message: "" };

/** A TCP connection to host:port succeeds. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return converse({ host, port }, {}, timeoutMs);
}

/** A connection to the unix stream socket at `path` succeeds. */
export function probeUnix(path: string, timeoutMs: number): Promise<ProbeOutcome> {
  return converse({ path }, {}, timeoutMs);
}

/** The longest status line read before giving up on an answer. */
const MAX_STATUS_LINE = 4096;
/** Read no more of an answer than this (Kubernetes reads 10 KiB of a probe's body). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * GET `url` (http or https, the certificate not checked): a status from 200
 * to 399 succeeds. The answer is read to its end (its Content-Length, its
 * last chunk, or the server closing, as asked with `Connection: close`; at
 * most 64 KiB) before the connection closes: closing on the status line
 * made servers that write the body afterwards hit a connection reset.
 */
export function probeHttp(url: string, timeoutMs: number): Promise<ProbeOutcome> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, message: `not a URL: ${url}` });
  }
  const https = target.protocol === "https:";
  if (!https && target.protocol !== "http:")
    return Promise.resolve({ ok: false, message: `not an http or https URL: ${url}` });
  // URL keeps an IPv6 address in brackets.
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(target.port || (https ? 443 : 80));
  let answer = "";
  const statusLine = () => {
    const end = answer.indexOf("\n");
    return end < 0 ? undefined : answer.slice(0, end);
  };
  return converse(
    { host, port },
    {
      tls: https ? { servername: isIpAddress(host) ? undefined : host } : undefined,
      say: requestOf(target),
      hear: (bytes) => {
        answer += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
        const status = statusLine();
        if (status === undefined)
          return answer.length > MAX_STATUS_LINE || !"HTTP/".startsWith(answer.slice(0, 5))
            ? { ok: false, message: "not an HTTP response" }
            : undefined;
        const outcome = outcomeOf(status);
        if (outcome !== OK && !outcome.message.startsWith("HTTP ")) return outcome;
        return answerComplete(answer) || answer.length > MAX_ANSWER_BYTES ? outcome : undefined;
      },
      hungUp: () => {
        const status = statusLine();
        if (status !== undefined) return outcomeOf(status);
        return {
          ok: false,
          message: answer === "" ? "connection closed before a response" : "not an HTTP response",
        };
      },
    },
    timeoutMs,
  );
}

/** Whether a whole answer has arrived: its head, then the body its head announces. */
export function answerComplete(answer: string): boolean {
  const headEnd = answer.indexOf("\r\n\r\n");
  if (headEnd < 0) return false;
  const head = answer.slice(0, headEnd).toLowerCase();
  const body = answer.length - (headEnd + 4);
  const code = Number(/^http\/\S+ (\d{3})/.exec(head)?.[1]);
  if (code === 204 || code === 304 || (code >= 100 && code < 200)) return true;
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head))
    // The last chunk without trailers; with trailers, the server's close ends it.
    return (
      body >= 5 &&
      (answer.endsWith("\r\n0\r\n\r\n") || (body === 5 && answer.endsWith("0\r\n\r\n")))
    );
  const length = /\r\ncontent-length: *(\d+)/.exec(head)?.[1];
  // No length: the body ends when the server closes (hungUp decides).
  return length !== undefined && body >= Number(length);
}

function requestOf(url: URL): string {
  const lines = [
    `GET ${url.pathname || "/"}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    "User-Agent: tend",
    "Accept: */*",
    "Connection: close",
  ];
  if (url.username !== "" || url.password !== "") {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    lines.push(`Authorization: Basic ${Buffer.from(credentials).toString("base64")}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

function outcomeOf(statusLine: string): ProbeOutcome {
  const code = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine)?.[1];
  if (code === undefined) return { ok: false, message: "not an HTTP response" };
  const status = Number(code);
  return status >= 200 && status <= 399 ? OK : { ok: false, message: `HTTP ${status}` };
}

const isIpAddress = (host: string): boolean =>
  host.includes(":") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);

/** `path` exists (whatever it is). Asynchronous: a hung file system cannot stall tend. */
export function fileExists(path: string, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(timedOut(timeoutMs)), timeoutMs);
    fs().stat(path, (error) => {
      clearTimeout(timer);
      resolve(error ? failure(error) : OK);
    });
  });
}

/**
 * Removes `path` (file: checks, before each start). Returns why not, unless
 * it was not there.
 */
export function removeFile(path: string): string | undefined {
  try {
    fs().unlinkSync(path);
    return undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    return `could not remove ${path}: ${(error as Error).message}`;
  }
}

/** A check command: its argv (argv[0] resolved), environment, directory and user. */
export type CheckCommand = Omit<SpawnRequest, "newSession" | "stdio" | "extraFds">;

/**
 * Runs a check command in a session of its own with its stdio on /dev/null:
 * exit status 0 succeeds. At the timeout its whole process group gets
 * SIGKILL and the probe fails at once; the spawner reaps it.
 */
export function runCheckCommand(command: CheckCommand, timeoutMs: number): Promise<ProbeOutcome> {
  let child: ReturnType<typeof spawnChild>;
  try {
    child = spawnChild({
      ...command,
      newSession: true,
      stdio: ["ignore", "ignore", "ignore"],
      extraFds: [],
    });
  } catch (error) {
    return Promise.resolve({ ok: false, message: (error as Error).message });
  }
  return new Promise((resolve) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      try {
        sendSignal(child.pid, "SIGKILL", true);
      } catch {
        // gone already (or not ours to signal): nothing left to kill
      }
      resolve(timedOut(timeoutMs));
    }, timeoutMs);
    child.exited.then(
      (status) => {
        clearTimeout(timer);
        if (!done) resolve(outcomeOfExit(status));
        done = true;
      },
      (error) => {
        clearTimeout(timer);
        if (!done) resolve({ ok: false, message: (error as Error).message });
        done = true;
      },
    );
  });
}

function outcomeOfExit(status: ExitStatus): ProbeOutcome {
  if (status.kind === "exited")
    return status.code === 0 ? OK : { ok: false, message: `exit status ${status.code}` };
  return { ok: false, message: `killed by ${signalName(status.signal)}` };
}
