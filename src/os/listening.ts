// Whether something accepts connections at an address, asked by connecting
// and hanging up at once (nothing is sent): run mode asks before it claims
// its socket file, `tend ctl` to find the server that is running.

export type ListenAddress =
  | { readonly path: string }
  | { readonly host: string; readonly port: number };

/**
 * True once a connection is accepted; false when it is refused, nothing is
 * there, or `timeoutMs` (if given) passes first.
 */
export function acceptsConnections(address: ListenAddress, timeoutMs?: number): Promise<boolean> {
  // node:net is loaded here, not at start: a fresh run mode never asks.
  const { connect } = require("node:net") as typeof import("node:net");
  return new Promise((resolve) => {
    const socket = connect(address);
    const settle = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.once("connect", () => settle(true));
    socket.once("error", () => settle(false));
    if (timeoutMs !== undefined) socket.setTimeout(timeoutMs, () => settle(false));
  });
}
