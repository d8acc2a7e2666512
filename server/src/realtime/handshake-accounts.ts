import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { UserRole } from '../users/user.entity';
import { BatchedLookup } from './batched-lookup';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The account rows behind socket handshakes, read in batches.
 *
 * Why a handshake still reads the row rather than trusting the login token's claims alone:
 * the site role is changed by the operator's CLI (or plain SQL) in another process, with no
 * signal a node could hear, and a promoted or demoted user's next socket must carry the role
 * the row has now — the REST guard and every socket test rely on that; a deleted account must
 * not connect at all. A role claim in the token, a revocation epoch in memory or a lazy
 * lookup would each let a new socket act for a while on a role that is no longer true.
 * What a reconnect storm must not cost is a read *per socket*: here every handshake in flight
 * shares one `id = ANY($1)` query, each still answered by a read that began after it asked
 * (BatchedLookup), so 5,000 sockets coming back cost tens of queries, not 5,000, and no
 * handshake sees an older row than it would have alone.
 */
@Injectable()
export class HandshakeAccounts {
  private readonly lookup: BatchedLookup<UserRole>;

  constructor(@InjectDataSource() db: DataSource) {
    this.lookup = new BatchedLookup(async (ids) => {
      const rows = (await db.query('SELECT id, role FROM users WHERE id = ANY($1::uuid[])', [ids])) as { id: string; role: UserRole }[];
      return new Map(rows.map((r) => [r.id, r.role]));
    });
  }

  /** The account's site role now, or null when it no longer exists. */
  async roleOf(userId: string): Promise<UserRole | null> {
    if (!UUID.test(userId)) return null;
    return (await this.lookup.get(userId.toLowerCase())) ?? null;
  }

  /** Database reads made for handshakes so far. */
  get reads(): number {
    return this.lookup.reads;
  }
}
