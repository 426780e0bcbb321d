// The hidden first argument that makes tend its own exec trampoline
// (os/exec-as.ts), apart so that main.ts can recognise it without loading
// the trampoline's code.

export const EXEC_AS_FLAG = "--internal-exec-as";
