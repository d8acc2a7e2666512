import { MAX_ON_AIR } from '@streamcat/layouts';
import { showSceneOf, type ShowLayout, type StudioDocument } from '@streamcat/protocol';

/** The show is public while it is broadcast or open to real-time viewers; otherwise it is still being prepared. */
export function isShowPublic(doc: StudioDocument): boolean {
  return doc.live.realtime.state === 'open' || doc.live.broadcast.state !== 'offline';
}

/**
 * What the audience may know of a studio: the on-air members in programme order with their
 * names, and the programme's look. Backstage members, invites, links, the green room and a
 * banner the host has not shown are left out, and nothing at all while the show is not public.
 */
export function showProjection(doc: StudioDocument): ShowLayout | null {
  if (!isShowPublic(doc)) return null;
  const onAir = new Map(doc.members.filter((m) => m.status === 'on-air').map((m) => [m.id, m]));
  // Order and status are kept in step by the reducer; requiring both means a slip can only hide someone, never reveal them.
  const members = [...new Set(doc.layout.order)]
    .filter((id) => onAir.has(id))
    // A stage carries MAX_ON_AIR publishers: nobody beyond could be seen or heard anyway.
    .slice(0, MAX_ON_AIR)
    .map((id) => {
      const m = onAir.get(id)!;
      return {
        id,
        displayName: m.displayName.slice(0, 40),
        muted: m.mutedInProgramme,
        ...(m.programmeVolume !== undefined ? { volume: m.programmeVolume } : {}),
      };
    });
  const shown = new Set(members.map((m) => m.id));
  const onlyShown = (id: string | null) => (id !== null && shown.has(id) ? id : null);
  const { layout } = doc;
  return {
    layout: layout.name,
    members,
    featuredId: onlyShown(layout.featuredId),
    screenShareId: onlyShown(layout.screenShareId),
    nameTags: layout.nameTags,
    banner: layout.banner.visible ? { text: layout.banner.text, visible: true } : { text: '', visible: false },
    background: layout.background,
    ...(layout.brand ? { brand: layout.brand } : {}),
    // The card on screen only (no other card's text, no go-live plan); older documents have none.
    ...(layout.scene ? { scene: showSceneOf(layout.scene) } : {}),
    // The audience sees whose comment it is by name; the author's account id stays in the studio.
    ...(layout.comment
      ? {
          comment: { messageId: layout.comment.messageId, author: { username: layout.comment.author.username }, text: layout.comment.text },
        }
      : {}),
  };
}
