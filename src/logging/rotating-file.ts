// A program's (or tend's own) log file, rotated by size as supervisord does:
// once a write leaves it at maxbytes or more, `name` becomes `name.1`, older
// backups shift up to `name.<backups>`, and a fresh `name` starts (backups=0:
// it is emptied instead; maxbytes=0: never rotated). tend writes whole lines
// only, cutting a block at the first line end past maxbytes, so a file may
// exceed maxbytes by up to one line but no line straddles two files.

import { fs } from "../os/fs.ts";
import { Followers } from "./followers.ts";
import type { LogReader } from "./log-reader.ts";

const NEWLINE = 10;
/** How often a file that could not be opened is tried again. */
const REOPEN_RETRY_MS = 1000;

export class RotatingFile implements LogReader {
  readonly followers = new Followers();
  private fd: number | undefined;
  private bytes = 0;
  /** The file's size after its last complete line: where a fragment is cut back to. */
  private lineEnd = 0;
  /** A line was lost part-way: what is left of it is dropped when it comes. */
  private dropRestOfLine = false;
  /** The file ends in a fragment of a lost line: cut before anything else is written. */
  private fragment = false;
  private retryOpenAt = 0;
  /** The error being reported, so that it is reported once, not per line. */
  private failing: string | undefined;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly backups: number,
    /** Told once when writing starts failing, and again with `undefined` when it works again. */
    private readonly onTrouble: (problem: string | undefined) => void,
  ) {
    this.open();
  }

  /**
   * Appends `block` (whole lines, or a piece of one), rotating as it goes.
   * A write cut short (a full disk) never leaves a torn line: the fragment
   * is cut off and the rest of its line dropped, so the file holds only
   * whole lines (and an unfinished line still being written).
   */
  write(block: Uint8Array): void {
    this.append(block);
    this.followers.tell();
  }

  private append(block: Uint8Array): void {
    let rest = block;
    if (this.dropRestOfLine) {
      const newline = rest.indexOf(NEWLINE);
      if (newline < 0) return;
      rest = rest.subarray(newline + 1);
      this.dropRestOfLine = false;
      if (rest.length === 0) return;
    }
    if (this.fd === undefined && !this.open()) {
      this.lost(rest);
      return;
    }
    if (this.fragment && !this.cutFragment()) {
      this.lost(rest);
      return;
    }
    while (rest.length > 0) {
      let take = rest.length;
      if (this.maxBytes > 0 && this.bytes + rest.length >= this.maxBytes) {
        // The first line end at or after the byte that reaches maxbytes.
        const reach = Math.max(0, this.maxBytes - this.bytes - 1);
        const newline = rest.indexOf(NEWLINE, reach);
        take = newline < 0 ? rest.length : newline + 1;
      }
      if (!this.writeAll(rest.subarray(0, take))) {
        this.lost(rest);
        return;
      }
      rest = rest.subarray(take);
      if (this.maxBytes > 0 && this.bytes >= this.maxBytes) this.rotate();
      if (this.fd === undefined) return;
    }
  }

  /** Closes and opens the file again: after logrotate moved it (SIGUSR2). */
  reopen(): void {
    this.close();
    this.retryOpenAt = 0;
    this.open();
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fs().closeSync(this.fd);
    } catch {}
    this.fd = undefined;
  }

  size(): number {
    if (this.fd === undefined) return 0;
    try {
      return fs().fstatSync(this.fd).size;
    } catch {
      return 0;
    }
  }

  read(position: number, length: number): Uint8Array {
    const out = Buffer.alloc(Math.max(0, length));
    let fd: number | undefined;
    try {
      fd = fs().openSync(this.path, "r");
      const got = fs().readSync(fd, out, 0, out.length, position);
      return out.subarray(0, got);
    } catch {
      return new Uint8Array(0);
    } finally {
      if (fd !== undefined) fs().closeSync(fd);
    }
  }

  clear(): void {
    if (this.fd === undefined) return;
    try {
      fs().ftruncateSync(this.fd, 0);
      this.bytes = 0;
      this.lineEnd = 0;
      this.fragment = false;
      this.followers.tell({ kind: "cleared" });
    } catch (error) {
      this.trouble(`cannot clear ${this.path}: ${(error as Error).message}`);
    }
  }

  private open(): boolean {
    if (Date.now() < this.retryOpenAt) return false;
    try {
      this.fd = fs().openSync(this.path, "a");
      this.bytes = fs().fstatSync(this.fd).size;
      this.lineEnd = this.bytes;
      this.fragment = false;
      this.recovered();
      return true;
    } catch (error) {
      this.fd = undefined;
      this.retryOpenAt = Date.now() + REOPEN_RETRY_MS;
      this.trouble(`cannot open log file ${this.path}: ${describe(error)}`);
      return false;
    }
  }

  /** Writes all of `bytes`; false when a write failed (what made it in is accounted for). */
  private writeAll(bytes: Uint8Array): boolean {
    let offset = 0;
    while (offset < bytes.length) {
      let written: number;
      try {
        written = fs().writeSync(this.fd as number, bytes, offset, bytes.length - offset);
      } catch (error) {
        // ENOSPC and the like: these lines are lost to this file only.
        this.wrote(bytes.subarray(0, offset));
        this.trouble(`cannot write log file ${this.path}: ${describe(error)}`);
        return false;
      }
      offset += written;
    }
    this.wrote(bytes);
    this.recovered();
    return true;
  }

  /** `bytes` reached the file: its size, and where its last complete line ends. */
  private wrote(bytes: Uint8Array): void {
    const newline = bytes.lastIndexOf(NEWLINE);
    if (newline >= 0) this.lineEnd = this.bytes + newline + 1;
    this.bytes += bytes.length;
  }

  /** `rest` could not be written: a fragment it leaves is cut, the rest of its line dropped. */
  private lost(rest: Uint8Array): void {
    if (rest.length > 0 && rest[rest.length - 1] !== NEWLINE) this.dropRestOfLine = true;
    if (this.bytes > this.lineEnd) {
      this.fragment = true;
      if (this.fd !== undefined) this.cutFragment();
    }
  }

  /** Cuts the file back to its last complete line (freeing space needs none). */
  private cutFragment(): boolean {
    try {
      // Never past the real end (someone may have emptied the file meanwhile).
      const end = Math.min(this.lineEnd, fs().fstatSync(this.fd as number).size);
      fs().ftruncateSync(this.fd as number, end);
      this.bytes = end;
      this.lineEnd = end;
      this.fragment = false;
      return true;
    } catch {
      return false;
    }
  }

  private rotate(): void {
    const size = this.bytes;
    this.close();
    try {
      if (this.backups > 0) {
        for (let i = this.backups - 1; i >= 1; i--)
          renameIfThere(`${this.path}.${i}`, `${this.path}.${i + 1}`);
        renameIfThere(this.path, `${this.path}.1`);
      } else {
        fs().rmSync(this.path, { force: true });
      }
    } catch (error) {
      this.trouble(`cannot rotate log file ${this.path}: ${describe(error)}`);
    }
    this.open();
    this.followers.tell({ kind: "rotated", size });
  }

  private trouble(problem: string): void {
    if (this.failing !== undefined) return;
    this.failing = problem;
    this.onTrouble(problem);
  }

  private recovered(): void {
    if (this.failing === undefined) return;
    this.failing = undefined;
    this.onTrouble(undefined);
  }
}

/** rename(2), which replaces the target; a source someone removed is no error. */
function renameIfThere(from: string, to: string): void {
  try {
    fs().renameSync(from, to);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}
