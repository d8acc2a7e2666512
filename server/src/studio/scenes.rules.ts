import { COUNTDOWN_MAX_AHEAD_MS, sceneOf, type ErrorCode, type ScenePatch, type StudioLayout, type StudioScene } from '@streamcat/protocol';

/**
 * Scene changes as a pure decision: the layout's scene state and a patch in, the next scene
 * state or a refusal with a sentence. The time checks use the command's `now` (never the
 * clock), so a countdown is refused the same way on every node and in specs.
 */
export function nextScene(
  layout: Pick<StudioLayout, 'scene'>,
  patch: ScenePatch,
  now: Date,
): { ok: true; scene: StudioScene } | { ok: false; code: ErrorCode; message: string } {
  const current = sceneOf(layout);
  if (patch.ifCountdownAt !== undefined && current.countdown?.at !== patch.ifCountdownAt)
    return { ok: false, code: 'studio/invalid-transition', message: 'That countdown has already ended or was changed.' };
  const scene: StudioScene = structuredClone(current);
  if (patch.active) scene.active = patch.active;
  if (patch.card) scene.cards[patch.card.name] = { title: patch.card.title.trim(), subtitle: patch.card.subtitle.trim() };
  if (patch.cardAudio !== undefined) scene.cardAudio = patch.cardAudio;
  if (patch.countdown !== undefined) {
    if (patch.countdown) {
      const at = Date.parse(patch.countdown.at);
      if (!(at > now.getTime())) return { ok: false, code: 'request/invalid', message: 'The countdown must end in the future.' };
      if (at - now.getTime() > COUNTDOWN_MAX_AHEAD_MS)
        return { ok: false, code: 'request/invalid', message: 'The countdown can end at most 24 hours from now.' };
      // Stored in one spelling (UTC) so every page and the `ifCountdownAt` check compare alike.
      scene.countdown = { at: new Date(at).toISOString(), goLive: patch.countdown.goLive };
    } else {
      scene.countdown = null;
    }
  }
  return { ok: true, scene };
}
