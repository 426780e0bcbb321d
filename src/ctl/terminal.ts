// The user's side of a session: lines typed at the shell's prompt, at
// reload's question or into fg, read with node:readline (line editing,
// history and completion on a terminal); passwords read without echo;
// Ctrl-C passed on as an interrupt.

import { createInterface, type Interface } from "node:readline";
import { Writable } from "node:stream";
import type { Interrupts, Terminal } from "./controller.ts";

export type Completer = (line: string) => Promise<[string[], string]>;

export interface LineSource {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly history?: readonly string[];
  readonly completer?: Completer;
}

/** Lines from `input`, one at a time, each after its prompt. */
export class LineReader {
  private readonly rl: Interface;
  private readonly typed: string[] = [];
  private waiter: ((line: string | undefined) => void) | undefined;
  private ended = false;
  private muted = false;
  readonly isTerminal: boolean;
  private readonly initialHistory: readonly string[];

  constructor(
    source: LineSource,
    private readonly write: (text: string) => void,
    onInterrupt: () => void,
  ) {
    this.isTerminal = source.input.isTTY === true;
    this.initialHistory = source.history ?? [];
    // The prompt and, on a terminal, the echo of what is typed go through
    // here, so a password can be read without showing it.
    const output = new Writable({
      write: (chunk, _encoding, done) => {
        if (!this.muted) this.write(String(chunk));
        done();
      },
    });
    const completer = source.completer;
    this.rl = createInterface({
      input: source.input,
      output,
      terminal: this.isTerminal,
      history: [...(source.history ?? [])].reverse(), // readline keeps the newest first
      historySize: 1000,
      ...(completer === undefined
        ? {}
        : {
            completer: (
              line: string,
              callback: (error: null, result: [string[], string]) => void,
            ) => {
              completer(line).then(
                (result) => callback(null, result),
                () => callback(null, [[], line]),
              );
            },
          }),
    });
    this.rl.on("line", (line) => this.deliver(line));
    this.rl.on("close", () => {
      this.ended = true;
      this.deliver(undefined);
    });
    // On a terminal readline owns Ctrl-C (raw mode), so no SIGINT reaches the process.
    this.rl.on("SIGINT", onInterrupt);
  }

  private deliver(line: string | undefined): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(line);
    } else if (line !== undefined) this.typed.push(line);
  }

  /** The next line after showing `prompt`; undefined at the end of input or when `cancel` fires. */
  read(prompt: string, cancel?: AbortSignal): Promise<string | undefined> {
    if (cancel?.aborted) return Promise.resolve(undefined);
    const early = this.typed.shift();
    if (this.ended) {
      // readline refuses to prompt once closed; the prompt still shows, as Python's input() shows it.
      this.write(prompt);
      return Promise.resolve(early);
    }
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    if (early !== undefined) return Promise.resolve(early);
    return new Promise((resolve) => {
      const done = (line: string | undefined) => {
        cancel?.removeEventListener("abort", onCancel);
        resolve(line);
      };
      const onCancel = () => {
        if (this.waiter === done) this.waiter = undefined;
        resolve(undefined);
      };
      this.waiter = done;
      cancel?.addEventListener("abort", onCancel, { once: true });
    });
  }

  /** A line read without echo (getpass): the prompt shows, the typing does not. */
  async readSecret(prompt: string): Promise<string | undefined> {
    this.write(prompt);
    this.rl.setPrompt("");
    this.muted = this.isTerminal;
    try {
      return await this.read("");
    } finally {
      this.muted = false;
      if (this.isTerminal) this.write("\n");
    }
  }

  /** The history, oldest first: what it held plus what was typed (only a terminal records). */
  history(): readonly string[] {
    if (!this.isTerminal) return this.initialHistory;
    return [...((this.rl as unknown as { history?: string[] }).history ?? [])].reverse();
  }

  close(): void {
    this.rl.close();
  }
}

/** The real Terminal: writers for stdout and stderr, and lines from a LineReader made on first need. */
export class SessionTerminal implements Terminal {
  private reader: LineReader | undefined;

  constructor(
    private readonly writeOut: (text: string) => void,
    private readonly writeErr: (text: string) => void,
    private readonly source: () => LineSource,
    readonly interrupts: Interrupts,
  ) {}

  out(text: string): void {
    this.writeOut(text);
  }

  err(text: string): void {
    this.writeErr(text);
  }

  lines(): LineReader {
    this.reader ??= new LineReader(this.source(), this.writeOut, () => this.interrupts.fire());
    return this.reader;
  }

  readLine(prompt: string, cancel?: AbortSignal): Promise<string | undefined> {
    return this.lines().read(prompt, cancel);
  }

  readSecret(prompt: string): Promise<string | undefined> {
    return this.lines().readSecret(prompt);
  }

  /** Whether a reader was made (and so has history to keep). */
  get started(): boolean {
    return this.reader !== undefined;
  }

  close(): void {
    this.reader?.close();
  }
}
