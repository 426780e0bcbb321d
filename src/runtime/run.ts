// Run mode (`tend -c FILE`): load the config, start every autostart program
// in priority order, turn signals into decisions (TERM/INT/QUIT shut down,
// HUP and USR2 are reserved, the rest are forwarded), reap strangers, and
// shut down in descending priority, equal priorities together.

import packageJson from "../../package.json" with { type: "json" };
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/model.ts";
import { formatProblem } from "../config/problems.ts";
import { CommandLayer } from "../control/commands.ts";
import type { RereadResult } from "../control/supervisor.ts";
import { ExitCode, exitCodeOf } from "../core/exit-codes.ts";
import { describeExit } from "../core/program.ts";
import { runModeAction } from "../core/signal-policy.ts";
import { FORWARDED_SIGNALS } from "../core/signals.ts";
import type { SupervisorStateName } from "../core/states.ts";
import { LogHub } from "../logging/hub.ts";
import type { LogReader } from "../logging/log-reader.ts";
import { createTendLogger, type TendLogger } from "../logging/tend-log.ts";
import { writeStderr } from "../os/output.ts";
import { adoptOrphans, reapOrphans } from "../os/reaper.ts";
import { onLastChanceExit, onSignals, sendSignal } from "../os/signals.ts";
import { RpcFault } from "../protocol/faults.ts";
import { makeNamespec, splitNamespec } from "../protocol/namespec.ts";
import { engineSupervisor, openControlPlane, socketPathOf } from "./control.ts";
import { locateConfig, warn } from "./diagnostics.ts";
import { Engine, type Slot, type StateChange } from "./engine.ts";
import { stopInPriorityOrder } from "./shutdown.ts";

export async function runSupervisor(configPath: string | undefined): Promise<number> {
  const path = configPath ?? locateConfig();
  if (path === undefined) return ExitCode.USAGE;
  const loaded = loadConfig(path);
  for (const problem of loaded.ok ? loaded.warnings : [...loaded.warnings, ...loaded.errors]) {
    writeStderr(`${formatProblem(problem)}\n`);
  }
  if (!loaded.ok) {
    warn(`${path}: ${loaded.errors.length} error(s); nothing started`);
    return ExitCode.USAGE;
  }
  const config = loaded.config;
  const logs = createLogHub(config);
  const main = logs.mainLog(
    config.supervisord.logfile,
    config.supervisord.logfile_maxbytes,
    config.supervisord.logfile_backups,
  );
  const logger = createTendLogger({
    write: (line) => main.target.write(line),
    loglevel: config.supervisord.loglevel,
    format: config.supervisord.log_format,
  });
  logs.report = (level, message) => logger[level](message);
  // Whatever way tend ends, what is still queued for a slow stdout is written.
  onLastChanceExit(() => logs.close());
  try {
    return await supervise(path, config, logger, logs, main.reader);
  } finally {
    // The programs' last lines, then everything queued, before exit.
    await logs.drain(2000);
    logs.close();
  }
}

function createLogHub(config: Config): LogHub {
  const labels = config.groups.flatMap((group) =>
    group.processes.map((process) => makeNamespec(process.group, process.name)),
  );
  const noColor = (process.env.NO_COLOR ?? "") !== "";
  const tty = require("node:tty") as typeof import("node:tty");
  return new LogHub({
    format: config.supervisord.log_format,
    prefix: config.supervisord.log_prefix,
    color: !noColor && tty.isatty(1),
    labelWidth: Math.max(0, ...labels.map((label) => label.length)),
    stripAnsi: config.supervisord.strip_ansi,
  });
}

/** The socket URL programs are told about (SUPERVISOR_SERVER_URL). */
function serverUrlOf(config: Config): string {
  return `unix://${socketPathOf(config)}`;
}

/** The config file read again, for reread/update/reload: its groups, or every error in one message. */
function rereadConfig(path: string): RereadResult & { config?: Config } {
  const loaded = loadConfig(path);
  if (!loaded.ok) return { ok: false, message: loaded.errors.map(formatProblem).join("\n") };
  return { ok: true, groups: loaded.config.groups, config: loaded.config };
}

async function supervise(
  path: string,
  initialConfig: Config,
  logger: TendLogger,
  logs: LogHub,
  mainLog: LogReader | undefined,
): Promise<number> {
  let config = initialConfig;
  const newEngine = (config: Config) =>
    new Engine(config, { logger, logs, serverUrl: serverUrlOf(config) });
  let engine = newEngine(config);
  /** RUNNING, RESTARTING while `ctl reload` stops and starts everything, SHUTDOWN. */
  let state: SupervisorStateName = "RUNNING";
  let exitCode: number = ExitCode.OK;
  let shutdownRequests = 0;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });

  // supervisord logs the reason for a shutdown as a warning.
  const stopAll = () =>
    stopInPriorityOrder(engine, (names) => logger.info(`waiting for ${names.join(", ")} to die`));
  const beginShutdown = (why: string, code: number): void => {
    if (state === "SHUTDOWN") return;
    logger.warn(why);
    exitCode = code;
    const restarting = state === "RESTARTING";
    state = "SHUTDOWN";
    // A reload in progress is stopping everything already; it ends in this shutdown.
    if (restarting) return;
    engine.shuttingDown = true;
    void stopAll().then(markStopped);
  };

  // `ctl reload` (supervisor.restart): everything stops, the config is read
  // again (a broken one keeps the old), everything starts as at boot.
  const restart = (): void => {
    if (state !== "RUNNING") return;
    logger.warn("restart requested: stopping every program");
    state = "RESTARTING";
    engine.shuttingDown = true;
    void stopAll().then(() => {
      if (state === "SHUTDOWN") {
        markStopped();
        return;
      }
      const reread = rereadConfig(path);
      if (reread.config) config = reread.config;
      else if (!reread.ok)
        logger.error(
          `reload: the config has errors, restarting with the old one:\n${reread.message}`,
        );
      engine = newEngine(config);
      watch(engine);
      commands = newCommands();
      state = "RUNNING";
      logger.info("restarted: starting the programs again");
      engine.startAutostart();
    });
  };

  const newCommands = () =>
    new CommandLayer(
      engineSupervisor(config, {
        engine: () => engine,
        state: () => state,
        mainLog,
        shutdown: () => beginShutdown("shutdown requested over the control socket", ExitCode.OK),
        restart,
        reread: () => rereadConfig(path),
      }),
      { tendVersion: packageJson.version },
    );
  let commands = newCommands();

  // SIGHUP: reread and apply only what changed (SPEC section 9).
  const applyConfigChanges = async (): Promise<void> => {
    try {
      const lines = await commands.update([]);
      if (lines.length === 0) logger.info("update: no config changes");
      for (const line of lines) logger.info(`update: ${line.name}: ${line.message}`);
    } catch (error) {
      const detail = error instanceof RpcFault ? (error.detail ?? error.message) : String(error);
      logger.error(`update: config not applied, everything runs as before:\n${detail}`);
    }
  };

  onSignals(FORWARDED_SIGNALS, (name) => {
    switch (runModeAction(name)) {
      case "shutdown":
        shutdownRequests++;
        if (shutdownRequests === 1) {
          beginShutdown(`received ${name} indicating exit request`, ExitCode.OK);
          return;
        }
        // A second request: no more waiting for stopwaitsecs.
        logger.warn(`received ${name} again: killing every remaining process`);
        for (const slot of engine.slots) engine.dispatch(slot, { type: "kill" });
        return;
      case "reload":
        logger.info(`received ${name} indicating a config update request`);
        if (state === "RUNNING") void applyConfigChanges();
        return;
      case "reopen-logs":
        logger.info(`received ${name} indicating log reopen request`);
        logs.reopen();
        return;
      case "forward":
        engine.forward(name);
        return;
    }
  });
  onSignals(["SIGCHLD"], () => {
    try {
      for (const orphan of reapOrphans()) {
        const how = orphan.status ? describeExit(orphan.status).text : "stopped";
        logger.info(`reaped unknown pid ${orphan.pid} (${how})`);
      }
    } catch (error) {
      logger.error(`reaping failed: ${(error as Error).message}`);
    }
  });
  // Last chance: if tend itself dies, take its programs with it.
  onLastChanceExit(() => {
    for (const slot of engine.slots) {
      if (slot.status.pid !== 0) sendSignal(slot.status.pid, "SIGKILL", true);
    }
  });

  const notAdopting = adoptOrphans();
  if (notAdopting)
    logger.warn(`orphans of the programs will not be reaped by tend: ${notAdopting}`);

  const watch = (engine: Engine) =>
    engine.onStateChange((change) => {
      const code = criticalExitCode(change);
      if (code === undefined) return;
      const how = change.slot.lastExit ? describeExit(change.slot.lastExit).text : "never ran";
      beginShutdown(
        `critical program ${change.slot.config.name} entered ${change.to} (${how}): shutting down, exit code ${code}`,
        code,
      );
    });
  watch(engine);

  const control = await openControlPlane(config, {
    call: (method, params) => commands.call(method, params),
    processLog: (namespec, channel) => {
      const { groupName, processName } = splitNamespec(namespec);
      const slot = engine.group(groupName)?.slots.find((slot) => slot.config.name === processName);
      if (!slot) return undefined;
      return channel === "stdout" ? slot.logs.stdout.reader : (slot.logs.stderr?.reader ?? "none");
    },
    mainLog: () => mainLog,
    report: (level, message) => logger[level](message),
  });
  if (typeof control === "string") {
    logger.error(`${control}; nothing started`);
    return ExitCode.USAGE;
  }

  logger.info(`tend ${packageJson.version} started with pid ${process.pid}`);
  // Nothing else may keep Bun's event loop alive once every program is
  // STOPPED, EXITED or FATAL; tend must stay up until asked to stop. One
  // wake-up every 24 days is as idle as a timer gets.
  const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
  engine.startAutostart();
  await stopped;
  control.close();
  clearInterval(keepAlive);
  logger.info("tend stopped: every program is down");
  return exitCode;
}

/** SPEC section 7: the exit code a critical program's end hands to tend, if it ends it. */
function criticalExitCode(change: StateChange): number | undefined {
  const slot: Slot = change.slot;
  if (!slot.config.critical) return undefined;
  const endedForGood =
    change.to === "FATAL" ||
    (change.to === "EXITED" && change.expected === false && slot.config.autorestart === "false");
  if (!endedForGood) return undefined;
  return slot.lastExit === undefined
    ? ExitCode.FAILURE
    : exitCodeOf(slot.lastExit) || ExitCode.FAILURE;
}
