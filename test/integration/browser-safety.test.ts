// Browser safety with tend as PID 1 on a TCP control port: what a web page
// could send to localhost:9001 (a foreign Origin or Referer, a form or
// text/plain POST, a POST without a content type) is refused with 403 and
// does nothing; supervisorctl, tend ctl and curl with an XML or JSON content
// type work as before.

import { describe, expect, test } from "bun:test";
import {
  freePort,
  methodCall,
  pidNamespaces,
  runCommand,
  supervisor,
  TEND,
  withTend,
} from "../harness/index.ts";

const PROGRAMS = "[program:victim]\ncommand=sleep infinity\nstartsecs=0\n";

describe.skipIf(!pidNamespaces.ok)("browser safety on [inet_http_server]", () => {
  test("cross-site requests: 403 and nothing done; real clients unaffected", async () => {
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    await withTend(
      {
        server: "",
        supervisord: "",
        programs: `${PROGRAMS}\n[inet_http_server]\nport=127.0.0.1:${port}\n`,
      },
      async (tend) => {
        await tend.settled();
        const stop = methodCall("supervisor.stopProcess", ["victim"]);
        const attempts: Record<string, Record<string, string>> = {
          "a foreign Origin": { "Content-Type": "text/xml", Origin: "http://evil.example" },
          "a foreign Referer": { "Content-Type": "text/xml", Referer: "http://evil.example/x" },
          "a form post": { "Content-Type": "application/x-www-form-urlencoded" },
          "text/plain": { "Content-Type": "text/plain;charset=UTF-8" },
          "no content type": {},
        };
        for (const [what, headers] of Object.entries(attempts)) {
          const reply = await fetch(`${url}/RPC2`, {
            method: "POST",
            headers,
            body: new Blob([stop]),
          });
          expect({ what, status: reply.status }).toEqual({ what, status: 403 });
        }
        const json = await fetch(`${url}/api`, {
          method: "POST",
          headers: { "Content-Type": "text/plain" },
          body: JSON.stringify({ method: "supervisor.stopProcess", params: ["victim"] }),
        });
        expect(json.status).toBe(403);
        // nothing was done
        const state = await fetch(`${url}/RPC2`, {
          method: "POST",
          headers: { "Content-Type": "text/xml" },
          body: methodCall("supervisor.getProcessInfo", ["victim"]),
        });
        expect(await state.text()).toContain("<string>RUNNING</string>");
        await tend.waitLog(
          /^control: cross-site request refused on 127\.0\.0\.1:\d+: a request from "http:\/\/evil\.example"$/,
        );
        // real clients over TCP
        const ours = await runCommand([TEND, "ctl", "-s", url, "status", "victim"]);
        expect(ours.stdout).toMatch(/^victim\s+RUNNING/);
        if (supervisor.ok) {
          const theirs = await runCommand(["supervisorctl", "-s", url, "status", "victim"]);
          expect(theirs.stdout).toMatch(/^victim\s+RUNNING/);
        }
        const curl = await runCommand([
          "curl",
          "-s",
          "-H",
          "Content-Type: application/json",
          "-d",
          JSON.stringify({ method: "supervisor.getState", params: [] }),
          `${url}/api`,
        ]);
        expect(curl.stdout).toContain("RUNNING");
      },
    );
  }, 30_000);
});
