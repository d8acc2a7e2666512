import type { ErrorCode, StageCapability } from '@streamcat/protocol';
import type { EntityManager } from 'typeorm';
import type { User } from '../users/user.entity';
import type { Stage } from './stage.entity';

/** Who asks for a stage token: a signed-in user or an invite-link guest (guest token). */
export type StagePrincipal = { kind: 'user'; user: User } | { kind: 'guest'; guestId: string; stageId: string; displayName: string };

export interface StageSeat {
  memberId: string;
  userId: string | null;
  displayName: string;
  role: string;
  /** What their studio-stage token may do (SUBSCRIBE only for a member seated without a camera); both when absent. */
  capabilities?: StageCapability[];
  /** Extra token attributes the studio decided (the show stage's layout attributes for a composition). */
  attributes?: Record<string, string>;
}

/**
 * Whether someone other than the owner holds a seat on a stage (decided by the studio).
 * Provided globally by the studio module, so stages need not depend on it.
 */
export abstract class StageAccess {
  abstract seatOf(stage: Stage, principal: StagePrincipal): Promise<StageSeat | { refused: ErrorCode }>;

  /**
   * Inside a transaction: the caller's seat if they may publish to the show stage now (on air,
   * show stage needed), holding the studio document (FOR SHARE) until the transaction ends, so
   * a change taking them off air waits for the token to be stored, then deletes it.
   */
  abstract showSeatOf(m: EntityManager, stage: Stage, principal: StagePrincipal): Promise<StageSeat | { refused: ErrorCode }>;

  /**
   * Inside a transaction: the caller's seat if they may publish their screen share on `where`
   * now (share declared in the document; on the show stage also on air with the show stage
   * needed), holding the document FOR SHARE until the transaction ends.
   */
  abstract screenSeatOf(
    m: EntityManager,
    stage: Stage,
    principal: StagePrincipal,
    where: 'studio' | 'show',
  ): Promise<StageSeat | { refused: ErrorCode }>;
}
