import { DataSource, DataSourceOptions } from 'typeorm';
import { BrandAssetRow } from '../brand/brand-asset.entity';
import { Category } from '../channels/category.entity';
import { Channel } from '../channels/channel.entity';
import { Stream } from '../channels/stream.entity';
import { IvsEventLedgerEntry } from '../ivs-events/ivs-event-ledger.entity';
import { OrphanedMediaResource } from '../media/orphaned-resource.entity';
import { IvsStage } from '../stages/ivs-stage.entity';
import { Stage } from '../stages/stage.entity';
import { StageToken } from '../stages/stage-token.entity';
import { InviteLinkRow, StudioCommandRecord, StudioDocumentRow } from '../studio/studio.entity';
import { User } from '../users/user.entity';
import { Foundation1763780000000 } from './migrations/1763780000000-foundation';
import { BackstageChat1763800400000 } from './migrations/1763800400000-backstage-chat';
import { Follows1763800300000 } from './migrations/1763800300000-follows';
import { IvsEvents1763790000000 } from './migrations/1763790000000-ivs-events';
import { Studio1763800100000 } from './migrations/1763800100000-studio';
import { ChatModeration1763800200000 } from './migrations/1763800200000-chat-moderation';
import { StudioCommandScope1763800560000 } from './migrations/1763800560000-studio-command-scope';
import { StagesOnDemand1763800700000 } from './migrations/1763800700000-stages-on-demand';
import { StageDisconnects1763800710000 } from './migrations/1763800710000-stage-disconnects';
import { ChannelType1763800720000 } from './migrations/1763800720000-channel-type';
import { ShowStage1763800730000 } from './migrations/1763800730000-show-stage';
import { ScreenStopped1763800740000 } from './migrations/1763800740000-screen-stopped';
import { BrandAssets1763800765000 } from './migrations/1763800765000-brand-assets';
import { Multistream1763800780000 } from './migrations/1763800780000-multistream';
import { ParticipantRecordings1763800790000 } from './migrations/1763800790000-participant-recordings';

export const entities = [
  User,
  Category,
  Channel,
  Stream,
  Stage,
  IvsStage,
  StageToken,
  IvsEventLedgerEntry,
  OrphanedMediaResource,
  StudioDocumentRow,
  StudioCommandRecord,
  InviteLinkRow,
  BrandAssetRow,
];

export const migrations = [
  Foundation1763780000000,
  IvsEvents1763790000000,
  Studio1763800100000,
  ChatModeration1763800200000,
  Follows1763800300000,
  BackstageChat1763800400000,
  StudioCommandScope1763800560000,
  StagesOnDemand1763800700000,
  StageDisconnects1763800710000,
  ChannelType1763800720000,
  ShowStage1763800730000,
  ScreenStopped1763800740000,
  BrandAssets1763800765000,
  Multistream1763800780000,
  ParticipantRecordings1763800790000,
];

/** Shared by the app and the TypeORM CLI: migrations only, never `synchronize`. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    // Idle connections are kept for minutes, not pg's default 10 s: opening a new one costs a
    // backend fork and an auth round trip, which on a busy machine (browsers, ffmpeg, the SFU
    // on the same cores) took over 5 s and surfaced as "server unavailable" in the middle of a show.
    extra: { max: 20, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 300_000, keepAlive: true },
  };
}

/** For `typeorm migration:*` commands: DATABASE_URL must be set. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/streamcat'));
