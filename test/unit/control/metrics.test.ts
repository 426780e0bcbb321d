// /metrics from a snapshot: the exposition format (escaping, numbers, HELP
// and TYPE once per family) and what each series says of a process.

import { afterAll, describe, expect, test } from "bun:test";
import { type MetricsSnapshot, metricsText } from "../../../src/control/metrics.ts";
import {
  encodeFamilies,
  escapeLabel,
  labelPairs,
  numberText,
} from "../../../src/control/prometheus.ts";
import { FakeSupervisor, groupsOf, removeConfigFiles } from "./fake-supervisor.ts";

afterAll(removeConfigFiles);

describe("the exposition format", () => {
  test("a family: HELP and TYPE, then its samples with their labels in order", () => {
    expect(
      encodeFamilies([
        {
          name: "a_total",
          help: "Things.",
          type: "counter",
          samples: [{ labels: labelPairs({ name: "x", group: "g" }), value: 3 }, { value: 0.5 }],
        },
      ]),
    ).toBe(
      '# HELP a_total Things.\n# TYPE a_total counter\na_total{name="x",group="g"} 3\na_total 0.5\n',
    );
  });

  test("a family without samples keeps its HELP and TYPE; none at all is empty", () => {
    expect(encodeFamilies([{ name: "b", help: "h", type: "gauge", samples: [] }])).toBe(
      "# HELP b h\n# TYPE b gauge\n",
    );
    expect(encodeFamilies([])).toBe("");
  });

  test("label values: backslash, double quote and line feed escaped; anything else as it is", () => {
    expect(escapeLabel('a\\b"c\nd\té')).toBe('a\\\\b\\"c\\nd\té');
    expect(escapeLabel("plain")).toBe("plain");
    expect(labelPairs({ name: 'we"b', group: "g" })).toBe('name="we\\"b",group="g"');
  });

  test("help text: backslash and line feed escaped, quotes kept", () => {
    expect(encodeFamilies([{ name: "c", help: 'a "b" \\ \n', type: "gauge", samples: [] }])).toBe(
      '# HELP c a "b" \\\\ \\n\n# TYPE c gauge\n',
    );
  });

  test("numbers as Prometheus parses them", () => {
    expect(numberText(0)).toBe("0");
    expect(numberText(1796585483)).toBe("1796585483");
    expect(numberText(0.25)).toBe("0.25");
    expect(numberText(Number.NaN)).toBe("NaN");
    expect(numberText(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(numberText(Number.NEGATIVE_INFINITY)).toBe("-Inf");
    expect(numberText(1e21)).toBe("1e+21");
  });
});

describe("the series", () => {
  const fake = new FakeSupervisor(
    groupsOf(`
[program:web]
command=/bin/true
[program:flaky]
command=/bin/true
redirect_stderr=true
`),
  );
  const now = 1_800_000_000_000;
  fake.set("web", { state: "RUNNING", pid: 7, laststart: now - 5000, restarts: 2, ready: true });
  fake.set("flaky", { state: "BACKOFF", delay: now + 2500, exitstatus: 1, restarts: 4 });
  const counts = (ready: number, liveFailures: number, stdout: number, stderr?: number) => ({
    checks: {
      ready: { success: ready, failure: 1 },
      live: { success: 0, failure: liveFailures },
    },
    logBytes: { stdout, stderr },
  });
  const snapshot: MetricsSnapshot = {
    now,
    processes: [
      { process: fake.process("flaky"), counts: counts(0, 0, 42) },
      { process: fake.process("web"), counts: counts(5, 2, 100, 7) },
    ],
    orphansReaped: 9,
    signalsForwarded: new Map([["SIGUSR1", 2]]),
    configReloads: { success: 3, failure: 1 },
    version: "1.2.3",
    self: {
      cpuSeconds: 1.5,
      residentBytes: 4096,
      virtualBytes: 8192,
      startTimeSeconds: 1799999999.5,
      openFds: 12,
      maxFds: undefined,
    },
  };
  const lines = metricsText(snapshot).split("\n");
  const sample = (prefix: string) => lines.filter((line) => line.startsWith(prefix));

  test("the supervisord exporters' series: up, state, exit status, start time while up", () => {
    expect(sample("node_supervisord_up{")).toEqual([
      'node_supervisord_up{name="flaky",group="flaky"} 0',
      'node_supervisord_up{name="web",group="web"} 1',
    ]);
    expect(sample("node_supervisord_state{")).toEqual([
      'node_supervisord_state{name="flaky",group="flaky"} 30',
      'node_supervisord_state{name="web",group="web"} 20',
    ]);
    expect(sample("node_supervisord_exit_status{")).toEqual([
      'node_supervisord_exit_status{name="flaky",group="flaky"} 1',
      'node_supervisord_exit_status{name="web",group="web"} 0',
    ]);
    expect(sample("node_supervisord_start_time_seconds{")).toEqual([
      `node_supervisord_start_time_seconds{name="web",group="web"} ${(now - 5000) / 1000}`,
    ]);
  });

  test("restarts, readiness, backoff countdown", () => {
    expect(sample("tend_process_restarts_total{")).toEqual([
      'tend_process_restarts_total{name="flaky",group="flaky"} 4',
      'tend_process_restarts_total{name="web",group="web"} 2',
    ]);
    expect(sample("tend_process_ready{")).toEqual([
      'tend_process_ready{name="flaky",group="flaky"} 0',
      'tend_process_ready{name="web",group="web"} 1',
    ]);
    expect(sample("tend_process_backoff_seconds{")).toEqual([
      'tend_process_backoff_seconds{name="flaky",group="flaky"} 2.5',
      'tend_process_backoff_seconds{name="web",group="web"} 0',
    ]);
  });

  test("check results by check and result; log bytes per stream (none for a redirected stderr)", () => {
    expect(sample('tend_check_total{name="web"')).toEqual([
      'tend_check_total{name="web",group="web",check="ready",result="success"} 5',
      'tend_check_total{name="web",group="web",check="ready",result="failure"} 1',
      'tend_check_total{name="web",group="web",check="live",result="success"} 0',
      'tend_check_total{name="web",group="web",check="live",result="failure"} 2',
    ]);
    expect(sample("tend_log_bytes_total{")).toEqual([
      'tend_log_bytes_total{name="flaky",group="flaky",stream="stdout"} 42',
      'tend_log_bytes_total{name="web",group="web",stream="stdout"} 100',
      'tend_log_bytes_total{name="web",group="web",stream="stderr"} 7',
    ]);
  });

  test("tend's own: orphans, forwarded signals, reloads, build info", () => {
    expect(sample("tend_orphans_reaped_total")).toEqual(["tend_orphans_reaped_total 9"]);
    expect(sample("tend_signals_forwarded_total{")).toEqual([
      'tend_signals_forwarded_total{signal="SIGUSR1"} 2',
    ]);
    expect(sample("tend_config_reloads_total{")).toEqual([
      'tend_config_reloads_total{result="success"} 3',
      'tend_config_reloads_total{result="failure"} 1',
    ]);
    expect(sample("tend_build_info{")).toEqual(['tend_build_info{version="1.2.3"} 1']);
  });

  test("process_*: what is known, nothing for what is not (no max fds here)", () => {
    expect(lines.filter((line) => /^process_/.test(line))).toEqual([
      "process_cpu_seconds_total 1.5",
      "process_resident_memory_bytes 4096",
      "process_virtual_memory_bytes 8192",
      "process_start_time_seconds 1799999999.5",
      "process_open_fds 12",
    ]);
  });

  test("every counter ends in _total and every family has HELP and TYPE once", () => {
    const types = lines.filter((line) => line.startsWith("# TYPE "));
    const names = types.map((line) => line.split(" ")[2]);
    expect(new Set(names).size).toBe(names.length);
    for (const line of types)
      if (line.endsWith(" counter")) expect(line.split(" ")[2]).toEndWith("_total");
    expect(lines.filter((line) => line.startsWith("# HELP ")).length).toBe(types.length);
  });
});
