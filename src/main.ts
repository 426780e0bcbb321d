// Entry point: decides which role tend plays from its name and arguments, runs
// it, and exits with the code it returns. No logic lives here.

import packageJson from "../package.json" with { type: "json" };
import { parseArgs } from "./cli/args.ts";
import { USAGE, usageText } from "./cli/usage.ts";
import { ExitCode } from "./core/exit-codes.ts";
import { runCtl } from "./ctl/main.ts";
import { EXEC_AS_FLAG, execAs } from "./os/exec-as.ts";
import { writeStdout } from "./os/output.ts";
import { runCheck } from "./runtime/check.ts";
import { warn } from "./runtime/diagnostics.ts";
import { runSupervisor } from "./runtime/run.ts";
import { runSingleCommand } from "./runtime/single-command.ts";

async function main(args: readonly string[]): Promise<number> {
  // tend as its own exec trampoline for user= (a hidden first argument).
  if (args[0] === EXEC_AS_FLAG) return execAs(args.slice(1));
  const invocation = parseArgs(args, process.argv0.split("/").pop());
  switch (invocation.role) {
    case "help":
      writeStdout(usageText(invocation.usage));
      return ExitCode.OK;
    case "version":
      writeStdout(`tend ${packageJson.version}\n`);
      return ExitCode.OK;
    case "usage-error":
      warn(`${invocation.message}\n\n${USAGE}`);
      return ExitCode.USAGE;
    case "single-command":
      return runSingleCommand(invocation);
    case "check":
      return runCheck(invocation);
    case "run":
      return runSupervisor(invocation.configPath);
    case "ctl":
      return runCtl(invocation.args);
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
