// Where `tend ctl` looks for its server: -s > -c's config > $TEND_SOCKET >
// the config tend would find > unix:///run/tend.sock; and what it reads
// from a config (even one the full loader refuses).

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

function context(
  files: Record<string, Partial<CtlSettings>>,
  env: Record<string, string> = {},
  searched?: string,
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
  };
}

const urlOf = (args: string[], ctx: DiscoveryContext) => {
  const found = discover(opts(args), ctx);
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

  test("-s wins over everything", () => {
    expect(
      urlOf(["-s", "http://127.0.0.1:9001", "-c", "/c.ini"], context(files, env, "/found.ini")),
    ).toBe("http://127.0.0.1:9001");
  });

  test("then -c's [supervisorctl] serverurl, even with $TEND_SOCKET set", () => {
    expect(urlOf(["-c", "/c.ini"], context(files, env, "/found.ini"))).toBe("unix:///from-c.sock");
  });

  test("then -c's [unix_http_server] file", () => {
    expect(urlOf(["-c", "/socket-only.ini"], context(files, env))).toBe(
      "unix:///from-socket-section.sock",
    );
  });

  test("a -c config that names no server leaves it to $TEND_SOCKET", () => {
    expect(urlOf(["-c", "/empty.ini"], context(files, env))).toBe("unix:///from-env.sock");
  });

  test("then $TEND_SOCKET (a path or a URL), over the searched config", () => {
    expect(urlOf([], context(files, env, "/found.ini"))).toBe("unix:///from-env.sock");
    expect(urlOf([], context(files, { TEND_SOCKET: "http://h:1" }, "/found.ini"))).toBe(
      "http://h:1",
    );
  });

  test("then the config tend would find", () => {
    expect(urlOf([], context(files, {}, "/found.ini"))).toBe("unix:///from-found.sock");
    expect(urlOf([], context(files, {}, "/socket-only.ini"))).toBe(
      "unix:///from-socket-section.sock",
    );
  });

  test("else unix:///run/tend.sock", () => {
    expect(urlOf([], context(files, {}, undefined))).toBe("unix:///run/tend.sock");
    expect(urlOf([], context(files, {}, "/empty.ini"))).toBe("unix:///run/tend.sock");
  });

  test("-c naming a missing file is a usage error", () => {
    expect(discover(opts(["-c", "/missing.ini"]), context(files))).toEqual({
      error: "could not find config file /missing.ini",
    });
  });
});

describe("credentials, prompt, history", () => {
  test("-u/-p over [supervisorctl]'s; [unix_http_server]'s when that socket is used", () => {
    const files = {
      "/a.ini": { serverUrl: "unix:///a.sock", username: "ctl", password: "ctlpw" },
      "/b.ini": { socketFile: "/b.sock", socketUsername: "srv", socketPassword: "srvpw" },
      "/sha.ini": { socketFile: "/b.sock", socketUsername: "srv", socketPassword: "{SHA}abc" },
    };
    const address = (args: string[]) => {
      const found = discover(opts(args), context(files));
      if ("error" in found) throw new Error(found.error);
      return found.address;
    };
    expect(address(["-c", "/a.ini"])).toEqual({
      url: "unix:///a.sock",
      username: "ctl",
      password: "ctlpw",
    });
    expect(address(["-c", "/a.ini", "-u", "me", "-p", "pw"])).toMatchObject({
      username: "me",
      password: "pw",
    });
    expect(address(["-c", "/b.ini"])).toMatchObject({ username: "srv", password: "srvpw" });
    expect(address(["-c", "/sha.ini"])).toMatchObject({ username: undefined, password: undefined });
  });

  test("the prompt and history file come from the config; -r wins", () => {
    const files = { "/a.ini": { prompt: "tend", historyFile: "/h1" } };
    const found = discover(opts(["-c", "/a.ini"]), context(files));
    expect(found).toMatchObject({ prompt: "tend", historyFile: "/h1" });
    expect(discover(opts(["-c", "/a.ini", "-r", "/h2"]), context(files))).toMatchObject({
      historyFile: "/h2",
    });
    expect(discover(opts([]), context({}))).toMatchObject({
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
