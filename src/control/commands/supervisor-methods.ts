// The methods on tend itself, as rpcinterface.py has them for supervisord:
// versions, identification, state and pid, shutdown and restart, and the
// remote communication event for the event listeners.

import { SupervisorState } from "../../core/states.ts";
import { API_VERSION, SUPERVISOR_VERSION } from "../../protocol/versions.ts";
import type { MethodTable } from "./registry.ts";
import { type Rules, str } from "./rules.ts";

export function defineSupervisorMethods(table: MethodTable, rules: Rules): void {
  const s = rules.supervisor;
  table.define(
    "supervisor.getAPIVersion",
    {
      signature: ["string"],
      help: "The version of the RPC API (3.0, as supervisord 4).",
      run: () => rules.running(() => API_VERSION),
    },
    "supervisor.getVersion",
  );
  table.define("supervisor.getSupervisorVersion", {
    signature: ["string"],
    help: "The supervisord version whose behaviour tend follows (tend.getVersion gives tend's own).",
    run: () => rules.running(() => SUPERVISOR_VERSION),
  });
  table.define("supervisor.getIdentification", {
    signature: ["string"],
    help: "The identifier of this tend ([supervisord] identifier).",
    run: () => rules.running(() => s.identification),
  });
  table.define("supervisor.getState", {
    signature: ["struct"],
    help: "tend's state as {statecode, statename}.",
    run: () =>
      rules.running(() => {
        const statename = s.state();
        return { statecode: SupervisorState[statename], statename };
      }),
  });
  table.define("supervisor.getPID", {
    signature: ["int"],
    help: "tend's process id (1 as a container's init).",
    run: () => rules.running(() => s.pid),
  });
  table.define("supervisor.shutdown", {
    signature: ["boolean"],
    help: "Stops every program, then tend.",
    run: () =>
      rules.running(() => {
        s.shutdown();
        return true;
      }),
  });
  table.define("supervisor.restart", {
    signature: ["boolean"],
    help: "Stops every program, reads the config again and starts over.",
    run: () =>
      rules.running(() => {
        s.restart();
        return true;
      }),
  });
  table.define("supervisor.sendRemoteCommEvent", {
    signature: ["boolean", "string", "string"],
    help: "Raises a REMOTE_COMMUNICATION event (type, data) for the event listeners.",
    // Not refused while shutting down: supervisord's does not check its mood.
    run: ([type, data]) => {
      s.sendRemoteCommEvent(str(type), str(data));
      return true;
    },
  });
}
