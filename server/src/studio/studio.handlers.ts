import { Injectable } from '@nestjs/common';
import { CommandResult, StudioCommands } from '@streamcat/protocol';
import type { z } from 'zod';
import { BrandAssets } from '../brand/brand-assets.service';
import type { SocketActor } from '../realtime/socket-actor';
import { StudioStages } from '../stages/studio-stages.service';
import { InviteLinksService } from './invite-links.service';
import { InvitesService } from './invites.service';
import { StudioComments } from './studio-comments.service';
import { socketChange, StudioWriter } from './studio.writer';

type Commands = typeof StudioCommands;
/** The studio commands that change the document (`join`, `snapshot` and `leave` only read). */
export type StudioChangeKey = Exclude<keyof Commands, 'join' | 'snapshot' | 'leave'>;
/** A command's input after its schema parsed it, and the data of its ack. */
export type StudioInput<K extends keyof Commands> = z.output<Commands[K]['schema']>;
export type StudioAck<K extends keyof Commands> = CommandResult<Commands[K]>;

export type StudioHandler<K extends StudioChangeKey> = (input: StudioInput<K>, actor: SocketActor) => Promise<StudioAck<K>>;
/** One handler per change command, typed by its schema and ack: a missing or mistyped one fails the typecheck. */
export type StudioHandlerMap = { readonly [K in StudioChangeKey]: StudioHandler<K> };

/** The socket's studio changes: most are a reducer action as they are; invites and links have rooms of their own. */
@Injectable()
export class StudioHandlers {
  readonly map: StudioHandlerMap;

  constructor(
    writer: StudioWriter,
    invites: InvitesService,
    links: InviteLinksService,
    stages: StudioStages,
    brand: BrandAssets,
    comments: StudioComments,
  ) {
    const change = <K extends StudioChangeKey>(key: K, input: StudioInput<K>, actor: SocketActor) =>
      socketChange(StudioCommands[key].name, input, actor);
    /** A change whose action is the input as it is (no database read to build it): eligible for the two-statement path. */
    const pure = <K extends StudioChangeKey>(key: K, input: StudioInput<K>, actor: SocketActor) => ({
      ...change(key, input, actor),
      pureBuild: true,
    });
    this.map = {
      invite: (i, a) => invites.invite(i, a),
      revokeInvite: (i, a) => invites.revoke(i, a),
      respondInvite: (i, a) => invites.respond(i, a),
      createLink: (i, a) => links.create(i, a),
      revokeLink: (i, a) => links.revoke(i, a),
      admit: (i, a) => links.admit(i, a),
      remove: (i, a) =>
        writer.run({
          ...change('remove', i, a),
          build: () => ({ type: 'remove', memberId: i.memberId, reason: i.reason ?? 'Removed by a host.' }),
        }),
      setRole: (i, a) => writer.run({ ...pure('setRole', i, a), build: () => ({ type: 'set-role', memberId: i.memberId, role: i.role }) }),
      setStatus: (i, a) =>
        writer.run({ ...pure('setStatus', i, a), build: () => ({ type: 'set-status', memberId: i.memberId, status: i.status }) }),
      layout: (i, a) =>
        writer.run({
          ...change('layout', i, a),
          // A background image that is an upload must be this studio's own (a read in the transaction).
          pureBuild: i.patch.background?.kind !== 'image',
          build: async ({ m, stage }) => {
            if (i.patch.background?.kind === 'image') await brand.assertUsable(m, stage.id, [i.patch.background.url]);
            return { type: 'layout', patch: i.patch };
          },
        }),
      brand: (i, a) =>
        writer.run({
          ...change('brand', i, a),
          build: async ({ m, stage }) => {
            await brand.assertUsable(m, stage.id, [i.patch.logo, i.patch.overlay]);
            return { type: 'brand', patch: i.patch };
          },
        }),
      raiseHand: (i, a) => writer.run({ ...pure('raiseHand', i, a), build: () => ({ type: 'hand', raised: i.raised }) }),
      screenShare: (i, a) => writer.run({ ...pure('screenShare', i, a), build: () => ({ type: 'screen-share', sharing: i.sharing }) }),
      mute: (i, a) => writer.run({ ...pure('mute', i, a), build: () => ({ type: 'mute', memberId: i.memberId, muted: i.muted }) }),
      broadcast: (i, a) =>
        writer.run({
          ...change('broadcast', i, a),
          // The cloud programme composes the show stage: make it first, so on-air members get their show tokens with the change.
          build: async ({ stage }) => {
            if (i.action === 'start' && i.programme === 'cloud') await stages.ensure(stage, 'show');
            return { type: 'broadcast', action: i.action, programme: i.programme };
          },
        }),
      programme: (i, a) =>
        writer.run({
          ...change('programme', i, a),
          build: async ({ stage }) => {
            if (i.source === 'cloud') await stages.ensure(stage, 'show');
            return { type: 'programme', source: i.source };
          },
        }),
      scene: (i, a) => writer.run({ ...pure('scene', i, a), build: () => ({ type: 'scene', patch: i.patch }) }),
      programmeVolume: (i, a) =>
        writer.run({
          ...pure('programmeVolume', i, a),
          build: () => ({ type: 'programme-volume', memberId: i.memberId, volume: i.volume }),
        }),
      comment: (i, a) => comments.show(i, a),
      failover: (i, a) => writer.run({ ...pure('failover', i, a), build: () => ({ type: 'failover-setting', enabled: i.enabled }) }),
      realtime: (i, a) =>
        writer.run({
          ...change('realtime', i, a),
          // Viewers join the show stage: opening makes it if the studio has none (after the role check; a refusal changes nothing).
          build: async ({ stage }) => {
            if (i.open) await stages.ensure(stage, 'show');
            return { type: 'realtime', open: i.open };
          },
        }),
    };
  }
}
