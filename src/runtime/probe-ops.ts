// PLACEHOLDER until the probes branch lands (helper): replaced by RealProbeOps over os/probes.
import type { ProbeOps, ProbeResult } from "./ports.ts";

export class RealProbeOps implements ProbeOps {
  probe(): Promise<ProbeResult> {
    return Promise.resolve({ ok: false, message: "not implemented" });
  }
}
