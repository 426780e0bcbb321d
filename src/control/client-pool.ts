// What all clients together may take from tend, across every listener:
// the bytes of unfinished requests and of replies they are slow to take.
// Past the budget, the connection idle the longest that holds some makes
// way; only when none can is the new request refused. The numbers are in
// docs/control.md ("Limits on clients").

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
  /** Bytes of unfinished requests (heads, bodies, bytes sent ahead) across connections. */
  readonly maxRequestBytes: number;
  /** Bytes of replies written but not yet taken by their clients, across connections. */
  readonly maxReplyBytes: number;
}

/** What unfinished requests may hold together (4 request bodies of the largest size). */
export const MAX_REQUEST_BYTES_TOTAL = 16 * 1024 * 1024;
/** What unsent replies may hold together. */
export const MAX_REPLY_BYTES_TOTAL = 64 * 1024 * 1024;

export const CLIENT_LIMITS: ClientLimits = {
  maxRequestBytes: MAX_REQUEST_BYTES_TOTAL,
  maxReplyBytes: MAX_REPLY_BYTES_TOTAL,
};

/** Why a client was cut off, for tend's log (throttled by the caller). */
export type PoolEvent = "evicted" | "over-budget";

export class ClientPool {
  /** Oldest activity first: a member moves to the end whenever it is active. */
  private readonly members = new Set<PoolMember>();
  private requestBytes = 0;
  private replyBytes = 0;

  constructor(
    readonly limits: ClientLimits,
    private readonly report: (event: PoolEvent) => void,
  ) {}

  get size(): number {
    return this.members.size;
  }

  /** A new connection. */
  join(member: PoolMember): void {
    this.members.add(member);
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
