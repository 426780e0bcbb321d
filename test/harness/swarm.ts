// Many raw client connections at once, for the tests of what tend does
// under a crowd: each connection keeps the first bytes the server sent
// back and knows whether the server closed it. `using swarm = new Swarm()`
// destroys whatever is still open when the test ends.

import { connect, type Socket } from "node:net";

/** A unix socket path, or a TCP address. */
export type Target = { readonly path: string } | { readonly host: string; readonly port: number };

export class Client {
  /** The first bytes the server sent (at most 4 KiB). */
  reply = "";
  /** Set once the server closed (or reset) the connection. */
  closed = false;
  /** Set once the connection was established. */
  connected = false;
  /** Bytes written so far. */
  sent = 0;

  constructor(readonly socket: Socket) {
    socket.on("data", (data: Buffer) => {
      if (this.reply.length < 4096) this.reply += data.toString("latin1").slice(0, 4096);
    });
    socket.on("error", () => {
      this.closed = true;
    });
    socket.on("close", () => {
      this.closed = true;
    });
    socket.on("end", () => {
      this.closed = true;
    });
  }

  /** The HTTP status the server answered with, if any. */
  get status(): number | undefined {
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(this.reply);
    return match ? Number(match[1]) : undefined;
  }

  /** Writes unless closed; resolves when the bytes left this process (or the connection closed). */
  write(bytes: string | Uint8Array): Promise<void> {
    if (this.closed || this.socket.destroyed) return Promise.resolve();
    this.sent += typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.length;
    return new Promise((resolve) => {
      this.socket.write(bytes, () => resolve());
    });
  }
}

export class Swarm implements Disposable {
  readonly clients: Client[] = [];

  /** Opens `count` connections to `target`; resolves once each is connected or failed. */
  async open(count: number, target: Target, firstBytes?: string | Uint8Array): Promise<Client[]> {
    const opened = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<Client>((resolve) => {
            const socket = "path" in target ? connect({ path: target.path }) : connect(target);
            const client = new Client(socket);
            this.clients.push(client);
            socket.once("connect", () => {
              client.connected = true;
              if (firstBytes !== undefined) void client.write(firstBytes);
              resolve(client);
            });
            socket.once("error", () => resolve(client));
          }),
      ),
    );
    return opened;
  }

  /** The connections the server has not closed. */
  stillOpen(): Client[] {
    return this.clients.filter((client) => !client.closed);
  }

  destroy(): void {
    for (const client of this.clients) client.socket.destroy();
  }

  [Symbol.dispose](): void {
    this.destroy();
  }
}
