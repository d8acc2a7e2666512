import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ParticipantRecording, ParticipantRecordingList } from '@streamcat/protocol';
import { DataSource } from 'typeorm';
import { RecordingUrls } from '../channels/recording-urls';
import { AppError } from '../http/app-error';
import type { User } from '../users/user.entity';
import { recordingDurationMs, recordingState } from './participant-recording-facts';
import { recordingsAccess } from './participant-recordings.rules';

interface Row {
  key_prefix: string;
  user_id: string | null;
  display_name: string | null;
  screen: boolean;
  started_at: Date | null;
  ended_at: Date | null;
  failure: string | null;
}

/**
 * The recordings made of each member during one broadcast: those of the host's studio stage
 * whose span overlaps the broadcast's (a member records from publishing in the studio, so a
 * recording may begin backstage before the show).
 */
@Injectable()
export class ParticipantRecordings {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly urls: RecordingUrls,
  ) {}

  async forBroadcast(viewer: User, streamRowId: string): Promise<ParticipantRecordingList> {
    const [broadcast] = (await this.db.query(
      `SELECT c.user_id AS host_id,
              COALESCE(s.started_at, s.recording_started_at, s.created_at) AS from_at,
              COALESCE(s.ended_at, s.recording_ended_at, s.offline_at, s.session_ended_at) AS to_at
         FROM streams s JOIN channels c ON c.id = s.channel_id WHERE s.id = $1`,
      [streamRowId],
    )) as { host_id: string; from_at: Date; to_at: Date | null }[];
    if (!broadcast) throw new AppError('request/not-found', 'There is no broadcast with that id.');
    const rows = (await this.db.query(
      `SELECT pr.key_prefix, pr.user_id, pr.display_name, pr.screen, pr.started_at, pr.ended_at, pr.failure
         FROM participant_recordings pr JOIN stages st ON st.id = pr.stage_id
        WHERE st.user_id = $1
          AND COALESCE(pr.started_at, pr.ended_at) <= COALESCE($3::timestamptz, now())
          AND COALESCE(pr.ended_at, now()) >= $2::timestamptz
        ORDER BY pr.started_at NULLS LAST, pr.display_name
        LIMIT 200`,
      [broadcast.host_id, broadcast.from_at, broadcast.to_at],
    )) as Row[];
    const access = recordingsAccess(
      viewer.id,
      broadcast.host_id,
      rows.some((r) => r.user_id === viewer.id),
    );
    if (access.kind === 'none') throw new AppError('vod/recordings-private');
    const visible = access.kind === 'all' ? rows : rows.filter((r) => r.user_id === access.userId);
    return { recordings: visible.map((r) => this.view(r, viewer.id)) };
  }

  private view(r: Row, viewerId: string): ParticipantRecording {
    const state = recordingState({ endedAt: r.ended_at, failure: r.failure });
    return {
      id: r.key_prefix,
      name: r.display_name ?? 'A member',
      screen: r.screen,
      state,
      startedAt: r.started_at ? r.started_at.toISOString() : null,
      durationMs: recordingDurationMs({ startedAt: r.started_at, endedAt: r.ended_at }),
      mediaUrl: state === 'ready' ? this.urls.participantMediaUrl(r.key_prefix) : null,
      mine: r.user_id === viewerId,
    };
  }
}
