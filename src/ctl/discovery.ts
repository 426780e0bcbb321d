// Where `tend ctl` finds its server (docs/control.md), with the
// credentials, prompt and history file that come along.
//
// The rule. With -s URL: that server only. With -c FILE: that file's
// [supervisorctl] serverurl, else its [unix_http_server] file (a file that
// names neither leaves it to $TEND_SOCKET, else the default). With neither,
// the candidates are, in this order and each once: $TEND_SOCKET, the server
// of the config tend itself would find (run mode's search list), and
// unix:///run/tend.sock. They are asked one after another, and the first
// that answers (a unix socket that accepts a connection, a reachable
// host:port) is used; when none does, the first, so that the error names it
// as before. So a supervisord config lying around (say
// /etc/supervisor/supervisord.conf) no longer hides the tend that runs on
// the default socket, and ctl finds a run-mode tend whichever of its config
// or $TEND_SOCKET named the socket.

import { envExpansions, expand } from "../config/expand.ts";
import { readSections } from "../config/files.ts";
import { loadConfig } from "../config/load.ts";
import { Problems } from "../config/problems.ts";
import type { RawSection } from "../config/raw.ts";
import { findConfig } from "../config/search.ts";
import { isAbsolute, normalize, resolveFrom } from "../core/paths.ts";
import { fs, os } from "../os/fs.ts";
import type { CtlOptions } from "./options.ts";
import { type ServerAddress, serverAnswers } from "./transport.ts";

/** The socket tend listens on when its config names none. */
export const DEFAULT_SERVER_URL = "unix:///run/tend.sock";

/** What a config file says to the client. */
export interface CtlSettings {
  /** [supervisorctl] serverurl (AUTO counts as unset). */
  readonly serverUrl: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** [unix_http_server] file, and its credentials. */
  readonly socketFile: string | undefined;
  readonly socketUsername: string | undefined;
  readonly socketPassword: string | undefined;
  readonly prompt: string | undefined;
  readonly historyFile: string | undefined;
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface DiscoveryContext {
  readonly env: Env;
  /** The config tend would run with (its search order), if any. */
  readonly searchConfig: () => string | undefined;
  readonly readSettings: (path: string) => CtlSettings | { readonly error: string };
  /** Whether a server accepts connections at `url` (nothing is sent). */
  readonly answers: (url: string) => Promise<boolean>;
}

export interface Discovered {
  readonly address: ServerAddress;
  readonly prompt: string;
  readonly historyFile: string | undefined;
}

export function realDiscoveryContext(env: Env): DiscoveryContext {
  return {
    env,
    searchConfig: () => {
      const search = findConfig(env, process.execPath);
      return "found" in search ? search.found : undefined;
    },
    readSettings: (path) => readCtlSettings(path, env),
    answers: serverAnswers,
  };
}

interface Candidate {
  readonly url: string;
  /** It is the config's [unix_http_server] socket, whose credentials then serve too. */
  readonly fromSocketSection: boolean;
}

/** The server and shell settings for these options, or a usage error. */
export async function discover(
  options: CtlOptions,
  context: DiscoveryContext,
): Promise<Discovered | { readonly error: string }> {
  const configPath = options.configFile ?? context.searchConfig();
  const settings = configPath === undefined ? undefined : context.readSettings(configPath);
  if (settings !== undefined && "error" in settings) return settings;

  const fromConfig = settings === undefined ? undefined : configuredAddress(settings);
  const fromEnvUrl = urlOfSocket(context.env.TEND_SOCKET ?? "");
  const fromEnv =
    fromEnvUrl === undefined ? undefined : { url: fromEnvUrl, fromSocketSection: false };
  const byDefault = { url: DEFAULT_SERVER_URL, fromSocketSection: false };
  let chosen: Candidate;
  if (options.serverUrl !== undefined)
    chosen = { url: options.serverUrl, fromSocketSection: false };
  else if (options.configFile !== undefined) chosen = fromConfig ?? fromEnv ?? byDefault;
  else chosen = await firstAnswering([fromEnv, fromConfig], byDefault, context.answers);

  // As supervisorctl: -u/-p, else [supervisorctl]'s. When the address is
  // the config's own socket, that socket's credentials serve too (unless
  // stored as a {SHA} hash, which cannot be sent).
  let username = options.username ?? settings?.username;
  let password = options.password ?? settings?.password;
  if (chosen.fromSocketSection && username === undefined && password === undefined) {
    const socketPassword = settings?.socketPassword;
    if (socketPassword !== undefined && !socketPassword.startsWith("{SHA}")) {
      username = settings?.socketUsername;
      password = socketPassword;
    }
  }
  const historyFile = options.historyFile ?? settings?.historyFile;
  return {
    address: { url: chosen.url, username, password },
    prompt: settings?.prompt ?? "supervisor",
    historyFile: historyFile === undefined ? undefined : normalizePath(historyFile),
  };
}

/**
 * The first of `preferred`, then `last`, that answers, asked in that order
 * (each URL once); when none answers, the first of them.
 */
async function firstAnswering(
  preferred: readonly (Candidate | undefined)[],
  last: Candidate,
  answers: (url: string) => Promise<boolean>,
): Promise<Candidate> {
  const candidates: Candidate[] = [];
  for (const candidate of [...preferred, last]) {
    if (candidate !== undefined && !candidates.some((seen) => seen.url === candidate.url))
      candidates.push(candidate);
  }
  const first = candidates[0] ?? last;
  // A lone candidate is the answer whether it answers or not.
  if (candidates.length === 1) return first;
  for (const candidate of candidates) {
    if (await answers(candidate.url)) return candidate;
  }
  return first;
}

function configuredAddress(settings: CtlSettings): Candidate | undefined {
  if (settings.serverUrl !== undefined) {
    const url = settings.serverUrl.startsWith("unix://")
      ? `unix://${normalizePath(settings.serverUrl.slice(7))}`
      : settings.serverUrl;
    return { url, fromSocketSection: false };
  }
  if (settings.socketFile !== undefined) {
    return { url: `unix://${normalizePath(settings.socketFile)}`, fromSocketSection: true };
  }
  return undefined;
}

/** $TEND_SOCKET: a socket path, or a URL. */
function urlOfSocket(value: string): string | undefined {
  if (value === "") return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `unix://${value}`;
}

/** Python's normpath(abspath(expanduser(path))), as supervisorctl normalises paths from its config. */
export function normalizePath(path: string): string {
  const home = path === "~" || path.startsWith("~/") ? os().homedir() + path.slice(1) : path;
  return normalize(isAbsolute(home) ? home : resolveFrom(process.cwd(), home));
}

// --- reading a config --------------------------------------------------------

/**
 * The client's settings from a config file. The full loader comes first; a
 * config it refuses (say, a program with a bad key, mid-edit before an
 * `update`) still gives its [supervisorctl] and [unix_http_server] as
 * written, as supervisorctl reads only what it needs.
 */
export function readCtlSettings(path: string, env: Env): CtlSettings | { readonly error: string } {
  if (!fs().existsSync(path)) return { error: `could not find config file ${path}` };
  const loaded = loadConfig(path, { env });
  if (loaded.ok) {
    const { supervisorctl, unix_http_server: unix } = loaded.config;
    return {
      serverUrl: supervisorctl.serverurl === "AUTO" ? undefined : supervisorctl.serverurl,
      username: supervisorctl.username,
      password: supervisorctl.password,
      socketFile: unix?.file,
      socketUsername: unix?.username,
      socketPassword: unix?.password,
      prompt: supervisorctl.prompt,
      historyFile: supervisorctl.history_file,
    };
  }
  const problems = new Problems();
  const { sections, files } = readSections(path, { env }, problems);
  if (files.length === 0) return { error: `could not read config file ${path}` };
  const value = rawReader(sections, env);
  const serverUrl = value("supervisorctl", "serverurl");
  return {
    serverUrl: serverUrl?.toUpperCase() === "AUTO" ? undefined : serverUrl,
    username: value("supervisorctl", "username"),
    password: value("supervisorctl", "password"),
    socketFile: value("unix_http_server", "file"),
    socketUsername: value("unix_http_server", "username"),
    socketPassword: value("unix_http_server", "password"),
    prompt: value("supervisorctl", "prompt"),
    historyFile: value("supervisorctl", "history_file"),
  };
}

/** A key's value as written (expanded), the last section of that name winning. */
function rawReader(sections: readonly RawSection[], env: Env) {
  const fromEnv = envExpansions(env);
  return (sectionName: string, key: string): string | undefined => {
    const section = sections.findLast((candidate) => candidate.name === sectionName);
    const raw = section?.entries.get(key)?.value;
    if (section === undefined || raw === undefined || typeof raw === "object") return undefined;
    const expanded = expand(String(raw), {
      ...fromEnv,
      here: section.here,
      host_node_name: os().hostname(),
    });
    return expanded.ok ? expanded.value.trim() : String(raw).trim();
  };
}
