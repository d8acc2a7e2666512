import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  CategoryDto,
  encodePageCursor,
  MeResponse,
  MyChannel,
  PageQuery,
  PublicChannel,
  StreamCredentials,
  StreamPage,
  UpdateChannelRequest,
} from '@streamcat/protocol';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { LocalMediaPlane } from '../media/local-media-plane';
import { MediaProvider } from '../media/media-provider';
import { IvsStage } from '../stages/ivs-stage.entity';
import { Stage } from '../stages/stage.entity';
import { User } from '../users/user.entity';
import { Category } from './category.entity';
import { Channel } from './channel.entity';
import { Stream } from './stream.entity';
import { RecordingUrls } from './recording-urls';

@Injectable()
export class ChannelsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
    private readonly recordings: RecordingUrls,
    private readonly events: DomainEvents,
    @Optional() private readonly localMedia?: LocalMediaPlane,
  ) {}

  async me(user: User): Promise<MeResponse> {
    const channel = await this.ownChannel(user);
    const stage = await this.db.getRepository(Stage).findOneBy({ userId: user.id });
    if (!stage) throw new AppError('stage/not-found');
    const ivs = await this.db.getRepository(IvsStage).findOneBy({ stageId: stage.id, kind: 'studio' });
    return {
      user: { id: user.id, username: user.username, role: user.role },
      channel: toMyChannel(channel),
      stage: { name: stage.name, arn: ivs?.arn ?? null, isLive: stage.isLive },
    };
  }

  async update(user: User, patch: UpdateChannelRequest): Promise<MyChannel> {
    const channel = await this.ownChannel(user);
    if (patch.categoryId !== undefined && patch.categoryId !== null) {
      const exists = await this.db.getRepository(Category).existsBy({ id: patch.categoryId });
      if (!exists) throw new AppError('category/not-found', undefined, [{ path: 'categoryId', message: 'no such category' }]);
    }
    await this.db.getRepository(Channel).update(
      { id: channel.id },
      {
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.categoryId !== undefined ? { categoryId: patch.categoryId } : {}),
      },
    );
    const updated = await this.ownChannel(user);
    this.events.emit('channel.updated', { channelId: updated.id, title: updated.title, category: toCategory(updated.category) });
    return toMyChannel(updated);
  }

  async credentials(user: User): Promise<StreamCredentials> {
    return this.toCredentials(await this.ownChannel(user));
  }

  /** Delete + create at the provider, then store; the old key stops working at once. */
  async rotateKey(user: User): Promise<StreamCredentials> {
    const channel = await this.ownChannel(user);
    const key = await this.media.rotateStreamKey(channel.arn);
    await this.db.getRepository(Channel).update({ id: channel.id }, { streamKeyArn: key.arn, streamKeyValue: key.value });
    return this.toCredentials({ ...channel, streamKeyArn: key.arn, streamKeyValue: key.value } as Channel);
  }

  private toCredentials(c: Channel): StreamCredentials {
    return {
      streamKey: c.streamKeyValue,
      ingestEndpoint: c.ingestEndpoint,
      rtmpsUrl: `rtmps://${c.ingestEndpoint}:443/app/`,
      // Plain RTMP only from the local ingest (OBS: server = this URL, stream key = streamKey).
      rtmpUrl: this.localMedia?.rtmpUrl(c.ingestEndpoint) ?? null,
    };
  }

  async publicChannel(name: string): Promise<PublicChannel> {
    const channel = await this.byName(name);
    return {
      name: channel.name,
      title: channel.title,
      category: toCategory(channel.category),
      isLive: channel.isLive,
      playbackUrl: channel.playbackUrl,
      owner: { username: channel.user?.username ?? channel.name },
    };
  }

  /** Past and current broadcasts, newest first, keyset-paginated on (created_at, id). */
  async streams(name: string, page: PageQuery): Promise<StreamPage> {
    const channel = await this.byName(name);
    const qb = this.db
      .getRepository(Stream)
      .createQueryBuilder('s')
      .leftJoinAndSelect('s.category', 'category')
      .where('s.channel_id = :channelId', { channelId: channel.id })
      .orderBy('s.createdAt', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .limit(page.limit + 1);
    if (page.cursor) qb.andWhere('(s.created_at, s.id) < (:at, :id)', { at: page.cursor.at, id: page.cursor.id });
    const rows = await qb.getMany();
    const items = rows.slice(0, page.limit);
    return {
      items: items.map((s) => ({
        id: s.id,
        streamId: s.streamId,
        title: s.title,
        category: toCategory(s.category),
        startedAt: s.startedAt?.toISOString() ?? null,
        endedAt: s.endedAt?.toISOString() ?? null,
        recordingDurationMs: s.recordingDurationMs === null ? null : Number(s.recordingDurationMs),
        recordingUrl: s.recordingKeyPrefix && s.recordingEndedAt ? this.recordings.playlistUrl(s.recordingKeyPrefix) : null,
      })),
      nextCursor: rows.length > page.limit ? encodePageCursor(items[items.length - 1].createdAt, items[items.length - 1].id) : null,
    };
  }

  async categories(): Promise<CategoryDto[]> {
    const rows = await this.db.getRepository(Category).find({ order: { id: 'ASC' } });
    return rows.map((c) => ({ id: c.id, name: c.name, slug: c.slug }));
  }

  private async ownChannel(user: User): Promise<Channel> {
    const channel = await this.db.getRepository(Channel).findOne({ where: { userId: user.id }, relations: { category: true } });
    if (!channel) throw new AppError('channel/not-found');
    return channel;
  }

  private async byName(name: string): Promise<Channel> {
    const channel = await this.db
      .getRepository(Channel)
      .createQueryBuilder('c')
      .leftJoinAndSelect('c.category', 'category')
      .leftJoinAndSelect('c.user', 'user')
      .where('lower(c.name) = lower(:name)', { name })
      .getOne();
    if (!channel) throw new AppError('channel/not-found');
    return channel;
  }
}

function toCategory(c: Category | null | undefined): CategoryDto | null {
  return c ? { id: c.id, name: c.name, slug: c.slug } : null;
}

function toMyChannel(c: Channel): MyChannel {
  return {
    name: c.name,
    arn: c.arn,
    type: c.type,
    playbackUrl: c.playbackUrl,
    ingestEndpoint: c.ingestEndpoint,
    title: c.title,
    category: toCategory(c.category),
    isLive: c.isLive,
  };
}
