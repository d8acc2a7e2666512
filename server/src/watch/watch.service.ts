import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Socket } from 'socket.io';
import { ChatCommands, ChatMessage, StreamHealthDto, StudioDocument, WatchState } from '@streamcat/protocol';
import { isAllowed } from '../auth/authorization';
import { channelRole } from '../chat/chat.rules';
import { ChatService } from '../chat/chat.service';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { ClientAddresses } from '../http/client-address.service';
import { BatchedLookup } from '../realtime/batched-lookup';
import { Broadcaster } from '../realtime/broadcaster';
import { actorOf, rooms, SocketActor } from '../realtime/socket-actor';
import { isSeatedRole } from '../studio/backstage-chat.rules';
import { resolveStudioRole } from '../studio/studio.reducer';
import { ViewerSessions } from '../viewer-sessions/viewer-sessions.service';
import { PRESENCE_HEARTBEAT_MS, WatchPresence } from './watch-presence';
import { seatOf, viewerPushDelayMs, WatchSeat } from './watch-presence.policy';

/** A socket may watch a few channels at once (a page plus previews), not a crawl of all. */
const MAX_CHANNELS_PER_SOCKET = 8;

export interface ChannelRow {
  id: string;
  name: string;
  user_id: string;
  title: string;
  is_live: boolean;
  live_state_at: Date | null;
  health: StreamHealthDto;
  category_id: number | null;
  category_name: string | null;
  category_slug: string | null;
}

/**
 * The watch side of a channel: room `watch:<channelId>` gets live / offline, title,
 * health and viewer-count changes as they happen, and chat. Viewer count = distinct
 * viewer sessions (user, link guest, anonymous viewer cookie) with a watch socket open,
 * across nodes, within the caps of the limits table (WatchPresence).
 */
@Injectable()
export class WatchService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('Watch');
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly lastPushed = new Map<string, number>();
  private readonly countListeners = new Set<(channelId: string, count: number) => void>();
  private readonly offs: (() => void)[] = [];
  private recount?: NodeJS.Timeout;
  /**
   * The reads every join makes, shared by the joins of a burst (a node's viewers reconnecting
   * together, a raid): each join still gets a read that began after it asked, so it misses no
   * chat message that a later read would show, while 10,000 joins cost a few hundred reads
   * instead of 40,000 (bench:watch-room: 66 s for 10,000 joins with one read each).
   */
  private readonly channelsByName = new BatchedLookup<ChannelRow>(async (keys) => {
    const rows = (await this.db.query(`${CHANNEL_SELECT} WHERE lower(c.name) = ANY($1::text[])`, [keys])) as ChannelRow[];
    return new Map(rows.map((r) => [r.name.toLowerCase(), r]));
  });
  private readonly chatOnJoin = new BatchedLookup<{ history: ChatMessage[]; slowModeSeconds: number }>(
    async (channelIds) =>
      new Map(
        await Promise.all(
          channelIds.map(async (id) => {
            const [history, slowModeSeconds] = await Promise.all([this.chat.history(id), this.chat.slowModeSeconds(id)]);
            return [id, { history, slowModeSeconds }] as const;
          }),
        ),
      ),
  );

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly presence: WatchPresence,
    private readonly chat: ChatService,
    private readonly broadcaster: Broadcaster,
    private readonly events: DomainEvents,
    private readonly viewers: ViewerSessions,
    private readonly addresses: ClientAddresses,
  ) {}

  onModuleInit(): void {
    // Pushes after a committed change are best effort: a database blip must be a log line, never
    // an unhandled rejection (which would end the process); clients resync on reconnect anyway.
    const push = (channelId: string, send: (c: ChannelRow) => void) =>
      void this.row(channelId)
        .then((c) => c && send(c))
        .catch((e: unknown) => this.log.warn(`watch push for channel ${channelId} skipped: ${e instanceof Error ? e.message : String(e)}`));
    const live = (channelId: string, isLive: boolean, at: Date) =>
      push(channelId, (c) => {
        const room = rooms.watch(c.id);
        this.broadcaster.toRoom(room, 'watch:live', { channel: c.name, isLive, since: at.toISOString() });
        this.broadcaster.toRoom(room, 'watch:health', { channel: c.name, health: c.health });
      });
    this.offs.push(
      this.events.on('channel.live', (e) => live(e.channelId, true, e.at)),
      this.events.on('channel.offline', (e) => live(e.channelId, false, e.at)),
      this.events.on('stream.health', (e) =>
        push(e.channelId, (c) => this.broadcaster.toRoom(rooms.watch(c.id), 'watch:health', { channel: c.name, health: e.health })),
      ),
      this.events.on('channel.updated', (e) =>
        push(e.channelId, (c) =>
          this.broadcaster.toRoom(rooms.watch(c.id), 'watch:info', { channel: c.name, title: e.title, category: e.category }),
        ),
      ),
    );
    // Catches counts that changed without a local join or leave (another node died; its members expired).
    this.recount = setInterval(() => {
      for (const channelId of this.presence.channels()) this.schedule(channelId, true);
    }, PRESENCE_HEARTBEAT_MS);
    this.recount.unref();
  }

  onModuleDestroy(): void {
    this.offs.forEach((off) => off());
    if (this.recount) clearInterval(this.recount);
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  /**
   * `as: 'studio'`: someone seated in the owner's studio follows the chat from there. They get
   * the room and the snapshot but are not counted: the count is of people watching the show.
   */
  async join(socket: Socket, c: ChannelRow, as: 'viewer' | 'studio' = 'viewer'): Promise<WatchState> {
    const actor = actorOf(socket);
    const counted = as === 'viewer';
    if (!counted && !(await this.seatedInStudioOf(c.user_id, actor)))
      throw new AppError('studio/not-member', 'Only people seated in this channel’s studio can follow its chat from there.');
    const watching = watchedBy(socket);
    if (!watching.has(c.id) && watching.size >= MAX_CHANNELS_PER_SOCKET)
      throw new AppError('request/invalid', `You can watch at most ${MAX_CHANNELS_PER_SOCKET} channels at once.`);
    const before = watching.get(c.id);
    if (counted) {
      const seat = before ?? seatOf(actor, this.viewerSessionOf(socket), this.addresses.keyOf(socket.request));
      // Refused past a cap before joining the room: a refused socket changes nothing.
      await this.presence.add(c.id, socket.id, seat);
      watching.set(c.id, seat);
      // It may have disconnected while we awaited: never leave a dead socket counted (and re-stamped).
      if (socket.disconnected) {
        watching.delete(c.id);
        await this.presence.remove(c.id, socket.id, seat);
        throw new AppError('request/invalid', 'The connection closed.');
      }
      this.schedule(c.id);
    } else {
      watching.set(c.id, null);
      if (before) {
        await this.presence.remove(c.id, socket.id, before);
        this.schedule(c.id);
      }
    }
    await socket.join(rooms.watch(c.id));

    const role = channelRole(actor, c.user_id);
    const [chat, sanction, viewerCount] = await Promise.all([
      this.chatOnJoin.get(c.id),
      actor.kind === 'user' ? this.chat.sanctionOf(actor.id, c.id) : Promise.resolve(null),
      this.presence.count(c.id),
    ]);
    const { history, slowModeSeconds } = chat!;
    return {
      channel: {
        name: c.name,
        title: c.title,
        category: c.category_id !== null ? { id: c.category_id, name: c.category_name ?? '', slug: c.category_slug ?? '' } : null,
        isLive: c.is_live,
        since: c.live_state_at?.toISOString() ?? null,
        health: c.health,
        viewerCount,
      },
      chat: { history, slowModeSeconds },
      me: {
        canChat: actor.kind === 'user' && sanction === null && isAllowed(ChatCommands.send.name, role),
        canModerate: isAllowed(ChatCommands.ban.name, role),
        sanction,
      },
    };
  }

  async leave(socket: Socket, c: ChannelRow): Promise<{ left: boolean }> {
    const watching = watchedBy(socket);
    const seat = watching.get(c.id);
    if (!watching.delete(c.id)) return { left: false };
    await socket.leave(rooms.watch(c.id));
    if (seat) {
      await this.presence.remove(c.id, socket.id, seat);
      this.schedule(c.id);
    }
    return { left: true };
  }

  /** A socket went away: it stops counting for every channel it watched. */
  async disconnected(socket: Socket): Promise<void> {
    // Most sockets never watched: nothing to make for them on the way out.
    const watching = (socket.data as { watching?: Map<string, WatchSeat | null> }).watching;
    if (!watching) return;
    for (const [channelId, seat] of watching) {
      if (!seat) continue;
      await this.presence.remove(channelId, socket.id, seat);
      this.schedule(channelId);
    }
    watching.clear();
  }

  /**
   * The anonymous viewer session of a socket: its handshake's cookie (or the one issued in its
   * handshake response); a client that keeps no cookie is a new session per socket.
   */
  private viewerSessionOf(socket: Socket): string {
    const data = socket.data as { viewerSession?: string };
    return (data.viewerSession ??= this.viewers.of(socket.request) ?? `socket-${socket.id}`);
  }

  async viewerCount(channelId: string): Promise<number> {
    return this.presence.count(channelId);
  }

  /** Called after each debounced count (the moderation panel shows it too). */
  onViewerCount(listener: (channelId: string, count: number) => void): () => void {
    this.countListeners.add(listener);
    return () => void this.countListeners.delete(listener);
  }

  private schedule(channelId: string, onlyIfChanged = false): void {
    if (this.pending.has(channelId)) return;
    const timer = setTimeout(
      () => {
        this.pending.delete(channelId);
        void this.pushCount(channelId, onlyIfChanged).catch((e: Error) => this.log.warn(`viewer count: ${e.message}`));
      },
      viewerPushDelayMs(this.lastPushed.get(channelId) ?? 0),
    );
    timer.unref();
    this.pending.set(channelId, timer);
  }

  private async pushCount(channelId: string, onlyIfChanged: boolean): Promise<void> {
    const count = await this.presence.count(channelId);
    if (onlyIfChanged && this.lastPushed.get(channelId) === count) return;
    this.lastPushed.set(channelId, count);
    if (count === 0) this.lastPushed.delete(channelId);
    const c = await this.row(channelId);
    if (!c) return;
    this.broadcaster.toRoom(rooms.watch(channelId), 'watch:viewers', { channel: c.name, viewerCount: count });
    for (const listener of this.countListeners) listener(channelId, count);
  }

  /** Whether the actor holds a seat (host, co-host, guest) in the studio of the channel's owner. */
  private async seatedInStudioOf(ownerId: string, actor: SocketActor): Promise<boolean> {
    const rows = (await this.db.query(`SELECT d.document FROM stages s JOIN studio_documents d ON d.stage_id = s.id WHERE s.user_id = $1`, [
      ownerId,
    ])) as { document: StudioDocument }[];
    return rows.some((r) => isSeatedRole(resolveStudioRole(actor, r.document)));
  }

  private async row(channelId: string): Promise<ChannelRow | null> {
    const rows = (await this.db.query(`${CHANNEL_SELECT} WHERE c.id = $1`, [channelId])) as ChannelRow[];
    return rows[0] ?? null;
  }

  /** Reads made for joins so far (channel rows and chat on join; for tests and benches). */
  get joinReads(): number {
    return this.channelsByName.reads + this.chatOnJoin.reads;
  }

  /** A channel by name (names are ASCII, so JavaScript's and PostgreSQL's lower-casing agree). */
  async rowByName(name: string): Promise<ChannelRow> {
    const row = await this.channelsByName.get(name.toLowerCase());
    if (!row) throw new AppError('channel/not-found');
    return row;
  }
}

const CHANNEL_SELECT = `SELECT c.id, c.name, c.user_id, c.title, c.is_live, c.live_state_at, c.health,
  c.category_id, k.name AS category_name, k.slug AS category_slug
  FROM channels c LEFT JOIN categories k ON k.id = c.category_id`;

/** The channels a socket watches, each with the seat it counts as there (null: following from the studio, not counted). */
function watchedBy(socket: Socket): Map<string, WatchSeat | null> {
  const data = socket.data as { watching?: Map<string, WatchSeat | null> };
  return (data.watching ??= new Map());
}
