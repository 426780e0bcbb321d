// The versions the two sides name to each other: the XML-RPC API version a
// server answers to getAPIVersion/getVersion and a client checks before any
// action, and the supervisord release whose API and behaviour tend follows.

/** supervisord 4's RPC API (supervisor.getAPIVersion); supervisorctl refuses any other. */
export const API_VERSION = "3.0";

/** The supervisord release tend follows (supervisor.getSupervisorVersion). */
export const SUPERVISOR_VERSION = "4.2.5";
