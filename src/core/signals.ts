// Signal names and numbers as Linux defines them (x86-64 and arm64 share this
// numbering), and which signals tend forwards. Pure data: configs name signals
// (`stopsignal=TERM`), exit statuses carry numbers, and both meet here.

export const SIGNAL_NUMBERS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
} as const;

export type SignalName = keyof typeof SIGNAL_NUMBERS;

/**
 * The signals tend passes on to what it runs (docs/supervision.md, docs/single-command.md). SIGCHLD is
 * tend's own business (reaping); SIGKILL and SIGSTOP cannot be caught; the
 * synchronous faults (SEGV, BUS, FPE, ILL) describe tend itself, not a
 * request; Bun cannot install a handler for SIGPWR or SIGSTKFLT (as PID 1 the
 * kernel then ignores them).
 */
export const FORWARDED_SIGNALS: readonly SignalName[] = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGTERM",
  "SIGWINCH",
  "SIGCONT",
  "SIGALRM",
  "SIGPIPE",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGIO",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGSYS",
  "SIGTRAP",
  "SIGABRT",
];

const NAMES_BY_NUMBER = new Map<number, SignalName>(
  Object.entries(SIGNAL_NUMBERS).map(([name, num]) => [num, name as SignalName]),
);

// Linux real-time signals span SIGRTMIN..SIGRTMAX as the kernel sees them.
const KERNEL_SIGRTMIN = 32;
const KERNEL_SIGRTMAX = 64;

export function signalNumber(name: SignalName): number {
  return SIGNAL_NUMBERS[name];
}

/** `SIGTERM` for 15; `SIG34` for a real-time signal without a classic name. */
export function signalName(num: number): string {
  return NAMES_BY_NUMBER.get(num) ?? `SIG${num}`;
}

/**
 * The number of a signal as a runtime reports it: a name such as "SIGKILL",
 * or a number. Undefined when it names no signal this table knows.
 */
export function parseSignal(value: string | number): number | undefined {
  if (typeof value === "number") {
    return Number.isInteger(value) && value >= 1 && value <= KERNEL_SIGRTMAX ? value : undefined;
  }
  if (value in SIGNAL_NUMBERS) return SIGNAL_NUMBERS[value as SignalName];
  const numbered = /^SIG(\d+)$/.exec(value);
  if (numbered?.[1] !== undefined) return parseSignal(Number(numbered[1]));
  const realtime = /^SIGRT(MIN|MAX)([+-]\d+)?$/.exec(value);
  if (realtime) {
    const base = realtime[1] === "MIN" ? KERNEL_SIGRTMIN + 2 : KERNEL_SIGRTMAX;
    return parseSignal(base + Number(realtime[2] ?? 0));
  }
  return undefined;
}
