import { programmeOf, type StudioDocument, type StudioProgramme } from '@streamcat/protocol';
import type { StudioEffect } from './studio.reducer';

/**
 * The cloud programme as pure decisions: when an IVS composition of the show stage is started
 * or stopped, and how the studio's layout maps onto the layouts IVS composes (grid or
 * picture-in-picture), with what the cloud cannot show.
 */

/** Token attributes the composition lays participants out by (IVS reads attribute values, not ids). */
export const CLOUD_ATTRIBUTES = { featured: 'featured', order: 'order', pip: 'pip' } as const;

/** The document's programme, created with its defaults in a document stored before it existed (mutable, inside the reducer's copy). */
export function programmeWrite(d: StudioDocument): StudioProgramme {
  d.live.programme ??= programmeOf(d);
  return d.live.programme;
}

/**
 * StartComposition's idempotency token for an attempt made at `at`: the same on every node and
 * after a restart, so retrying a start can never make a second composition.
 */
export function compositionAttempt(stageId: string, at: string): string {
  return `sc-${stageId.replace(/[^A-Za-z0-9-]/g, '').slice(0, 40)}-${Date.parse(at)}`;
}

/** A new composition attempt, unless one is already starting or running (then that one carries on). */
export function beginComposition(d: StudioDocument, reason: 'requested' | 'failover', at: string, effects: StudioEffect[]): void {
  const programme = programmeWrite(d);
  const c = programme.composition;
  if (c && (c.state === 'starting' || c.state === 'active')) return;
  const attempt = compositionAttempt(d.stageId, at);
  programme.composition = { arn: null, state: 'starting', since: at, reason, attempt };
  effects.push({ kind: 'composition-start', attempt });
}

/** Stops the running composition, if any (a start still in flight is stopped once its arn is known). */
export function endComposition(d: StudioDocument, at: string, effects: StudioEffect[]): void {
  const c = programmeWrite(d).composition;
  if (!c || (c.state !== 'starting' && c.state !== 'active')) return;
  c.state = 'stopping';
  c.since = at;
  effects.push({ kind: 'composition-stop', arn: c.arn, attempt: c.attempt });
}

/**
 * A member's show-stage token attributes for the composition: their place in the programme
 * order, whether they are the featured member, and whether they are the picture-in-picture
 * inset. Fixed when the token is minted (IVS attributes cannot change), i.e. when they go on air.
 */
export function showTokenAttributes(doc: Pick<StudioDocument, 'layout'>, memberId: string): Record<string, string> {
  const { order, featuredId, name } = doc.layout;
  const at = order.indexOf(memberId);
  const attributes: Record<string, string> = { [CLOUD_ATTRIBUTES.order]: String(at < 0 ? order.length : at) };
  const featured = featuredId ?? order[0] ?? null;
  if (featured === memberId && (name === 'spotlight' || name === 'pip')) attributes[CLOUD_ATTRIBUTES.featured] = 'true';
  // IVS composes one inset: the first member after the featured one.
  if (name === 'pip' && order.find((id) => id !== featured) === memberId) attributes[CLOUD_ATTRIBUTES.pip] = 'true';
  return attributes;
}

/** The StartComposition layout nearest to the studio's, in the SDK's shape. */
export type CloudLayout =
  | {
      grid: {
        featuredParticipantAttribute?: string;
        participantOrderAttribute: string;
        gridGap: number;
        omitStoppedVideo: boolean;
        videoFillMode: 'COVER';
      };
    }
  | {
      pip: {
        featuredParticipantAttribute: string;
        participantOrderAttribute: string;
        pipParticipantAttribute: string;
        pipBehavior: 'STATIC';
        pipPosition: 'BOTTOM_RIGHT';
        gridGap: number;
        omitStoppedVideo: boolean;
        videoFillMode: 'COVER';
      };
    };

/** Our compositor's gap between tiles (px on a 1280×720 canvas), kept in the cloud programme. */
const GRID_GAP = 8;

export function cloudLayoutFor(doc: Pick<StudioDocument, 'layout'>): CloudLayout {
  const order = CLOUD_ATTRIBUTES.order;
  switch (doc.layout.name) {
    case 'pip':
      return {
        pip: {
          featuredParticipantAttribute: CLOUD_ATTRIBUTES.featured,
          participantOrderAttribute: order,
          pipParticipantAttribute: CLOUD_ATTRIBUTES.pip,
          pipBehavior: 'STATIC',
          pipPosition: 'BOTTOM_RIGHT',
          gridGap: GRID_GAP,
          omitStoppedVideo: false,
          videoFillMode: 'COVER',
        },
      };
    case 'spotlight':
      return {
        grid: {
          featuredParticipantAttribute: CLOUD_ATTRIBUTES.featured,
          participantOrderAttribute: order,
          gridGap: GRID_GAP,
          omitStoppedVideo: false,
          videoFillMode: 'COVER',
        },
      };
    case 'screen-share':
      // A shared screen is its own participant with `screen-share: "true"`: IVS features it.
      return {
        grid: {
          featuredParticipantAttribute: 'screen-share',
          participantOrderAttribute: order,
          gridGap: GRID_GAP,
          omitStoppedVideo: false,
          videoFillMode: 'COVER',
        },
      };
    default:
      return { grid: { participantOrderAttribute: order, gridGap: GRID_GAP, omitStoppedVideo: false, videoFillMode: 'COVER' } };
  }
}
