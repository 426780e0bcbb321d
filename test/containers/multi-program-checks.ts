// examples/multi-program as a user runs it: migrate first, then web and
// worker; the HEALTHCHECK and the health port's /readyz turn healthy once
// they are ready; a failed migration ends the container with its code;
// podman stop ends it cleanly.

import { type Check, eventually, expect, expectEqual, loggedAt } from "./checks.ts";
import { IMAGE } from "./images.ts";
import { seriesInAlertRules } from "./manifest-checks.ts";
import { type Container, podman, runToEnd, withContainer } from "./podman.ts";

/** Slow enough to look at the container before it is ready. */
const MIGRATION = { MIGRATE_SECONDS: "3" };

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** GET from the host, as a kubelet or Prometheus would; undefined while nothing answers. */
export async function httpGet(port: number, path: string): Promise<Answer | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(3_000),
    });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

async function healthStatus(ctr: Container): Promise<string> {
  return ctr.inspect("{{.State.Health.Status}}");
}

/** `podman healthcheck run`: the image's HEALTHCHECK once (there is no systemd timer here). */
async function healthcheck(ctr: Container): Promise<number> {
  return (await podman(["healthcheck", "run", ctr.name])).code;
}

const startOrder: Check = {
  name: "multi-program: web and worker start only after migrate succeeded",
  async run() {
    const options = { tag: "order", env: MIGRATION };
    await withContainer(IMAGE.multiProgram, [], options, async (ctr) => {
      const logs = await eventually(
        async () => {
          const logs = await ctr.logs();
          return logs.includes("entered RUNNING state, ready") && logs.includes("'worker'") && logs;
        },
        "web ready and worker started",
        20_000,
      );
      const migrated = loggedAt(logs, "exited: migrate (exit status 0; expected)");
      for (const name of ["web", "worker"]) {
        const spawned = loggedAt(logs, `spawned: '${name}'`);
        expect(spawned >= migrated, `${name} was spawned before migrate was done`, logs);
        expect(
          logs.indexOf(`spawned: '${name}'`) > logs.indexOf("exited: migrate"),
          `${name}'s spawn is logged before migrate's end`,
          logs,
        );
      }
      expect(migrated - loggedAt(logs, "spawned: 'migrate'") >= 2_900, "migrate took < 3 s", logs);
    });
  },
};

const healthcheckTurnsHealthy: Check = {
  name: "multi-program: the HEALTHCHECK is starting while migrating, healthy once ready",
  async run() {
    await withContainer(
      IMAGE.multiProgram,
      [],
      { tag: "healthcheck", env: MIGRATION },
      async (ctr) => {
        const early = await healthcheck(ctr);
        const logs = await ctr.logs();
        expect(!logs.includes("exited: migrate"), "migrate was done before the first look", logs);
        expect(early !== 0, "the HEALTHCHECK passed while migrate was still running", logs);
        expectEqual(await healthStatus(ctr), "starting", "health status while migrating");
        await eventually(
          async () => (await healthcheck(ctr)) === 0,
          "the HEALTHCHECK to pass",
          20_000,
          500,
        );
        expectEqual(await healthStatus(ctr), "healthy", "health status once ready");
      },
    );
  },
};

const healthPort: Check = {
  name: "multi-program: health port 8089: /readyz 503 then 200, /livez, /metrics with the alerts' series",
  async run() {
    const options = { tag: "health", env: MIGRATION, publish: [8089, 8000] };
    await withContainer(IMAGE.multiProgram, [], options, async (ctr) => {
      const port = await ctr.hostPort(8089);
      const early = await eventually(
        () => httpGet(port, "/readyz"),
        "the health port to answer",
        10_000,
        100,
      );
      expectEqual(early.status, 503, `/readyz while migrating (${early.body.trim()})`);
      expect(early.body.includes("[-]web waiting for migrate"), "why web is not ready", early.body);
      const ready = await eventually(
        async () => {
          const answer = await httpGet(port, "/readyz?verbose");
          return answer?.status === 200 && answer;
        },
        "/readyz to answer 200",
        20_000,
      );
      for (const name of ["migrate", "web", "worker"])
        expect(
          ready.body.includes(`[+]${name} ok`),
          `/readyz?verbose lacks [+]${name} ok`,
          ready.body,
        );
      const live = await httpGet(port, "/livez");
      expectEqual(live?.status, 200, "/livez status");
      const page = await httpGet(await ctr.hostPort(8000), "/");
      expectEqual(page?.status, 200, "web's page through its published port");
      const metrics = (await httpGet(port, "/metrics"))?.body ?? "";
      for (const sample of [
        'tend_process_restarts_total{name="web",group="web"} 0',
        'node_supervisord_state{name="web",group="web"} 20',
      ])
        expect(metrics.includes(sample), `/metrics lacks ${sample}`, metrics);
      // The example's alert rules must not watch a series tend does not export.
      for (const series of seriesInAlertRules())
        expect(metrics.includes(`\n${series}{`), `/metrics has no ${series}, which the alerts use`);
    });
  },
};

const failedMigration: Check = {
  name: "multi-program: a failed migration ends the container with its code; the app never starts",
  async run() {
    const result = await runToEnd(IMAGE.multiProgram, [], {
      tag: "failed-migration",
      env: { MIGRATE_FAIL: "1" },
      timeoutMs: 30_000,
    });
    const output = result.stdout + result.stderr;
    expectEqual(result.code, 3, "podman run's exit code (migrate exits 3)", output);
    for (const name of ["web", "worker"])
      expect(
        !output.includes(`spawned: '${name}'`),
        `${name} was started after a failed migration`,
        output,
      );
  },
};

const stopsCleanly: Check = {
  name: "multi-program: podman stop: web and worker stop cleanly, exit 0",
  async run() {
    await withContainer(IMAGE.multiProgram, [], { tag: "stop" }, async (ctr) => {
      await eventually(
        async () => (await healthcheck(ctr)) === 0,
        "every program ready",
        20_000,
        500,
      );
      const stop = await ctr.stop();
      const logs = await ctr.logs();
      expectEqual(await ctr.exitCode(), 0, "the container's exit code", logs);
      expect(stop.ms < 5_000, `podman stop took ${(stop.ms / 1000).toFixed(1)} s`, logs);
      for (const line of ["web: stopping", "worker: stopping after the current job"])
        expect(logs.includes(line), `no "${line}" in the logs`, logs);
      for (const name of ["web", "worker"])
        expect(logs.includes(`stopped: ${name} (exit status 0)`), `${name} did not exit 0`, logs);
    });
  },
};

export const MULTI_PROGRAM_CHECKS: readonly Check[] = [
  startOrder,
  healthcheckTurnsHealthy,
  healthPort,
  failedMigration,
  stopsCleanly,
];
