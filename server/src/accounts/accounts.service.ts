import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ErrorCode } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { hashPassword } from '../auth/password';
import { Channel } from '../channels/channel.entity';
import { MediaProvider } from '../media/media-provider';
import { OrphanedMediaResource } from '../media/orphaned-resource.entity';
import { Stage } from '../stages/stage.entity';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';

const OPERATOR_PROBLEMS = new Set<ErrorCode>(['media/pending-verification', 'media/access-denied', 'media/quota-exceeded']);

interface Created {
  kind: 'channel' | 'stage';
  arn: string;
}

/**
 * Sign-up (seed lessons 2.x): user + IVS channel (with key) + studio, all or nothing. The
 * studio's IVS stage is made on first need (StudioStages), not here: AWS's default quota is
 * 100 stages per region, and most users never open a studio.
 * Provider resources are created first and the rows committed last in one transaction;
 * on any failure what was created is deleted again (or queued for the sweeper when the
 * provider cannot be reached), so a retry starts clean and nothing is left orphaned.
 */
@Injectable()
export class AccountsService {
  private readonly log = new Logger('Accounts');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly media: MediaProvider,
  ) {}

  async register(username: string, password: string): Promise<User> {
    if (await this.users.findByUsername(username)) throw new AppError('auth/username-taken');
    const passwordHash = await hashPassword(password);
    const created: Created[] = [];
    const tags = { app: 'streamcat', 'streamcat:user': username };
    try {
      const channel = await this.media.createChannel({ name: username, tags });
      created.push({ kind: 'channel', arn: channel.arn });

      return await this.db.transaction(async (m) => {
        const user = await m.save(m.create(User, { username, passwordHash, role: 'user' }));
        await m.insert(Channel, {
          userId: user.id,
          name: username,
          arn: channel.arn,
          type: channel.type,
          ingestEndpoint: channel.ingestEndpoint,
          playbackUrl: channel.playbackUrl,
          streamKeyArn: channel.streamKey.arn,
          streamKeyValue: channel.streamKey.value,
        });
        await m.insert(Stage, { userId: user.id, name: username });
        return user;
      });
    } catch (e) {
      await this.compensate(created);
      if ((e as { code?: string }).code === '23505') throw new AppError('auth/username-taken');
      // What only the operator can fix (the account, its permissions, a quota) is said as it is; the rest is worth a retry.
      if (e instanceof AppError && OPERATOR_PROBLEMS.has(e.code)) throw e;
      if (e instanceof AppError && e.code.startsWith('media/')) {
        throw new AppError('signup/provisioning-failed');
      }
      throw e;
    }
  }

  /** Undo in reverse order; anything that cannot be deleted now is queued for the sweeper. */
  private async compensate(created: Created[]): Promise<void> {
    for (const r of [...created].reverse()) {
      try {
        if (r.kind === 'stage') await this.media.deleteStage(r.arn);
        else await this.media.deleteChannel(r.arn);
      } catch (e) {
        this.log.warn(`Could not delete ${r.kind} ${r.arn} after a failed sign-up; queued for retry`);
        try {
          await this.db
            .createQueryBuilder()
            .insert()
            .into(OrphanedMediaResource)
            .values({ kind: r.kind, arn: r.arn, lastError: (e as Error).message })
            .orIgnore()
            .execute();
        } catch {
          // Both the provider and the database are down: nothing durable is left to write to.
          this.log.error(`Orphaned ${r.kind} ${r.arn}: provider and database unavailable`);
        }
      }
    }
  }
}
