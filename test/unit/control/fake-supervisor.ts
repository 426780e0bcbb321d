// A fake Supervisor for the command layer's tests: processes whose status a
// test moves by hand (then listeners hear of it, as from the engine), real
// group configs from the config loader, and ring logs. It records every
// operation the command layer asks for, so a test can assert what was done.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffGroups } from "../../../src/config/compare.ts";
import { loadConfig } from "../../../src/config/load.ts";
import type { GroupConfig, ProcessConfig } from "../../../src/config/model.ts";
import type {
  CommandProblem,
  ConfigChanges,
  ControlledGroup,
  ControlledProcess,
  Outcome,
  Supervisor,
  UpdateLine,
} from "../../../src/control/supervisor.ts";
import { INITIAL_STATUS, type ProcessStatus } from "../../../src/core/program.ts";
import { STOPPED_STATES, type SupervisorStateName } from "../../../src/core/states.ts";
import { RingLog } from "../../../src/logging/log-reader.ts";
import { findUser } from "../../../src/os/users.ts";
import type { CheckResult } from "../../../src/protocol/dashboard.ts";

const root = mkdtempSync(join(tmpdir(), "tend-fake-supervisor-"));
let files = 0;

/** Removes the INI files written by `groupsOf`. */
export function removeConfigFiles(): void {
  rmSync(root, { recursive: true, force: true });
}

/** The group configs of an INI text, through the real config loader. */
export function groupsOf(ini: string): readonly GroupConfig[] {
  const path = join(root, `${files++}.ini`);
  mkdirSync(root, { recursive: true }); // another test file may have removed it
  writeFileSync(path, ini);
  const result = loadConfig(path, { env: { HOME: "/root", PATH: "/usr/bin:/bin" }, hostname: "h" });
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join("\n"));
  return result.config.groups;
}

/** A ring log that can be told to fail on clear (supervisord's removelogs raising). */
export class FakeLog extends RingLog {
  failClear = false;

  constructor(capacity = 4096) {
    super(capacity);
  }

  text(value: string): this {
    this.write(new TextEncoder().encode(value));
    return this;
  }

  override clear(): void {
    if (this.failClear) throw new Error("EACCES");
    super.clear();
  }
}

/** As the reducer has it: RUNNING is ready unless a ready check says otherwise (or the patch does). */
function withReadiness(process: FakeProcess, patch: Partial<ProcessStatus>): ProcessStatus {
  const status = { ...process.status, ...patch };
  if (patch.ready !== undefined || patch.state === undefined) return status;
  return { ...status, ready: patch.state === "RUNNING" && !process.config.ready_check };
}

export class FakeProcess implements ControlledProcess {
  readonly namespec: string;
  status: ProcessStatus = INITIAL_STATUS;
  note = "";
  /** What its checks did, as the engine counts and keeps them. */
  readonly checkResults = { ready: { success: 0, failure: 0 }, live: { success: 0, failure: 0 } };
  readonly recentChecks: { ready: CheckResult[]; live: CheckResult[] } = { ready: [], live: [] };
  readonly logs: {
    /** Replaceable: a test may give a process a bigger log. */
    readonly stdout: { reader: FakeLog };
    readonly stderr: { readonly reader: FakeLog } | undefined;
  };
  /** What sendProcessStdin wrote. */
  readonly stdin: Uint8Array[] = [];
  stdinClosed = false;
  /** The process reads nothing and too much waits already. */
  stdinFull = false;

  constructor(readonly config: ProcessConfig) {
    this.namespec = config.group === config.name ? config.name : `${config.group}:${config.name}`;
    this.logs = {
      stdout: { reader: new FakeLog() },
      stderr: config.redirect_stderr ? undefined : { reader: new FakeLog() },
    };
  }
}

export class FakeGroup implements ControlledGroup<FakeProcess> {
  slots: FakeProcess[];
  constructor(
    public config: GroupConfig,
    slots?: FakeProcess[],
  ) {
    this.slots = slots ?? config.processes.map((process) => new FakeProcess(process));
  }
}

/** What the next reread finds: group configs, or a config that fails to load. */
export type NextReread =
  | { readonly ok: true; readonly groups: readonly GroupConfig[] }
  | { readonly ok: false; readonly message: string };

export class FakeSupervisor implements Supervisor<FakeProcess> {
  readonly pid = 4242;
  readonly identification = "fake-tend";
  supervisorState: SupervisorStateName = "RUNNING";
  active: FakeGroup[];
  /** Every operation asked for, as `start web`, `signal web 1`, `replace workers`... */
  readonly calls: string[] = [];
  readonly listeners = new Set<() => void>();
  readonly problems = new Map<string, CommandProblem>();
  main: FakeLog | undefined = new FakeLog();
  /** What the next reread finds; the active configs when unset. */
  nextReread: NextReread | undefined;
  /** The groups of the last config read (what add can add). */
  read: readonly GroupConfig[];
  /** What update() answers (the runtime's tests cover what an update does). */
  updateOutcome: Outcome<readonly UpdateLine[]> = { ok: true, value: [] };
  /** The time start() stamps as laststart (ms). */
  clock = 1_700_000_000_000;
  /** What start() does: by default STARTING with a pid, as the engine's spawn. */
  onStart: (process: FakeProcess) => void = (process) =>
    this.move(process, {
      state: "STARTING",
      pid: 1000 + this.calls.length,
      laststart: this.clock,
      spawnerr: "",
    });
  /** What stop() does: by default STOPPING, as the engine's stopsignal; a text when it failed. */
  onStop: (process: FakeProcess) => string | undefined = (process) => {
    this.move(process, { state: "STOPPING", killing: true });
    return undefined;
  };
  /** signal()'s answer: undefined when sent, else why not. */
  onSignal: (process: FakeProcess, signal: number) => string | undefined = () => undefined;

  constructor(groups: readonly GroupConfig[]) {
    this.active = groups.map((config) => new FakeGroup(config));
    this.read = groups;
  }

  /** The process of a namespec (`web`, `workers:w1`). */
  process(namespec: string): FakeProcess {
    for (const group of this.active)
      for (const slot of group.slots) if (slot.namespec === namespec) return slot;
    throw new Error(`no fake process ${namespec}`);
  }

  /** Changes a process's status and tells the listeners, as the engine after a transition. */
  move(process: FakeProcess | string, patch: Partial<ProcessStatus>): void {
    const target = typeof process === "string" ? this.process(process) : process;
    target.status = withReadiness(target, patch);
    for (const listener of [...this.listeners]) listener();
  }

  /** Sets a status without telling anyone (the situation before the call under test). */
  set(namespec: string, patch: Partial<ProcessStatus>): void {
    const target = this.process(namespec);
    target.status = withReadiness(target, patch);
  }

  state(): SupervisorStateName {
    return this.supervisorState;
  }

  groups(): readonly FakeGroup[] {
    return this.active;
  }

  group(name: string): FakeGroup | undefined {
    return this.active.find((group) => group.config.name === name);
  }

  start(process: FakeProcess): void {
    this.calls.push(`start ${process.namespec}`);
    this.onStart(process);
  }

  stop(process: FakeProcess): string | undefined {
    this.calls.push(`stop ${process.namespec}`);
    return this.onStop(process);
  }

  signal(process: FakeProcess, signal: number): string | undefined {
    this.calls.push(`signal ${process.namespec} ${signal}`);
    return this.onSignal(process, signal);
  }

  commandProblem(process: FakeProcess): CommandProblem | undefined {
    return this.problems.get(process.namespec);
  }

  writeStdin(fake: FakeProcess, bytes: Uint8Array): "ok" | "not-running" | "closed" | "full" {
    this.calls.push(`stdin ${fake.namespec}`);
    if (fake.status.pid === 0 || fake.status.killing) return "not-running";
    if (fake.stdinClosed) return "closed";
    if (fake.stdinFull) return "full";
    fake.stdin.push(bytes);
    return "ok";
  }

  onChange(listener: () => void): () => void {
    const wrapped = () => listener();
    this.listeners.add(wrapped);
    return () => this.listeners.delete(wrapped);
  }

  mainLog(): FakeLog | undefined {
    return this.main;
  }

  shutdown(): void {
    this.calls.push("shutdown");
  }

  restart(): void {
    this.calls.push("restart");
  }

  sendRemoteCommEvent(type: string, data: string): void {
    this.calls.push(`remote-comm ${type} ${data}`);
  }

  userId(name: string): number | undefined {
    return findUser(name)?.uid;
  }

  available(): readonly GroupConfig[] {
    return this.read;
  }

  /** As run mode: the groups read become available; the diff is against what is active. */
  reread(): Outcome<ConfigChanges> {
    this.calls.push("reread");
    const next = this.nextReread ?? { ok: true, groups: this.active.map((group) => group.config) };
    if (!next.ok) return next;
    this.read = next.groups;
    const active = this.active.map((group) => group.config);
    return { ok: true, value: diffGroups(active, next.groups) };
  }

  async update(names: readonly string[]): Promise<Outcome<readonly UpdateLine[]>> {
    this.calls.push(`update ${names.join(" ")}`.trim());
    return this.updateOutcome;
  }

  addGroup(config: GroupConfig): boolean {
    this.calls.push(`add ${config.name}`);
    if (this.group(config.name)) return false;
    this.active.push(new FakeGroup(config));
    return true;
  }

  removeGroup(name: string): boolean {
    this.calls.push(`remove ${name}`);
    const group = this.group(name);
    if (!group) return false;
    if (group.slots.some((slot) => !STOPPED_STATES.includes(slot.status.state))) return false;
    this.active = this.active.filter((other) => other !== group);
    return true;
  }
}
