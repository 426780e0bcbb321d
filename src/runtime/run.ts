// Run mode (`tend -c FILE`) wired to the real world: the config loaded, the
// log hub and tend's own log, the engine's ports for real, signals turned
// into events for the run-mode object, strangers reaped on SIGCHLD, the
// control plane opened, then every autostart program started; tend exits
// once everything is down after a shutdown.

import packageJson from "../../package.json" with { type: "json" };
import { type LoadResult, loadConfig, type Override } from "../config/load.ts";
import type { Config } from "../config/model.ts";
import { formatProblem } from "../config/problems.ts";
import { CommandLayer } from "../control/commands/index.ts";
import { ExitCode } from "../core/exit-codes.ts";
import { describeExit } from "../core/program.ts";
import { FORWARDED_SIGNALS } from "../core/signals.ts";
import { LogHub } from "../logging/hub.ts";
import type { LogReader } from "../logging/log-reader.ts";
import { destinationOf } from "../logging/routing.ts";
import { createTendLogger, type TendLogger } from "../logging/tend-log.ts";
import { isTerminal } from "../os/libc.ts";
import { writeStderr } from "../os/output.ts";
import { removePidfile, writePidfile } from "../os/pidfile.ts";
import { adoptOrphans, reapOrphans } from "../os/reaper.ts";
import { onLastChanceExit, onSignals, sendSignal } from "../os/signals.ts";
import { becomeUser } from "../os/users.ts";
import { makeNamespec } from "../protocol/namespec.ts";
import { SUPERVISOR_VERSION } from "../protocol/versions.ts";
import { openControlPlane, socketPathOf } from "./control-plane.ts";
import { locateConfig, warn } from "./diagnostics.ts";
import { healthSourceOf } from "./health-source.ts";
import { settleAfterStart } from "./memory.ts";
import { type EnginePorts, realClock, realTimers } from "./ports.ts";
import { RealProbeOps } from "./probe-ops.ts";
import { RealProcessOps } from "./process-ops.ts";
import { RunMode } from "./run-mode.ts";

export async function runSupervisor(
  configPath: string | undefined,
  overrides: readonly Override[] = [],
): Promise<number> {
  const path = configPath ?? locateConfig();
  if (path === undefined) return ExitCode.USAGE;
  const load = (file: string) => loadConfig(file, { overrides });
  const loaded = load(path);
  for (const problem of loaded.ok ? loaded.warnings : [...loaded.warnings, ...loaded.errors]) {
    writeStderr(`${formatProblem(problem)}\n`);
  }
  if (!loaded.ok) {
    warn(`${path}: ${loaded.errorCount} error(s); nothing started`);
    return ExitCode.USAGE;
  }
  const config = loaded.config;
  // supervisord switches user before it opens its log and sockets.
  const user = config.supervisord.user;
  if (user !== undefined) {
    const problem = becomeUser(user);
    if (problem !== undefined) {
      warn(`${path}: [supervisord] user: ${problem}; nothing started`);
      return ExitCode.USAGE;
    }
  }
  const logs = createLogHub(config);
  const main = logs.mainLog(
    config.supervisord.logfile,
    config.supervisord.logfile_maxbytes,
    config.supervisord.logfile_backups,
    config.supervisord.silent,
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
    if (user !== undefined) logger.info(`Set uid to user ${user} succeeded`);
    return await supervise(path, config, load, logger, logs, main.reader);
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
  return new LogHub({
    format: config.supervisord.log_format,
    prefix: config.supervisord.log_prefix,
    color: !noColor && isTerminal(1),
    labelWidth: Math.max(0, ...labels.map((label) => label.length)),
    stripAnsi: config.supervisord.strip_ansi,
  });
}

async function supervise(
  path: string,
  config: Config,
  load: (path: string) => LoadResult,
  logger: TendLogger,
  logs: LogHub,
  mainLog: LogReader | undefined,
): Promise<number> {
  const serverUrl = `unix://${socketPathOf(config)}`;
  const ports: EnginePorts = {
    processes: new RealProcessOps(logs, serverUrl, (message) => logger.warn(message)),
    probes: new RealProbeOps(serverUrl),
    logs: {
      open: (process, opening) => logs.processLogs(process, opening.namespec, opening.listener),
      close: (processLogs) => logs.releaseLogs(processLogs),
    },
    timers: realTimers,
    clock: realClock,
    log: (level, message) => logger[level](message),
  };
  const run = new RunMode({
    path,
    config,
    ports,
    load,
    reopenLogs: () => logs.reopen(),
    mainLog,
    pid: process.pid,
  });

  onSignals(FORWARDED_SIGNALS, (name) => run.signalled(name));
  onSignals(["SIGCHLD"], () => {
    logger.debug("received SIGCHLD indicating a child quit");
    try {
      for (const orphan of reapOrphans()) {
        run.counters.orphansReaped++;
        const how = orphan.status ? describeExit(orphan.status).text : "stopped";
        logger.info(`reaped unknown pid ${orphan.pid} (${how})`);
      }
    } catch (error) {
      logger.error(`reaping failed: ${(error as Error).message}`);
    }
  });
  // Last chance: if tend itself dies, take its programs with it.
  onLastChanceExit(() => {
    for (const slot of run.engine.slots) {
      if (slot.status.pid !== 0) sendSignal(slot.status.pid, "SIGKILL", true);
    }
  });

  const notAdopting = adoptOrphans();
  if (notAdopting)
    logger.warn(`orphans of the programs will not be reaped by tend: ${notAdopting}`);

  const commands = new CommandLayer(run, { tendVersion: packageJson.version });
  const control = await openControlPlane(config, {
    call: (method, params, context) => commands.call(method, params, context),
    processLog: (namespec, channel) => run.processLog(namespec, channel),
    mainLog: () => mainLog,
    report: (level, message) => logger[level](message),
    health: healthSourceOf(run, packageJson.version),
    watch: (changed) => run.onChange(changed),
  });
  if (typeof control === "string") {
    logger.error(`${control}; nothing started`);
    // Said on the terminal too when tend's log goes to a file nobody watches yet.
    if (destinationOf(config.supervisord.logfile).kind === "path")
      warn(`${control}; nothing started`);
    return ExitCode.USAGE;
  }
  const pidfile = config.supervisord.pidfile;
  if (pidfile !== undefined) {
    const problem = writePidfile(pidfile, process.pid);
    if (problem !== undefined) logger.critical(problem);
  }

  // supervisord's own words, which scripts and tests wait for; the version first.
  logger.info(`tend ${packageJson.version} (supervisord ${SUPERVISOR_VERSION} compatible)`);
  logger.info(`supervisord started with pid ${process.pid}`);
  // Nothing else may keep Bun's event loop alive once every program is
  // STOPPED, EXITED or FATAL; tend must stay up until asked to stop. One
  // wake-up every 24 days is as idle as a timer gets.
  const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
  run.startPrograms();
  settleAfterStart((changed) => run.onChange(changed));
  const exitCode = await run.finished;
  control.close();
  if (pidfile !== undefined) removePidfile(pidfile);
  clearInterval(keepAlive);
  logger.info("tend stopped: every program is down");
  return exitCode;
}
