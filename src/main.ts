// Entry point: decides which role tend plays from its name and arguments, runs
// it, and exits with the code it returns. No logic lives here.
//
// Each role is imported when it is chosen: the executable is built with code
// splitting, so a role's code (run mode, tend ctl, tend check, single-command
// mode, the user= trampoline) is read and evaluated only by the process that
// plays it, which keeps the start of every one of them short.

import packageJson from "../package.json" with { type: "json" };
import { parseArgs } from "./cli/args.ts";
import { USAGE, usageText } from "./cli/usage.ts";
import { ExitCode } from "./core/exit-codes.ts";
import { EXEC_AS_FLAG } from "./os/exec-as-flag.ts";
import { writeStderr, writeStdout } from "./os/output.ts";
import { SUPERVISOR_VERSION } from "./protocol/versions.ts";
import { warn } from "./runtime/diagnostics.ts";

/** The name tend was run by: a link named supervisord or supervisorctl changes its role. */
function invokedName(): string | undefined {
  return process.argv0.split("/").pop();
}

async function main(args: readonly string[]): Promise<number> {
  // tend as its own exec trampoline for user= (a hidden first argument).
  if (args[0] === EXEC_AS_FLAG) return (await import("./os/exec-as.ts")).execAs(args.slice(1));
  const invocation = parseArgs(args, invokedName());
  switch (invocation.role) {
    case "help":
      writeStdout(usageText(invocation.usage));
      return ExitCode.OK;
    case "version":
      writeStdout(`tend ${packageJson.version}\n`);
      return ExitCode.OK;
    case "supervisord-version":
      writeStdout(`${SUPERVISOR_VERSION}\n`);
      return ExitCode.OK;
    case "usage-error":
      // As supervisord words it when run under its name; tend's own usage otherwise.
      if (invocation.usage === "supervisord")
        writeStderr(`Error: ${invocation.message}\nFor help, use supervisord -h\n`);
      else warn(`${invocation.message}\n\n${USAGE}`);
      return ExitCode.USAGE;
    case "single-command":
      return (await import("./runtime/single-command.ts")).runSingleCommand(invocation);
    case "check":
      return (await import("./runtime/check.ts")).runCheck(invocation);
    case "run":
      return (await import("./runtime/run.ts")).runSupervisor(
        invocation.configPath,
        invocation.overrides.map(({ key, value, option }) => ({
          key,
          value,
          origin: `command line ${option}`,
        })),
      );
    case "ctl":
      return (await import("./ctl/main.ts")).runCtl(invocation.args, {
        programName: invokedName() === "supervisorctl" ? "supervisorctl" : "tend ctl",
      });
  }
}

// tend must outlive any mistake of its own: report it and carry on, so the
// programs it looks after are never orphaned by a bug in a callback.
process.on("uncaughtException", (error) => warn(`internal error: ${error.stack ?? error}`));
process.on("unhandledRejection", (error) => warn(`internal error: ${String(error)}`));

main(Bun.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    warn(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(ExitCode.FAILURE);
  },
);
