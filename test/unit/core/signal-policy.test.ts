import { expect, test } from "bun:test";
import { runModeAction } from "../../../src/core/signal-policy.ts";
import { FORWARDED_SIGNALS } from "../../../src/core/signals.ts";

test("run mode: TERM/INT/QUIT shut down, HUP reloads, USR2 reopens logs, the rest is forwarded", () => {
  const actions = Object.fromEntries(FORWARDED_SIGNALS.map((name) => [name, runModeAction(name)]));
  expect(actions).toMatchObject({
    SIGTERM: "shutdown",
    SIGINT: "shutdown",
    SIGQUIT: "shutdown",
    SIGHUP: "reload",
    SIGUSR2: "reopen-logs",
    SIGUSR1: "forward",
    SIGWINCH: "forward",
    SIGCONT: "forward",
  });
  expect(Object.values(actions).filter((action) => action === "forward")).toHaveLength(
    FORWARDED_SIGNALS.length - 5,
  );
});
