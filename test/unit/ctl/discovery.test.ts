// Where `tend ctl` looks for its server: -s, else -c's config; without
// either, the first that answers of $TEND_SOCKET, the config tend would
// find and unix:///run/tend.sock (the first of them when none answers);
// and what it reads from a config (even one the full loader refuses).

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CtlSettings,
  type DiscoveryContext,
  discover,
  readCtlSettings,
} from "../../../src/ctl/discovery.ts";
import { type CtlOptions, parseCtlOptions } from "../../../src/ctl/options.ts";
import { ctl, FakeServer } from "./fake-server.ts";

const dir = mkdtempSync(join(tmpdir(), "tend-ctl-discovery-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function opts(args: string[]): CtlOptions {
  const parsed = parseCtlOptions([...args, "status"]);
  if (parsed.kind !== "options") throw new Error("bad options");
  return parsed.options;
}

const NOTHING: CtlSettings = {
  serverUrl: undefined,
  username: undefined,
  password: undefined,
  socketFile: undefined,
  socketUsername: undefined,
  socketPassword: undefined,
  prompt: undefined,
  historyFile: undefined,
};

/** A context over `files`; servers answer only at the `answering` URLs (none by default). */
function context(
  files: Record<string, Partial<CtlSettings>>,
  env: Record<string, string> = {},
  searched?: string,
  answering: readonly string[] = [],
  asked: string[] = [],
): DiscoveryContext {
  return {
    env,
    searchConfig: () => searched,
    readSettings: (path) => {
      const settings = files[path];
      return settings === undefined
        ? { error: `could not find config file ${path}` }
        : { ...NOTHING, ...settings };
    },
    answers: async (url) => {
      asked.push(url);
      return answering.includes(url);
    },
  };
}

const urlOf = async (args: string[], ctx: DiscoveryContext) => {
  const found = await discover(opts(args), ctx);
  if ("error" in found) throw new Error(found.error);
  return found.address.url;
};

describe("server discovery precedence", () => {
  const files = {
    "/c.ini": { serverUrl: "unix:///from-c.sock" },
    "/found.ini": { serverUrl: "unix:///from-found.sock" },
    "/socket-only.ini": { socketFile: "/from-socket-section.sock" },
    "/empty.ini": {},
  };
  const env = { TEND_SOCKET: "/from-env.sock" };

  test("-s wins over everything", async () => {
    expect(
      await urlOf(
        ["-s", "http://127.0.0.1:9001", "-c", "/c.ini"],
        context(files, env, "/found.ini"),
      ),
    ).toBe("http://127.0.0.1:9001");
  });

  test("then -c's [supervisorctl] serverurl, even with $TEND_SOCKET set", async () => {
    expect(await urlOf(["-c", "/c.ini"], context(files, env, "/found.ini"))).toBe(
      "unix:///from-c.sock",
    );
  });

  test("then -c's [unix_http_server] file", async () => {
    expect(await urlOf(["-c", "/socket-only.ini"], context(files, env))).toBe(
      "unix:///from-socket-section.sock",
    );
  });

  test("a -c config that names no server leaves it to $TEND_SOCKET", async () => {
    expect(await urlOf(["-c", "/empty.ini"], context(files, env))).toBe("unix:///from-env.sock");
  });

  test("then $TEND_SOCKET (a path or a URL), over the searched config", async () => {
    expect(await urlOf([], context(files, env, "/found.ini"))).toBe("unix:///from-env.sock");
    expect(await urlOf([], context(files, { TEND_SOCKET: "http://h:1" }, "/found.ini"))).toBe(
      "http://h:1",
    );
  });

  test("then the config tend would find", async () => {
    expect(await urlOf([], context(files, {}, "/found.ini"))).toBe("unix:///from-found.sock");
    expect(await urlOf([], context(files, {}, "/socket-only.ini"))).toBe(
      "unix:///from-socket-section.sock",
    );
  });

  test("else unix:///run/tend.sock", async () => {
    expect(await urlOf([], context(files, {}, undefined))).toBe("unix:///run/tend.sock");
    expect(await urlOf([], context(files, {}, "/empty.ini"))).toBe("unix:///run/tend.sock");
  });

  test("-c naming a missing file is a usage error", async () => {
    expect(await discover(opts(["-c", "/missing.ini"]), context(files))).toEqual({
      error: "could not find config file /missing.ini",
    });
  });
});

describe("without -s or -c: the first candidate that answers", () => {
  const files = {
    // supervisord's own config, found by the search while a tend runs on the default socket.
    "/etc/supervisor/supervisord.conf": { socketFile: "/var/run/supervisor.sock" },
    "/found.ini": { serverUrl: "unix:///from-found.sock" },
  };
  const SUPERVISORD = "unix:///var/run/supervisor.sock";
  const DEFAULT = "unix:///run/tend.sock";

  test("a found supervisord config whose socket is dead yields to tend on the default socket", async () => {
    const ctx = context(files, {}, "/etc/supervisor/supervisord.conf", [DEFAULT]);
    expect(await urlOf([], ctx)).toBe(DEFAULT);
  });

  test("a dead $TEND_SOCKET yields to the found config's server, then to the default", async () => {
    const env = { TEND_SOCKET: "/from-env.sock" };
    const found = "unix:///from-found.sock";
    expect(await urlOf([], context(files, env, "/found.ini", [found, DEFAULT]))).toBe(found);
    expect(await urlOf([], context(files, env, "/found.ini", [DEFAULT]))).toBe(DEFAULT);
  });

  test("the found config's socket-section credentials go only with its own socket", async () => {
    const withCredentials = {
      "/a.ini": { socketFile: "/a.sock", socketUsername: "srv", socketPassword: "pw" },
    };
    const address = async (answering: string[]) => {
      const found = await discover(opts([]), context(withCredentials, {}, "/a.ini", answering));
      if ("error" in found) throw new Error(found.error);
      return found.address;
    };
    expect(await address(["unix:///a.sock"])).toEqual({
      url: "unix:///a.sock",
      username: "srv",
      password: "pw",
    });
    expect(await address([DEFAULT])).toEqual({
      url: DEFAULT,
      username: undefined,
      password: undefined,
    });
  });

  test("candidates are asked in order without repeats; none answering, the first is used", async () => {
    const asked: string[] = [];
    const env = { TEND_SOCKET: "unix:///run/tend.sock" };
    const ctx = context(files, env, "/etc/supervisor/supervisord.conf", [], asked);
    expect(await urlOf([], ctx)).toBe(DEFAULT);
    expect(asked).toEqual([DEFAULT, SUPERVISORD]);
  });

  test("-s and -c name the server: nothing is asked, even when it would not answer", async () => {
    const asked: string[] = [];
    const ctx = (answering: string[]) =>
      context(files, {}, "/etc/supervisor/supervisord.conf", answering, asked);
    expect(await urlOf(["-s", "unix:///mine.sock"], ctx([DEFAULT]))).toBe("unix:///mine.sock");
    expect(await urlOf(["-c", "/etc/supervisor/supervisord.conf"], ctx([DEFAULT]))).toBe(
      SUPERVISORD,
    );
    // With no candidate but one, there is nothing to choose between.
    expect(await urlOf([], context({}, {}, undefined, [], asked))).toBe(DEFAULT);
    expect(await urlOf([], ctx([SUPERVISORD, DEFAULT]))).toBe(SUPERVISORD);
    expect(asked).toEqual([SUPERVISORD]);
  });
});

describe("credentials, prompt, history", () => {
  test("-u/-p over [supervisorctl]'s; [unix_http_server]'s when that socket is used", async () => {
    const files = {
      "/a.ini": { serverUrl: "unix:///a.sock", username: "ctl", password: "ctlpw" },
      "/b.ini": { socketFile: "/b.sock", socketUsername: "srv", socketPassword: "srvpw" },
      "/sha.ini": { socketFile: "/b.sock", socketUsername: "srv", socketPassword: "{SHA}abc" },
    };
    const address = async (args: string[]) => {
      const found = await discover(opts(args), context(files));
      if ("error" in found) throw new Error(found.error);
      return found.address;
    };
    expect(await address(["-c", "/a.ini"])).toEqual({
      url: "unix:///a.sock",
      username: "ctl",
      password: "ctlpw",
    });
    expect(await address(["-c", "/a.ini", "-u", "me", "-p", "pw"])).toMatchObject({
      username: "me",
      password: "pw",
    });
    expect(await address(["-c", "/b.ini"])).toMatchObject({ username: "srv", password: "srvpw" });
    expect(await address(["-c", "/sha.ini"])).toMatchObject({
      username: undefined,
      password: undefined,
    });
  });

  test("the prompt and history file come from the config; -r wins", async () => {
    const files = { "/a.ini": { prompt: "tend", historyFile: "/h1" } };
    const found = await discover(opts(["-c", "/a.ini"]), context(files));
    expect(found).toMatchObject({ prompt: "tend", historyFile: "/h1" });
    expect(await discover(opts(["-c", "/a.ini", "-r", "/h2"]), context(files))).toMatchObject({
      historyFile: "/h2",
    });
    expect(await discover(opts([]), context({}))).toMatchObject({
      prompt: "supervisor",
      historyFile: undefined,
    });
  });
});

describe("reading a config", () => {
  test("[supervisorctl] and [unix_http_server], with %(here)s", () => {
    const path = write(
      "ctl.ini",
      "[unix_http_server]\nfile=%(here)s/s.sock\nusername=u\npassword=p\n\n[supervisorctl]\nserverurl=unix://%(here)s/s.sock\nprompt=mine\n\n[program:x]\ncommand=sleep 1\n",
    );
    expect(readCtlSettings(path, {})).toEqual({
      serverUrl: `unix://${dir}/s.sock`,
      username: undefined,
      password: undefined,
      socketFile: `${dir}/s.sock`,
      socketUsername: "u",
      socketPassword: "p",
      prompt: "mine",
      historyFile: undefined,
    });
  });

  test("a config the loader refuses still gives what the client needs", () => {
    const path = write(
      "broken.ini",
      "[supervisorctl]\nserverurl=unix://%(here)s/b.sock\nusername=%(ENV_CTL_USER)s\n\n[program:x]\nstartsecs=not-a-number\n",
    );
    expect(readCtlSettings(path, { CTL_USER: "alice" })).toMatchObject({
      serverUrl: `unix://${dir}/b.sock`,
      username: "alice",
    });
  });

  test("TEND_ overrides apply as in run mode: TEND_ENVIRONMENT can move the socket", () => {
    const path = write(
      "pod.ini",
      "[supervisord]\nenvironment=SOCK=/run/image.sock\n[unix_http_server]\nfile=%(ENV_SOCK)s\n[program:x]\ncommand=true\n",
    );
    expect(readCtlSettings(path, {})).toMatchObject({ socketFile: "/run/image.sock" });
    expect(readCtlSettings(path, { TEND_ENVIRONMENT: "SOCK=/run/pod.sock" })).toMatchObject({
      socketFile: "/run/pod.sock",
    });
    // A bad one does not keep ctl from the server: it reads what it needs as written.
    const plain = write(
      "plain.ini",
      "[unix_http_server]\nfile=/run/plain.sock\n[program:x]\ncommand=true\n",
    );
    expect(readCtlSettings(plain, { TEND_LOGLEVEL: "loud" })).toMatchObject({
      socketFile: "/run/plain.sock",
    });
  });

  test("serverurl=AUTO means tend's own socket", () => {
    const path = write(
      "auto.ini",
      "[supervisorctl]\nserverurl=AUTO\n[unix_http_server]\nfile=/x.sock\n[program:x]\ncommand=true\n",
    );
    expect(readCtlSettings(path, {})).toMatchObject({
      serverUrl: undefined,
      socketFile: "/x.sock",
    });
  });

  test("a missing file", () => {
    expect(readCtlSettings(join(dir, "none.ini"), {})).toEqual({
      error: `could not find config file ${join(dir, "none.ini")}`,
    });
  });

  test("through runCtl: -c picks the config's socket; a missing -c file exits 2", async () => {
    const path = write(
      "run.ini",
      "[unix_http_server]\nfile=/tmp/run-ctl-test.sock\n[program:x]\ncommand=true\n",
    );
    const urls: string[] = [];
    const server = new FakeServer({ "supervisor.getSupervisorVersion": () => "4.2.5" });
    await ctl(["-c", path, "version"], server, {
      connect: (address) => {
        urls.push(address.url);
        return server;
      },
    });
    expect(urls).toEqual(["unix:///tmp/run-ctl-test.sock"]);
    expect(await ctl(["-c", "/nonexistent.ini", "version"], server)).toEqual({
      code: 2,
      stdout: "",
      stderr: "Error: could not find config file /nonexistent.ini\nFor help, use tend ctl -h\n",
    });
  });
});
