// The probe port for real: each polled kind of ready_check / live_check
// carried out by os/probes. A check command runs as its program would (its
// environment, PATH, user, directory and umask, from launch.ts). The push
// kinds (fd:N, notify) and log: are not polled; asking for them is a
// mistake of the caller, answered as a failure rather than a throw.

import type { CheckSpec } from "../config/check-spec.ts";
import type { ProcessConfig } from "../config/model.ts";
import { fileExists, probeHttp, probeTcp, probeUnix, runCheckCommand } from "../os/probes.ts";
import { launchRequest } from "./launch.ts";
import type { ProbeOps, ProbeResult } from "./ports.ts";

export class RealProbeOps implements ProbeOps {
  constructor(
    /** SUPERVISOR_SERVER_URL for programs whose serverurl is AUTO (as their spawn has). */
    private readonly serverUrl: string,
  ) {}

  probe(check: CheckSpec, process: ProcessConfig, timeoutMs: number): Promise<ProbeResult> {
    switch (check.kind) {
      case "http":
        return probeHttp(check.url, timeoutMs);
      case "tcp":
        return probeTcp(check.host, check.port, timeoutMs);
      case "unix":
        return probeUnix(check.path, timeoutMs);
      case "file":
        return fileExists(check.path, timeoutMs);
      case "command":
        return this.command(check.argv, process, timeoutMs);
      case "log":
      case "fd":
      case "notify":
        return Promise.resolve({ ok: false, message: "not a polled check" });
    }
  }

  private command(
    argv: readonly string[],
    process: ProcessConfig,
    timeoutMs: number,
  ): Promise<ProbeResult> {
    let request: ReturnType<typeof launchRequest>;
    try {
      request = launchRequest(process, argv, this.serverUrl);
    } catch (error) {
      // The command is missing, or the user: said as a spawn would say it.
      return Promise.resolve({ ok: false, message: (error as Error).message });
    }
    return runCheckCommand(request, timeoutMs);
  }
}
