// The test harness, one module for every integration test and bench:
//
//   paths.ts       the repository, dist/tend, the fixtures, Bun
//   spawn.ts       tend (or any init) as PID 1 of its own namespace or as a
//                  plain process, clients run to their end; every process
//                  registered and always stopped
//   tend.ts        one tend on a config in its own scratch directory, seen
//                  from outside (log, pids, control socket)
//   scratch.ts     scratch directories, INI configs both supervisors accept
//   wait.ts        conditions with deadlines
//   proc.ts        /proc: children, states, identities, memory, descriptors
//   logs.ts        a supervisor's main log and line files
//   xmlrpc.ts      XML-RPC, JSON and raw HTTP on a control socket
//   swarm.ts       many raw connections at once
//   server.ts      tend or the real supervisord (if installed) as a control
//                  server, on one config both accept
//   registry.ts    what is still running or on disk, disposed of at the end
//   preload.ts     (bun test only) fails the run when a test leaves a process

export * from "./certs.ts";
export * from "./logs.ts";
export * from "./paths.ts";
export * from "./proc.ts";
export * from "./scratch.ts";
export * from "./server.ts";
export * from "./spawn.ts";
export * from "./swarm.ts";
export * from "./tend.ts";
export * from "./wait.ts";
export * from "./xmlrpc.ts";
