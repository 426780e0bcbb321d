// The methods on the configuration, as rpcinterface.py has them: reread
// (reloadConfig), add and remove a group, and the settings of every process
// of the last config read (getAllConfigInfo, what `avail` lists).

import type { GroupConfig, ProcessConfig } from "../../config/model.ts";
import { RpcFault } from "../../protocol/faults.ts";
import type { XmlRpcValue } from "../../protocol/xmlrpc.ts";
import type { Supervisor } from "../supervisor.ts";
import type { MethodTable } from "./registry.ts";
import { compare, type Rules, str } from "./rules.ts";

export function defineConfigMethods(table: MethodTable, rules: Rules): void {
  const s = rules.supervisor;
  table.define("supervisor.reloadConfig", {
    signature: ["array"],
    help: "Reads the config again and reports [[added, changed, removed]] group names; applies nothing.",
    run: () =>
      rules.running(() => {
        const reread = s.reread();
        if (!reread.ok) throw new RpcFault("CANT_REREAD", reread.message);
        const { added, changed, removed } = reread.value;
        return [[added.map(nameOf), changed.map(nameOf), removed.map(nameOf)]];
      }),
  });
  table.define("supervisor.addProcessGroup", {
    signature: ["boolean", "string"],
    help: "Activates a group of the last read config.",
    run: ([name]) =>
      rules.running(() => {
        const config = s.available().find((group) => group.name === str(name));
        if (!config) throw new RpcFault("BAD_NAME", str(name));
        if (!s.addGroup(config)) throw new RpcFault("ALREADY_ADDED", str(name));
        return true;
      }),
  });
  table.define("supervisor.removeProcessGroup", {
    signature: ["boolean", "string"],
    help: "Removes an active group whose processes are all stopped.",
    run: ([name]) =>
      rules.running(() => {
        if (!s.group(str(name))) throw new RpcFault("BAD_NAME", str(name));
        if (!s.removeGroup(str(name))) throw new RpcFault("STILL_RUNNING", str(name));
        return true;
      }),
  });
  table.define("supervisor.getAllConfigInfo", {
    signature: ["array"],
    help: "The settings of every process of the last read config, active or not.",
    run: () => rules.running(() => allConfigInfo(s)),
  });
}

function nameOf(group: GroupConfig): string {
  return group.name;
}

function allConfigInfo(s: Supervisor): XmlRpcValue[] {
  const active = new Set(s.groups().map((group) => group.config.name));
  return s
    .available()
    .flatMap((group) =>
      group.processes.map((process) => configInfo(s, group, process, active.has(group.name))),
    )
    .sort((a, b) => compare(String(a.name), String(b.name)));
}

/** getAllConfigInfo's struct for one process (supervisord writes 'auto'/'none' for unset values). */
function configInfo(
  s: Supervisor,
  group: GroupConfig,
  process: ProcessConfig,
  inuse: boolean,
): { [key: string]: XmlRpcValue } {
  const logfile = (value: string) =>
    value === "AUTO" ? "auto" : value === "NONE" ? "none" : value;
  return {
    autostart: process.autostart,
    directory: process.directory ?? "none",
    uid: process.user === undefined ? "none" : (s.userId(process.user) ?? process.user),
    command: process.command.join(" "),
    exitcodes: [...process.exitcodes],
    group: group.name,
    group_prio: group.priority,
    inuse,
    killasgroup: process.killasgroup,
    name: process.name,
    process_prio: process.priority,
    redirect_stderr: process.redirect_stderr,
    startretries: process.startretries,
    startsecs: process.startsecs,
    stdout_capture_maxbytes: process.stdout_capture_maxbytes,
    stdout_events_enabled: process.stdout_events_enabled,
    stdout_logfile: logfile(process.stdout_logfile),
    stdout_logfile_backups: process.stdout_logfile_backups,
    stdout_logfile_maxbytes: process.stdout_logfile_maxbytes,
    stdout_syslog: process.stdout_syslog,
    stopsignal: process.stopsignal,
    stopwaitsecs: process.stopwaitsecs,
    stderr_capture_maxbytes: process.stderr_capture_maxbytes,
    stderr_events_enabled: process.stderr_events_enabled,
    stderr_logfile: logfile(process.stderr_logfile),
    stderr_logfile_backups: process.stderr_logfile_backups,
    stderr_logfile_maxbytes: process.stderr_logfile_maxbytes,
    stderr_syslog: process.stderr_syslog,
    serverurl: logfile(process.serverurl),
  };
}
