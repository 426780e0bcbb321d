// What all clients together may take from tend, across every listener:
// connections (each a descriptor) and the bytes of unfinished requests and
// unsent replies. Descriptors come first for the programs: connections are
// capped well below tend's limit and never eat into a reserve kept for
// spawning programs (pipes) and opening their log files. When the cap is
// reached, the connection idle the longest makes way for the new one; only
// when every connection is being answered is the new one refused. The
// numbers, and how RLIMIT_NOFILE and [supervisord] minfds give them, are
// in docs/control.md ("Limits on clients").

/** A connection as the pool sees it. */
export interface PoolMember {
  /** Being answered (a call runs, a reply or a /logtail stream is sent): not to be evicted. */
  readonly busy: boolean;
  /** Request bytes it holds against the budget. */
  readonly held: number;
  /** Closes it at once, giving back what it held. */
  evict(): void;
}

export interface ClientLimits {
  /** Connections open at once, across listeners. */
  readonly maxConnections: number;
  /** Descriptors tend may have open and still take a new connection (the limit minus the reserve). */
  readonly maxDescriptors: number;
  /** Descriptors no connection may take: kept for programs and tend's own files. */
  readonly reserve: number;
  /** Bytes of unfinished requests (heads, bodies, bytes sent ahead) across connections. */
  readonly maxRequestBytes: number;
  /** Bytes of replies written but not yet taken by their clients, across connections. */
  readonly maxReplyBytes: number;
}

/** Always let in, whatever the descriptors: a few clients (tend ctl) must reach even a tend whose programs use up its descriptors. */
export const MIN_CONNECTIONS = 4;
/** The most connections whatever the limit: each costs memory too. */
export const MAX_CONNECTIONS = 1024;
/** What unfinished requests may hold together (4 request bodies of the largest size). */
export const MAX_REQUEST_BYTES_TOTAL = 16 * 1024 * 1024;
/** What unsent replies may hold together. */
export const MAX_REPLY_BYTES_TOTAL = 64 * 1024 * 1024;

/**
 * The limits for a soft RLIMIT_NOFILE of `nofile` and `[supervisord]
 * minfds`: minfds is supervisord's "descriptors that must stay available";
 * tend does not raise the limit to it, so the reserve is minfds, but at most
 * half the limit. Connections get at most half of what is left above the
 * reserve (the other half is for tend's ordinary descriptors: its programs'
 * pipes, log files), between MIN_CONNECTIONS and MAX_CONNECTIONS.
 */
export function clientLimits(nofile: number, minfds: number): ClientLimits {
  const reserve = Math.min(Math.max(0, minfds), Math.floor(nofile / 2));
  const maxDescriptors = nofile - reserve;
  const maxConnections = Math.min(
    MAX_CONNECTIONS,
    Math.max(MIN_CONNECTIONS, Math.floor(maxDescriptors / 2)),
  );
  return {
    maxConnections,
    maxDescriptors,
    reserve,
    maxRequestBytes: MAX_REQUEST_BYTES_TOTAL,
    maxReplyBytes: MAX_REPLY_BYTES_TOTAL,
  };
}

/** Why a client was turned away or cut off, for tend's log (throttled by the caller). */
export type PoolEvent = "evicted" | "refused" | "over-budget";

export class ClientPool {
  /** Oldest activity first: a member moves to the end whenever it is active. */
  private readonly members = new Set<PoolMember>();
  private requestBytes = 0;
  private replyBytes = 0;

  constructor(
    readonly limits: ClientLimits,
    /** tend's open descriptors now (undefined: not known). */
    private readonly descriptors: () => number | undefined,
    private readonly report: (event: PoolEvent) => void,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /**
   * A new connection (whose descriptor is already open): true when it may
   * stay, after closing idle ones if the cap or the descriptors ask for it.
   */
  admit(member: PoolMember): boolean {
    let excess = this.members.size + 1 - this.limits.maxConnections;
    if (this.members.size >= MIN_CONNECTIONS) {
      const open = this.descriptors();
      if (open !== undefined) excess = Math.max(excess, open - this.limits.maxDescriptors);
    }
    while (excess > 0 && this.members.size >= MIN_CONNECTIONS) {
      const idle = this.oldestIdle(member);
      if (idle === undefined) break;
      idle.evict();
      this.leave(idle);
      this.report("evicted");
      excess--;
    }
    if (excess > 0 && this.members.size >= MIN_CONNECTIONS) {
      this.report("refused");
      return false;
    }
    this.members.add(member);
    return true;
  }

  /** The member was active: it is now the last to be evicted. */
  touch(member: PoolMember): void {
    if (!this.members.delete(member)) return;
    this.members.add(member);
  }

  leave(member: PoolMember): void {
    this.members.delete(member);
  }

  /**
   * `bytes` more request bytes for `member`: true when they fit, if need be
   * after closing idle connections that hold some (oldest first).
   */
  takeRequestBytes(member: PoolMember, bytes: number): boolean {
    while (this.requestBytes + bytes > this.limits.maxRequestBytes) {
      const holder = this.oldestIdle(member, (m) => m.held > 0);
      if (holder === undefined) {
        this.report("over-budget");
        return false;
      }
      holder.evict();
      this.leave(holder);
      this.report("evicted");
    }
    this.requestBytes += bytes;
    return true;
  }

  giveRequestBytes(bytes: number): void {
    this.requestBytes = Math.max(0, this.requestBytes - bytes);
  }

  /** `bytes` more of a reply waiting for its client: false when they do not fit. */
  takeReplyBytes(bytes: number): boolean {
    if (this.replyBytes + bytes > this.limits.maxReplyBytes) {
      this.report("over-budget");
      return false;
    }
    this.replyBytes += bytes;
    return true;
  }

  giveReplyBytes(bytes: number): void {
    this.replyBytes = Math.max(0, this.replyBytes - bytes);
  }

  /** What is held now (for tests). */
  get held(): { readonly requestBytes: number; readonly replyBytes: number } {
    return { requestBytes: this.requestBytes, replyBytes: this.replyBytes };
  }

  private oldestIdle(
    except: PoolMember,
    also: (member: PoolMember) => boolean = () => true,
  ): PoolMember | undefined {
    for (const member of this.members)
      if (member !== except && !member.busy && also(member)) return member;
    return undefined;
  }
}
