// The actions on the configuration: avail, reread, add, remove and update.
// update asks tend's server to apply the change in one call (tend.update:
// only changed processes restart); a server without it (supervisord) gets
// supervisorctl's own sequence of reloadConfig, stop, remove and add.

import { Faults } from "../../protocol/faults.ts";
import type { XmlRpcValue } from "../../protocol/xmlrpc.ts";
import { type Action, type Controller, Exit, isFault } from "../controller.ts";
import { asResult, availLine, changeLines, str, structs, words } from "../format.ts";
import { usageError } from "./processes.ts";

/** reloadConfig's `[[added, changed, removed]]`. */
function changesOf(reply: XmlRpcValue): { added: string[]; changed: string[]; removed: string[] } {
  const [triple] = Array.isArray(reply) ? reply : [];
  const [added, changed, removed] = (Array.isArray(triple) ? triple : []).map((names) =>
    Array.isArray(names) ? names.map((name) => str(name)) : [],
  );
  return { added: added ?? [], changed: changed ?? [], removed: removed ?? [] };
}

async function avail(ctl: Controller, arg: string): Promise<undefined> {
  if (arg !== "")
    return usageError(ctl, "Error: avail accepts no arguments", Exit.GENERIC, availAction);
  let infos: XmlRpcValue;
  try {
    infos = await ctl.server.call("supervisor.getAllConfigInfo");
  } catch (error) {
    ctl.exitStatus = Exit.GENERIC;
    if (!isFault(error, Faults.SHUTDOWN_STATE)) throw error;
    ctl.output("ERROR: supervisor shutting down");
    return;
  }
  for (const info of structs(infos)) ctl.output(availLine(info));
}

async function reread(ctl: Controller, arg: string): Promise<undefined> {
  if (arg !== "")
    return usageError(ctl, "Error: reread accepts no arguments", Exit.GENERIC, rereadAction);
  let reply: XmlRpcValue;
  try {
    reply = await ctl.server.call("supervisor.reloadConfig");
  } catch (error) {
    ctl.exitStatus = Exit.GENERIC;
    if (isFault(error, Faults.SHUTDOWN_STATE)) ctl.output("ERROR: supervisor shutting down");
    else if (isFault(error, Faults.CANT_REREAD)) ctl.output(`ERROR: ${error.faultString}`);
    else throw error;
    return;
  }
  const { added, changed, removed } = changesOf(reply);
  for (const line of changeLines(added, changed, removed)) ctl.output(line);
}

async function add(ctl: Controller, arg: string): Promise<undefined> {
  for (const name of words(arg)) {
    try {
      await ctl.server.call("supervisor.addProcessGroup", name);
    } catch (error) {
      if (isFault(error, Faults.SHUTDOWN_STATE)) {
        ctl.output("ERROR: shutting down");
        ctl.exitStatus = Exit.GENERIC;
      } else if (isFault(error, Faults.ALREADY_ADDED)) {
        ctl.output("ERROR: process group already active"); // not an error for the exit status
      } else if (isFault(error, Faults.BAD_NAME)) {
        ctl.output(`ERROR: no such process/group: ${name}`);
        ctl.exitStatus = Exit.GENERIC;
      } else throw error;
      continue;
    }
    ctl.output(`${name}: added process group`);
  }
}

async function remove(ctl: Controller, arg: string): Promise<undefined> {
  for (const name of words(arg)) {
    try {
      await ctl.server.call("supervisor.removeProcessGroup", name);
    } catch (error) {
      ctl.exitStatus = Exit.GENERIC;
      if (isFault(error, Faults.STILL_RUNNING))
        ctl.output(`ERROR: process/group still running: ${name}`);
      else if (isFault(error, Faults.BAD_NAME)) ctl.output(`ERROR: no such process/group: ${name}`);
      else throw error;
      continue;
    }
    ctl.output(`${name}: removed process group`);
  }
}

/** The group names `update` was given: none (or `all`) means every group. Duplicates count once. */
function updateNames(arg: string): string[] {
  const names = [...new Set(words(arg))];
  return names.includes("all") ? [] : names;
}

async function update(ctl: Controller, arg: string): Promise<undefined> {
  const names = updateNames(arg);
  let reply: XmlRpcValue;
  try {
    reply = await ctl.server.call("tend.update", names);
  } catch (error) {
    if (isFault(error, Faults.UNKNOWN_METHOD)) return updateAsSupervisorctl(ctl, names);
    ctl.exitStatus = Exit.GENERIC;
    if (isFault(error, Faults.SHUTDOWN_STATE)) ctl.output("ERROR: already shutting down");
    // tend's own path, so its own words: the config's errors, as reread prints them.
    else if (isFault(error, Faults.CANT_REREAD)) ctl.output(`ERROR: ${error.faultString}`);
    else throw error;
    return;
  }
  for (const line of structs(reply)) {
    ctl.output(`${str(line.name)}: ${str(line.message)}`);
    // An unknown group and a process that would not stop fail the update,
    // as in supervisorctl; the server marks those lines.
    if (line.error === true) ctl.exitStatus = Exit.GENERIC;
  }
}

/** supervisorctl's do_update, call by call, for a server without tend.update. */
async function updateAsSupervisorctl(
  ctl: Controller,
  names: readonly string[],
): Promise<undefined> {
  const s = ctl.server;
  let reply: XmlRpcValue;
  try {
    reply = await s.call("supervisor.reloadConfig");
  } catch (error) {
    ctl.exitStatus = Exit.GENERIC;
    if (!isFault(error, Faults.SHUTDOWN_STATE)) throw error;
    ctl.output("ERROR: already shutting down");
    return;
  }
  const { added, changed, removed } = changesOf(reply);
  const wanted = (group: string) => names.length === 0 || names.includes(group);

  if (names.length > 0) {
    const known = new Set(
      structs(await s.call("supervisor.getAllProcessInfo")).map((info) => str(info.group)),
    );
    for (const group of added) known.add(group);
    for (const name of names) {
      if (known.has(name)) continue;
      ctl.output(`ERROR: no such group: ${name}`);
      ctl.exitStatus = Exit.GENERIC;
    }
  }
  for (const group of removed.filter(wanted)) {
    const results = structs(await s.call("supervisor.stopProcessGroup", group)).map(asResult);
    ctl.output(`${group}: stopped`);
    if (results.some((result) => result.status === Faults.FAILED)) {
      ctl.output(`${group}: has problems; not removing`);
      ctl.exitStatus = Exit.GENERIC;
      continue;
    }
    await s.call("supervisor.removeProcessGroup", group);
    ctl.output(`${group}: removed process group`);
  }
  for (const group of changed.filter(wanted)) {
    await s.call("supervisor.stopProcessGroup", group);
    ctl.output(`${group}: stopped`);
    await s.call("supervisor.removeProcessGroup", group);
    await s.call("supervisor.addProcessGroup", group);
    ctl.output(`${group}: updated process group`);
  }
  for (const group of added.filter(wanted)) {
    await s.call("supervisor.addProcessGroup", group);
    ctl.output(`${group}: added process group`);
  }
}

const availAction: Action = {
  name: "avail",
  run: avail,
  help: ["avail\t\t\tDisplay all configured processes"],
};

const rereadAction: Action = {
  name: "reread",
  run: reread,
  help: ["reread \t\t\tReload the daemon's configuration files without add/remove"],
};

const addAction: Action = {
  name: "add",
  run: add,
  completes: "groups",
  help: ["add <name> [...]\tActivates any updates in config for process/group"],
};

const removeAction: Action = {
  name: "remove",
  run: remove,
  completes: "groups",
  help: ["remove <name> [...]\tRemoves process/group from active config"],
};

const updateAction: Action = {
  name: "update",
  run: update,
  completes: "groups",
  help: [
    "update\t\t\tReload config and add/remove as necessary, and will restart affected programs",
    "update all\t\tReload config and add/remove as necessary, and will restart affected programs",
    "update <gname> [...]\tUpdate specific groups",
  ],
};

export const CONFIG_ACTIONS: readonly Action[] = [
  availAction,
  rereadAction,
  addAction,
  removeAction,
  updateAction,
];
