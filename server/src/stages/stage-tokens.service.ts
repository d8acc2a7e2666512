import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, MoreThan } from 'typeorm';
import { StageTokenResponse } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { MediaProvider } from '../media/media-provider';
import { User } from '../users/user.entity';
import { Stage } from './stage.entity';
import { StageToken } from './stage-token.entity';

/** A token is reused only while it has at least this long left (seed lesson 4.3). */
export const MIN_TOKEN_LIFETIME_MS = 60_000;
/** IVS's default participant token lifetime. */
export const TOKEN_DURATION_MINUTES = 720;

/**
 * Stage participant tokens: reuse the caller's latest valid token, else mint one through
 * the provider. The sample minted a new token on every page view; here a per-(stage, user)
 * advisory lock makes concurrent calls return the same token.
 */
@Injectable()
export class StageTokensService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
  ) {}

  async ownerToken(user: User, stageName: string): Promise<StageTokenResponse> {
    const stage = await this.db
      .getRepository(Stage)
      .createQueryBuilder('s')
      .where('lower(s.name) = lower(:name)', { name: stageName })
      .getOne();
    if (!stage) throw new AppError('stage/not-found');
    // Guests and viewers get tokens through the studio (invites) and the real-time gate.
    if (stage.userId !== user.id) throw new AppError('auth/forbidden');

    return this.db.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stage-token:${stage.id}:${user.id}`]);
      const current = await m.getRepository(StageToken).findOne({
        where: { stageId: stage.id, userId: user.id, expiresAt: MoreThan(new Date(Date.now() + MIN_TOKEN_LIFETIME_MS)) },
        order: { expiresAt: 'DESC' },
      });
      if (current) return toResponse(current, stage);
      const minted = await this.media.createParticipantToken({
        stageArn: stage.arn,
        userId: user.id,
        capabilities: ['PUBLISH', 'SUBSCRIBE'],
        durationMinutes: TOKEN_DURATION_MINUTES,
        attributes: { username: user.username, role: 'host' },
      });
      const row = await m.getRepository(StageToken).save({
        stageId: stage.id,
        userId: user.id,
        participantId: minted.participantId,
        token: minted.token,
        capabilities: minted.capabilities,
        expiresAt: minted.expiresAt,
      });
      return toResponse(row, stage);
    });
  }
}

function toResponse(t: StageToken, stage: Stage): StageTokenResponse {
  return {
    participantId: t.participantId,
    token: t.token,
    capabilities: t.capabilities,
    expiresAt: t.expiresAt.toISOString(),
    stageArn: stage.arn,
  };
}
