import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../http/app-error';
import { MediaProvider } from '../media/media-provider';
import { Moderator } from '../chat/chat.service';
import { ModerationAuditService } from './moderation-audit.service';
import { StudioService } from '../studio/studio.service';

/** Moderator actions on channels (chat sanctions live in ChatService; stage actions in ModerationStages). */
@Injectable()
export class ModerationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
    private readonly audit: ModerationAuditService,
    private readonly studio: StudioService,
  ) {}

  /**
   * StopStream at the provider (the Stream End event then flips the channel offline for
   * everyone), and optionally a new stream key so the encoder cannot reconnect at once.
   */
  async stopStream(
    actor: Moderator,
    channelName: string,
    rotateKey: boolean,
    reason: string,
  ): Promise<{ stopped: boolean; keyRotated: boolean }> {
    const rows = (await this.db.query(`SELECT id, name, arn FROM channels WHERE lower(name) = lower($1)`, [channelName])) as {
      id: string;
      name: string;
      arn: string;
    }[];
    const channel = rows[0];
    if (!channel) throw new AppError('channel/not-found');
    // The owner's studio hears first: its switch goes to stopping, so neither failover nor a
    // running cloud programme brings the stream back (its composition is stopped with it).
    const stage = (await this.db.query(`SELECT s.id FROM stages s JOIN channels c ON c.user_id = s.user_id WHERE c.id = $1`, [
      channel.id,
    ])) as { id: string }[];
    if (stage[0]) await this.studio.moderatorStopBroadcast({ stageId: stage[0].id, actor: { id: actor.id } });
    const stopped = await this.media.stopStream(channel.arn);
    const key = rotateKey ? await this.media.rotateStreamKey(channel.arn) : null;
    const entry = await this.db.transaction(async (tx) => {
      if (key)
        await tx.query(`UPDATE channels SET stream_key_arn = $2, stream_key_value = $3, updated_at = now() WHERE id = $1`, [
          channel.id,
          key.arn,
          key.value,
        ]);
      return this.audit.record(tx, {
        actor,
        action: 'stop-stream',
        target: { kind: 'channel', id: channel.id, name: channel.name },
        channel: channel.name,
        reason,
        details: { stopped, keyRotated: key !== null },
      });
    });
    this.audit.announce(entry);
    return { stopped, keyRotated: key !== null };
  }
}
