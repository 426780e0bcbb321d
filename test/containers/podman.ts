// podman as the suite uses it. Every container and build gets `--runtime
// runc` and explicit ulimits (these machines refuse crun's cgroup mode and
// refuse raising limits), every container a name and a label of this run, so
// that removeContainers() leaves nothing behind, even after a failure.

import { readFileSync } from "node:fs";

/** On every image and container the suite makes: how it finds its own. */
export const SUITE_LABEL = "io.tend.test=containers";
const RUN_LABEL = `io.tend.test.run=${process.pid}`;

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock milliseconds the command took. */
  readonly ms: number;
}

/** Runs one command to its end; never throws for a non-zero exit. */
export async function exec(
  argv: readonly string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Result> {
  const started = performance.now();
  const child = Bun.spawn([...argv], {
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
    env: { ...process.env, ...options.env },
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr, ms: performance.now() - started };
}

export function podman(args: readonly string[], timeoutMs?: number): Promise<Result> {
  return exec(["podman", ...args], timeoutMs === undefined ? {} : { timeoutMs });
}

/** `ulimit -n` and `ulimit -u` of this shell: the container may not ask for more. */
function ulimits(): { nofile: number; nproc: number } {
  const shell = Bun.spawnSync(["sh", "-c", "ulimit -n; ulimit -u"]);
  const [nofile, nproc] = shell.stdout.toString().trim().split("\n").map(Number);
  // podman lowers its own nproc limit to kernel.pid_max (32768 here), and
  // runc may not raise it above that without CAP_SYS_RESOURCE.
  const pidMax = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8"));
  return {
    nofile: Number.isFinite(nofile) ? (nofile as number) : 1024,
    nproc: Math.min(Number.isFinite(nproc) ? (nproc as number) : 4096, pidMax),
  };
}

const limits = ulimits();

/** For `podman run`, `create` and `build`. */
export const RUNTIME_FLAGS: readonly string[] = [
  "--runtime",
  "runc",
  "--ulimit",
  `nofile=${limits.nofile}:${limits.nofile}`,
  "--ulimit",
  `nproc=${limits.nproc}:${limits.nproc}`,
];

export interface RunOptions {
  /** Part of the container's name, to tell them apart in `podman ps`. */
  readonly tag: string;
  readonly env?: Record<string, string>;
  /** host path → container path, mounted read-only. */
  readonly mounts?: Record<string, string>;
  /** Container ports to publish on a free port of 127.0.0.1. */
  readonly publish?: readonly number[];
  readonly entrypoint?: string;
  /** Extra `podman run` flags. */
  readonly flags?: readonly string[];
}

const started = new Set<string>();
let serial = 0;

function runArgs(image: string, args: readonly string[], options: RunOptions): string[] {
  const name = `tend-test-${process.pid}-${++serial}-${options.tag}`;
  started.add(name);
  const flags = ["--name", name, "--label", SUITE_LABEL, "--label", RUN_LABEL, ...RUNTIME_FLAGS];
  for (const [key, value] of Object.entries(options.env ?? {})) flags.push("-e", `${key}=${value}`);
  for (const [host, inside] of Object.entries(options.mounts ?? {}))
    flags.push("-v", `${host}:${inside}:ro`);
  for (const port of options.publish ?? []) flags.push("-p", `127.0.0.1::${port}`);
  if (options.entrypoint !== undefined) flags.push("--entrypoint", options.entrypoint);
  return [...flags, ...(options.flags ?? []), image, ...args];
}

/** `podman run` in the foreground, to the container's end: its exit code and output. */
export async function runToEnd(
  image: string,
  args: readonly string[],
  options: RunOptions & { timeoutMs?: number },
): Promise<Result & { name: string }> {
  const argv = runArgs(image, args, options);
  const name = argv[1] as string;
  const result = await podman(["run", "--rm", ...argv], options.timeoutMs ?? 60_000);
  return { ...result, name };
}

/** A container running in the background. */
export class Container {
  constructor(readonly name: string) {}

  exec(command: readonly string[], timeoutMs = 30_000): Promise<Result> {
    return podman(["exec", this.name, ...command], timeoutMs);
  }

  /** Everything it wrote, stdout and stderr together, as `podman logs` shows it. */
  async logs(): Promise<string> {
    const result = await podman(["logs", this.name]);
    return result.stdout + result.stderr;
  }

  async inspect(format: string): Promise<string> {
    const result = await podman(["inspect", "--format", format, this.name]);
    if (result.code !== 0) throw new Error(`podman inspect ${this.name}: ${result.stderr.trim()}`);
    return result.stdout.trim();
  }

  /** The host port that a published container port landed on. */
  async hostPort(port: number): Promise<number> {
    const result = await podman(["port", this.name, String(port)]);
    const found = result.stdout.trim().match(/:(\d+)$/m);
    if (!found) throw new Error(`${this.name}: port ${port} is not published (${result.stdout})`);
    return Number(found[1]);
  }

  /** `podman stop` with its default grace period, as a user types it. */
  stop(): Promise<Result> {
    return podman(["stop", this.name], 60_000);
  }

  /** Its exit code, once it has ended. */
  async exitCode(): Promise<number> {
    return Number(await this.inspect("{{.State.ExitCode}}"));
  }

  remove(): Promise<Result> {
    started.delete(this.name);
    return podman(["rm", "--force", "--time", "0", this.name]);
  }
}

/** `podman run --detach`; throws when the container cannot be started. */
export async function startContainer(
  image: string,
  args: readonly string[],
  options: RunOptions,
): Promise<Container> {
  const argv = runArgs(image, args, options);
  const result = await podman(["run", "--detach", ...argv]);
  const container = new Container(argv[1] as string);
  if (result.code !== 0)
    throw new Error(`podman run ${image} failed (exit ${result.code}): ${result.stderr.trim()}`);
  return container;
}

/** Starts a container, hands it to `body`, and removes it whatever happens. */
export async function withContainer<T>(
  image: string,
  args: readonly string[],
  options: RunOptions,
  body: (container: Container) => Promise<T>,
): Promise<T> {
  const container = await startContainer(image, args, options);
  try {
    return await body(container);
  } finally {
    await container.remove();
  }
}

/** Removes every container of this run that is still there. */
export async function removeContainers(): Promise<void> {
  const listed = await podman(["ps", "--all", "--quiet", "--filter", `label=${RUN_LABEL}`]);
  const ids = listed.stdout.split("\n").filter((id) => id !== "");
  if (ids.length > 0) await podman(["rm", "--force", "--time", "0", ...ids]);
  for (const name of started) await podman(["rm", "--force", "--ignore", "--time", "0", name]);
  started.clear();
}
