// Run mode (`tend -c FILE`): load the config, start every autostart program
// in priority order, turn signals into decisions (TERM/INT/QUIT shut down,
// HUP and USR2 are reserved, the rest are forwarded), reap strangers, and
// shut down in descending priority, equal priorities together.

import packageJson from "../../package.json" with { type: "json" };
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/model.ts";
import { formatProblem } from "../config/problems.ts";
import { ExitCode, exitCodeOf } from "../core/exit-codes.ts";
import { describeExit } from "../core/program.ts";
import { runModeAction } from "../core/signal-policy.ts";
import { FORWARDED_SIGNALS } from "../core/signals.ts";
import { LogHub } from "../logging/hub.ts";
import { createTendLogger, type TendLogger } from "../logging/tend-log.ts";
import { writeStderr } from "../os/output.ts";
import { adoptOrphans, reapOrphans } from "../os/reaper.ts";
import { onLastChanceExit, onSignals, sendSignal } from "../os/signals.ts";
import { locateConfig, warn } from "./diagnostics.ts";
import { Engine, namespecOf, type Slot, type StateChange } from "./engine.ts";
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
    return await supervise(config, logger, logs);
  } finally {
    // The programs' last lines, then everything queued, before exit.
    await logs.drain(2000);
    logs.close();
  }
}

function createLogHub(config: Config): LogHub {
  const labels = config.groups.flatMap((group) => group.processes.map(namespecOf));
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
  return `unix://${config.unix_http_server?.file ?? "/run/tend.sock"}`;
}

async function supervise(config: Config, logger: TendLogger, logs: LogHub): Promise<number> {
  const engine = new Engine(config, { logger, logs, serverUrl: serverUrlOf(config) });
  let exitCode: number = ExitCode.OK;
  let shutdownRequests = 0;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });

  // supervisord logs the reason for a shutdown as a warning.
  const beginShutdown = (why: string, code: number): void => {
    if (engine.shuttingDown) return;
    logger.warn(why);
    exitCode = code;
    engine.shuttingDown = true;
    void stopInPriorityOrder(engine, (names) =>
      logger.info(`waiting for ${names.join(", ")} to die`),
    ).then(markStopped);
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
        logger.warn(`received ${name}: reloading the config is not available in this version yet`);
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

  engine.onStateChange((change) => {
    const code = criticalExitCode(change);
    if (code === undefined) return;
    const how = change.slot.lastExit ? describeExit(change.slot.lastExit).text : "never ran";
    beginShutdown(
      `critical program ${change.slot.config.name} entered ${change.to} (${how}): shutting down, exit code ${code}`,
      code,
    );
  });

  logger.info(`tend ${packageJson.version} started with pid ${process.pid}`);
  // Nothing else may keep Bun's event loop alive once every program is
  // STOPPED, EXITED or FATAL; tend must stay up until asked to stop. One
  // wake-up every 24 days is as idle as a timer gets.
  const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
  engine.startAutostart();
  await stopped;
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
