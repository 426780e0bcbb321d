// Writing tend's own output whole before it exits. process.stdout.write is
// asynchronous on a pipe, and process.exit drops what is still queued: a
// `tend check --yaml | head` received 128 KiB of 900. These writes finish
// first, waiting out a full non-blocking pipe; a closed reader ends them.

import { fs } from "./fs.ts";

export function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs().writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "EAGAIN") {
        Bun.sleepSync(1); // the reader is behind: wait for room in the pipe
        continue;
      }
      return; // EPIPE, EBADF...: nobody is reading any more
    }
  }
}

export const writeStdout = (text: string): void => writeAllSync(1, text);
export const writeStderr = (text: string): void => writeAllSync(2, text);
