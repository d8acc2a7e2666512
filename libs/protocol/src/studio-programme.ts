import type { StudioDocument } from './studio';
import { sceneOf } from './studio-scenes';

/**
 * The cloud programme is an IVS composition of the show stage: IVS lays out the participants'
 * own video (grid or picture-in-picture), so what our compositor draws on top of them is not
 * in it. The studio says so before anyone puts the show in the cloud.
 */
/** What the studio shows that the cloud programme will not, in the words the studio shows them. */
export function cloudCannotShow(doc: Pick<StudioDocument, 'layout' | 'members'>): string[] {
  const l = doc.layout;
  const missing: string[] = [];
  if (l.nameTags) missing.push('name tags');
  if (l.banner.visible && l.banner.text.trim()) missing.push('the banner');
  if (l.brand?.logo) missing.push('the logo');
  if (l.brand?.overlay) missing.push('the overlay');
  if (l.comment) missing.push('the comment on screen');
  if (l.background.kind === 'image' || l.background.colour.toLowerCase() !== '#000000') missing.push('the background');
  if (l.name === 'pip' && l.order.length > 2) missing.push('more than one inset (the others join the main picture)');
  if (l.name === 'side-by-side') missing.push('the side-by-side split (shown as a grid)');
  if (doc.members.some((m) => m.status === 'on-air' && m.mutedInProgramme)) missing.push('muting a member in the programme only');
  // IVS composes the participants as they are: no card of ours, no mix of ours.
  const scene = sceneOf(l);
  if (scene.active !== 'show' || scene.countdown) missing.push('scene cards and the countdown');
  if (doc.members.some((m) => m.status === 'on-air' && !m.mutedInProgramme && (m.programmeVolume ?? 100) < 100))
    missing.push('member volumes in the programme');
  missing.push('changes of order or featured member made after going on air');
  return missing;
}
