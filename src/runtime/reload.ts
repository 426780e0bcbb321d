// Reading the config again while tend runs, and applying it: the diff of
// groups (supervisord's reread: added, changed, removed), and tend's update,
// used by SIGHUP, `tend ctl update` (tend.update) and reloadConfig: removed
// groups stop and go, added ones come, and in a changed group only the
// processes whose settings changed stop and start again (a change to how a
// process is watched, awaited or restarted only applies to it). A process that
// cannot be stopped stays supervised with its old settings, and the reply
// says so. A config that fails to load changes nothing.

import { type ConfigDiff, diffGroups, sameProcess, sameRun } from "../config/compare.ts";
import type { LoadResult } from "../config/load.ts";
import type { Config, GroupConfig } from "../config/model.ts";
import { formatProblem } from "../config/problems.ts";
import type { UpdateLine } from "../control/supervisor.ts";
import { RUNNING_STATES, STOPPED_STATES } from "../core/states.ts";
import type { Engine } from "./engine.ts";
import type { Slot } from "./slot.ts";

/** The config file could not be read again: every error, in one message. */
export class ConfigReadError extends Error {
  override name = "ConfigReadError";
}

export class Reload {
  /**
   * The groups of the last config read (supervisord's process_group_configs):
   * what addProcessGroup can add and `avail` lists.
   */
  available: readonly GroupConfig[];

  constructor(
    private readonly path: string,
    initial: Config,
    private readonly load: (path: string) => LoadResult,
    private readonly engine: Engine,
  ) {
    this.available = initial.groups;
  }

  /** Reads the config file again and compares it with what runs; applies nothing. */
  reread(): { config: Config; diff: ConfigDiff } {
    const config = this.read();
    this.available = config.groups;
    return { config, diff: diffGroups(this.activeConfigs(), config.groups) };
  }

  /** The config file read again (for `ctl reload`), or the error that kept it from loading. */
  read(): Config {
    const loaded = this.load(this.path);
    if (!loaded.ok) throw new ConfigReadError(loaded.errors.map(formatProblem).join("\n"));
    return loaded.config;
  }

  /**
   * Reread and apply, for the named groups or all (`[]`). Throws
   * ConfigReadError, with nothing changed, when the config does not load.
   */
  async update(names: readonly string[]): Promise<UpdateLine[]> {
    const { diff } = this.reread();
    const wanted = (group: GroupConfig) => names.length === 0 || names.includes(group.name);
    const lines: UpdateLine[] = [];
    const say = (name: string, message: string, error = false) =>
      lines.push({ name, message, error });
    for (const name of names) {
      const known = this.available.some((group) => group.name === name);
      if (!known && !this.engine.group(name)) say("ERROR", `no such group: ${name}`, true);
    }
    for (const config of diff.removed.filter(wanted)) {
      const group = this.engine.group(config.name);
      if (!group) continue;
      const stuck = await stopAndWait(this.engine, group.slots);
      say(config.name, "stopped");
      if (stuck.size > 0) {
        say(config.name, "has problems; not removing", true);
        continue;
      }
      this.engine.removeGroup(config.name);
      say(config.name, "removed process group");
    }
    for (const config of diff.changed.filter(wanted)) {
      const group = this.engine.group(config.name);
      if (group) await this.updateGroup(config, group.slots, say);
    }
    for (const config of diff.added.filter(wanted)) {
      this.engine.addGroup(config);
      say(config.name, "added process group");
    }
    return lines;
  }

  /**
   * A changed group: its outdated processes stop, the rest run on. When all
   * of them are outdated the lines are supervisorctl's own.
   */
  private async updateGroup(
    config: GroupConfig,
    slots: readonly Slot[],
    say: (name: string, message: string, error?: boolean) => void,
  ): Promise<void> {
    // A process whose only changes are to how it is watched, awaited and
    // restarted keeps running; the engine gives it its new settings.
    const kept = slots.filter((slot) => config.processes.some((p) => sameRun(p, slot.config)));
    const outdated = slots.filter((slot) => !kept.includes(slot));
    const unchanged = kept.filter((slot) =>
      config.processes.some((p) => sameProcess(p, slot.config)),
    );
    const retuned = kept.filter((slot) => !unchanged.includes(slot));
    const stuck = await stopAndWait(this.engine, outdated);
    const stopped = outdated.filter((slot) => !stuck.has(slot)).map((slot) => slot.config.name);
    const names = (list: readonly Slot[]) => list.map((slot) => slot.config.name).join(", ");
    if (kept.length === 0 && stuck.size === 0) say(config.name, "stopped");
    else {
      const parts = [
        ...(stopped.length > 0 ? [`stopped ${stopped.join(", ")} (changed)`] : []),
        ...(retuned.length > 0 ? [`kept ${names(retuned)} (new supervision settings)`] : []),
        ...(unchanged.length > 0 ? [`kept ${names(unchanged)} (unchanged)`] : []),
      ];
      if (parts.length > 0) say(config.name, parts.join("; "));
    }
    for (const [slot, reason] of stuck) {
      say(
        config.name,
        `could not stop ${slot.config.name} (${reason}); it keeps running with its old settings`,
        true,
      );
    }
    this.engine.replaceGroup(config, [...stuck.keys()]);
    say(config.name, "updated process group");
  }

  private activeConfigs(): GroupConfig[] {
    return this.engine.groups.map((group) => group.config);
  }
}

/**
 * Stops every process of `slots` that runs and waits until each is down.
 * The ones whose stop failed, with the reason (they still run).
 */
async function stopAndWait(engine: Engine, slots: readonly Slot[]): Promise<Map<Slot, string>> {
  const stuck = new Map<Slot, string>();
  const waiting: Slot[] = [];
  for (const slot of slots) {
    if (slot.status.state === "STOPPING") waiting.push(slot);
    if (!RUNNING_STATES.includes(slot.status.state)) continue;
    const failure = engine.stop(slot);
    if (failure === undefined) waiting.push(slot);
    else stuck.set(slot, failure);
  }
  await engine.until(() => waiting.every((slot) => STOPPED_STATES.includes(slot.status.state)));
  for (const slot of waiting) {
    if (slot.status.state === "UNKNOWN") stuck.set(slot, "its SIGKILL could not be sent");
  }
  return stuck;
}
