// examples/kubernetes and examples/compose, checked without a cluster: they
// parse; the probes are where tend answers; every grace period covers the
// worst-case shutdown that `tend check` (run in the example's image, with the
// manifest's TEND_* variables) works out; the alert rules are valid and fire
// when they should (promtool).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { type Check, expect, expectEqual, fail } from "./checks.ts";
import { EXAMPLES, IMAGE } from "./images.ts";
import { exec, runToEnd } from "./podman.ts";

const KUBERNETES = join(EXAMPLES, "kubernetes");
const COMPOSE = join(EXAMPLES, "compose/compose.yaml");
const DEPLOYMENTS = ["deployment.yaml", "deployment-prestop.yaml"];
const HEALTH_PORT = 8089;

// biome-ignore lint/suspicious/noExplicitAny: manifests are walked as plain parsed YAML
type Yaml = any;

/** Every document of a YAML file; a syntax error fails the check. */
function documents(path: string): Yaml[] {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  if (!Array.isArray(docs)) fail(`${path}: no YAML documents`);
  for (const doc of docs)
    if (doc.errors.length > 0)
      fail(`${path}: ${doc.errors.map((error) => error.message).join("; ")}`);
  return docs.map((doc) => doc.toJS());
}

function deploymentIn(file: string): Yaml {
  const found = documents(join(KUBERNETES, file)).find((doc) => doc?.kind === "Deployment");
  if (!found) fail(`${file} has no Deployment`);
  return found;
}

/** The one container of a Deployment. */
function containerOf(deployment: Yaml): Yaml {
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  expectEqual(containers.length, 1, "containers in the Deployment");
  return containers[0];
}

/** A TEND_* variable map from Kubernetes' env list or compose's environment map. */
function tendVariables(env: Yaml): Record<string, string> {
  const pairs: [string, string][] = Array.isArray(env)
    ? env.map((item: Yaml) => [String(item.name), String(item.value)])
    : Object.entries(env ?? {}).map(([name, value]) => [name, String(value)]);
  return Object.fromEntries(pairs.filter(([name]) => name.startsWith("TEND_")));
}

/** Seconds a preStop hook sleeps: the sleep action, or exec sleep N. */
function preStopSeconds(container: Yaml): number {
  const hook = container.lifecycle?.preStop;
  if (!hook) return 0;
  if (hook.sleep) return Number(hook.sleep.seconds);
  const command: string[] = hook.exec?.command ?? [];
  if (command[0] === "sleep") return Number(command[1]);
  fail(`a preStop hook this check cannot time: ${JSON.stringify(hook)}`);
}

interface Plan {
  readonly worst: number;
  readonly warning: string;
}

/** `tend check` of the example's config in its image, with these variables. */
async function shutdownPlan(env: Record<string, string>): Promise<Plan> {
  const result = await runToEnd(IMAGE.multiProgram, ["check", "-c", "/etc/tend/tend.ini"], {
    tag: "check",
    entrypoint: "/usr/local/bin/tend",
    env,
  });
  expectEqual(result.code, 0, "tend check's exit code", result.stdout + result.stderr);
  const worst = result.stdout.match(/^; Shutdown: at worst (\d+(?:\.\d+)?) s/m);
  if (!worst) fail(`tend check printed no worst case:\n${result.stdout.slice(0, 500)}`);
  const warning = result.stderr.split("\n").find((line) => line.includes("a shutdown may take"));
  return { worst: Number(worst[1]), warning: warning ?? "" };
}

/** The grace period covers the worst case: tend check, given it, does not warn. */
async function expectCovered(what: string, grace: number, env: Record<string, string>) {
  const plan = await shutdownPlan({ ...env, TEND_GRACE_PERIOD: String(grace) });
  expect(plan.warning === "", `${what}: ${plan.warning}`);
  expect(plan.worst <= grace, `${what}: worst case ${plan.worst} s, grace ${grace} s`);
  return plan;
}

const parseAsYaml: Check = {
  name: "manifests: every file in examples/kubernetes and the compose file parse as YAML",
  async run() {
    const files = readdirSync(KUBERNETES).filter((name) => name.endsWith(".yaml"));
    expect(files.length >= 4, `only ${files.join(", ")} in examples/kubernetes`);
    for (const file of files)
      expect(documents(join(KUBERNETES, file)).length > 0, `${file} is empty`);
    const compose = documents(COMPOSE)[0];
    expect(compose?.services?.app, "compose.yaml has no app service");
  },
};

const probes: Check = {
  name: "kubernetes: startup and readiness probes on /readyz, liveness on /livez, port 8089",
  async run() {
    for (const file of DEPLOYMENTS) {
      const container = containerOf(deploymentIn(file));
      const ports = new Map<string, number>(
        (container.ports ?? []).map((port: Yaml) => [port.name, port.containerPort]),
      );
      const expected = {
        startupProbe: "/readyz",
        readinessProbe: "/readyz",
        livenessProbe: "/livez",
      };
      for (const [probe, path] of Object.entries(expected)) {
        const get = container[probe]?.httpGet;
        if (!get) fail(`${file}: ${probe} is not an httpGet`);
        expectEqual(get.path, path, `${file}: ${probe}'s path`);
        const port = typeof get.port === "string" ? ports.get(get.port) : get.port;
        expectEqual(port, HEALTH_PORT, `${file}: ${probe}'s port`);
      }
      const startup = container.startupProbe;
      const patience = (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3);
      expect(patience >= 60, `${file}: the startup probe gives up after ${patience} s`);
    }
  },
};

const gracePeriods: Check = {
  name: "kubernetes and compose: every grace period covers tend check's worst-case shutdown",
  async run() {
    for (const file of DEPLOYMENTS) {
      const pod = deploymentIn(file).spec.template.spec;
      const container = containerOf(deploymentIn(file));
      const env = tendVariables(container.env);
      const grace = Number(pod.terminationGracePeriodSeconds);
      if (env.TEND_GRACE_PERIOD !== undefined)
        expectEqual(Number(env.TEND_GRACE_PERIOD), grace, `${file}: TEND_GRACE_PERIOD in env`);
      // A preStop hook runs first and its time comes out of the same grace period.
      const plan = await expectCovered(file, grace - preStopSeconds(container), env);
      // The same config with too little time must be warned about, or the above proves nothing.
      const short = await shutdownPlan({ ...env, TEND_GRACE_PERIOD: String(plan.worst - 1) });
      expect(short.warning !== "", `${file}: tend check did not warn at ${plan.worst - 1} s`);
    }
    const app = documents(COMPOSE)[0].services.app;
    const grace = String(app.stop_grace_period).match(/^(\d+)(s|m)$/);
    if (!grace) fail(`compose.yaml: stop_grace_period ${app.stop_grace_period} is not like 20s`);
    const seconds = Number(grace[1]) * (grace[2] === "m" ? 60 : 1);
    await expectCovered("compose.yaml", seconds, tendVariables(app.environment));
  },
};

const healthchecks: Check = {
  name: "compose: the healthcheck is the image's (tend ctl wait), the health port published",
  async run() {
    const app = documents(COMPOSE)[0].services.app;
    const image = await exec([
      "podman",
      "image",
      "inspect",
      "--format",
      "{{json .HealthCheck.Test}}",
      IMAGE.multiProgram,
    ]);
    expectEqual(
      JSON.stringify(app.healthcheck.test),
      image.stdout.trim(),
      "healthcheck test against the image's",
    );
    expect(
      (app.ports ?? []).some((port: string) => String(port).endsWith(`:${HEALTH_PORT}`)),
      `compose.yaml does not publish ${HEALTH_PORT}`,
    );
  },
};

const scrapeConfig: Check = {
  name: "prometheus: the scrape job keeps pods by the annotations the Deployments set, on 8089",
  async run() {
    const job = documents(join(KUBERNETES, "prometheus.yaml"))[0]?.scrape_configs?.[0];
    const sources = JSON.stringify(job?.relabel_configs ?? []);
    for (const file of DEPLOYMENTS) {
      const annotations = deploymentIn(file).spec.template.metadata.annotations ?? {};
      expectEqual(annotations["prometheus.io/scrape"], "true", `${file}: prometheus.io/scrape`);
      expectEqual(
        annotations["prometheus.io/port"],
        String(HEALTH_PORT),
        `${file}: prometheus.io/port`,
      );
      expectEqual(annotations["prometheus.io/path"], "/metrics", `${file}: prometheus.io/path`);
    }
    for (const label of ["scrape", "port", "path"])
      expect(
        sources.includes(`__meta_kubernetes_pod_annotation_prometheus_io_${label}`),
        `prometheus.yaml does not read the ${label} annotation`,
      );
  },
};

const alertRules: Check = {
  name: "prometheus: the alert rules pass promtool and fire on 4 restarts in 10 minutes",
  async run() {
    const rules = join(KUBERNETES, "prometheus-rules.yaml");
    const found = await exec(["sh", "-c", "command -v promtool"]);
    if (found.code !== 0) fail("promtool is not installed (apt-get install prometheus)");
    const checked = await exec(["promtool", "check", "rules", rules]);
    expectEqual(checked.code, 0, "promtool check rules", checked.stdout + checked.stderr);
    expect(
      readFileSync(rules, "utf8").includes("increase(tend_process_restarts_total[10m]) > 3"),
      "no alert on increase(tend_process_restarts_total[10m]) > 3",
    );
    const tested = await exec([
      "promtool",
      "test",
      "rules",
      join(import.meta.dir, "alert-rules-test.yaml"),
    ]);
    expectEqual(tested.code, 0, "promtool test rules", tested.stdout + tested.stderr);
  },
};

/** Series names the alert rules use: /metrics must have each (multi-program-checks.ts). */
export function seriesInAlertRules(): string[] {
  const text = readFileSync(join(KUBERNETES, "prometheus-rules.yaml"), "utf8");
  const exprs = [...text.matchAll(/^\s*expr:\s*(.+)$/gm)].map((match) => match[1] as string);
  const names = exprs.flatMap((expr) => expr.match(/\b(?:tend|node_supervisord)_\w+/g) ?? []);
  return [...new Set(names)];
}

export const MANIFEST_CHECKS: readonly Check[] = [
  parseAsYaml,
  probes,
  gracePeriods,
  healthchecks,
  scrapeConfig,
  alertRules,
];
