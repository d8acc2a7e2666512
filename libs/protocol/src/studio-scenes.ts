import { z } from 'zod';

/**
 * Scenes: full-screen cards ("Starting soon", "Be right back", "Ending") a host or co-host puts
 * in the programme instead of the tiles, and back, without anyone leaving the stage. Part of the
 * studio document (`layout.scene`, absent in older documents: `sceneOf` gives the default), so
 * every member's preview and the programme draw the same card. The countdown is an absolute time,
 * so every page counts down to the same second whatever moment it loaded.
 */

export const SCENE_CARDS = ['starting', 'brb', 'ending'] as const;
export type SceneCardName = (typeof SCENE_CARDS)[number];
export const SCENES = ['show', ...SCENE_CARDS] as const;
export type SceneName = (typeof SCENES)[number];

export const SCENE_TITLE_MAX = 80;
export const SCENE_SUBTITLE_MAX = 160;
/** A countdown further ahead than this is refused (a typo in the date, not a show). */
export const COUNTDOWN_MAX_AHEAD_MS = 24 * 60 * 60 * 1000;

const CardText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'must not contain control characters');

export const SceneCard = z.strictObject({
  title: CardText(SCENE_TITLE_MAX),
  subtitle: CardText(SCENE_SUBTITLE_MAX),
});
export type SceneCard = z.infer<typeof SceneCard>;

export const Countdown = z.strictObject({
  /** When it reaches zero (ISO time with a zone; the server checks it is ahead and within a day). */
  at: z.string().datetime({ offset: true, message: 'must be a date and time like 2026-12-04T18:00:00Z' }),
  /** At zero the owner's studio page goes live (the Go live path) and switches to the show. */
  goLive: z.boolean(),
});
export type Countdown = z.infer<typeof Countdown>;

export const StudioScene = z.object({
  active: z.enum(SCENES),
  cards: z.object({ starting: SceneCard, brb: SceneCard, ending: SceneCard }),
  countdown: Countdown.nullable(),
  /**
   * Whether the programme's sound goes on while a card is up. Off by default: a card usually
   * means "we are not on right now", and a host talking to a guest behind a "be right back"
   * card should not be overheard. Members on stage always hear each other.
   */
  cardAudio: z.boolean(),
});
export type StudioScene = z.infer<typeof StudioScene>;

export const DEFAULT_SCENE: StudioScene = {
  active: 'show',
  cards: {
    starting: { title: 'Starting soon', subtitle: '' },
    brb: { title: 'Be right back', subtitle: '' },
    ending: { title: 'Thanks for watching', subtitle: '' },
  },
  countdown: null,
  cardAudio: false,
};

/** The studio's scene state, with the default for documents stored before scenes existed. */
export function sceneOf(layout: { scene?: StudioScene }): StudioScene {
  return layout.scene ?? DEFAULT_SCENE;
}

/** One change of the scene state: any of switching, editing one card, setting or clearing the countdown. */
export const ScenePatch = z
  .strictObject({
    active: z.enum(SCENES).optional(),
    card: z.strictObject({ name: z.enum(SCENE_CARDS), title: SceneCard.shape.title, subtitle: SceneCard.shape.subtitle }).optional(),
    countdown: Countdown.nullable().optional(),
    cardAudio: z.boolean().optional(),
    /**
     * "Only if the countdown still ends at this time": the owner's page sends it at zero, so of
     * two of their tabs only the first switches (and goes live); the other is told it ended.
     */
    ifCountdownAt: z.string().max(40).optional(),
  })
  .refine((p) => Object.keys(p).some((k) => k !== 'ifCountdownAt'), 'give at least one scene field to change');
export type ScenePatch = z.infer<typeof ScenePatch>;

/** What the countdown reads at `nowMs`: `mm:ss` under an hour, `h:mm:ss` above; never below zero (seconds round up, so it shows 00:00 only at zero). */
export function countdownText(atMs: number, nowMs: number): string {
  const left = Math.max(0, Math.ceil((atMs - nowMs) / 1000));
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  const ss = String(s).padStart(2, '0');
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${ss}`;
  return `${String(m).padStart(2, '0')}:${ss}`;
}

// ---------------------------------------------------------------- programme audio

/** A member's level in the programme mix, in percent (absent: 100). Muting in programme still wins. */
export const ProgrammeVolume = z.number().int('must be a whole percentage').min(0, 'must be 0 to 100').max(100, 'must be 0 to 100');

/** The gain (0…1) the programme mix gives a member: 0 when muted in programme, else their volume. */
export function programmeGainOf(member: { mutedInProgramme: boolean; programmeVolume?: number }): number {
  if (member.mutedInProgramme) return 0;
  return (member.programmeVolume ?? 100) / 100;
}

// ---------------------------------------------------------------- the audience's view

/** The scene as the audience may know it (real-time watch pages draw it): the card on screen only, no other card, no go-live plan. */
export const ShowScene = z.object({
  active: z.enum(SCENES),
  title: SceneCard.shape.title,
  subtitle: SceneCard.shape.subtitle,
  /** The countdown's end while the starting-soon card is up, else null. */
  countdownAt: z.string().max(40).nullable(),
  cardAudio: z.boolean(),
});
export type ShowScene = z.infer<typeof ShowScene>;

export function showSceneOf(scene: StudioScene): ShowScene {
  const card = scene.active === 'show' ? { title: '', subtitle: '' } : scene.cards[scene.active];
  return {
    active: scene.active,
    title: card.title,
    subtitle: card.subtitle,
    countdownAt: scene.active === 'starting' ? (scene.countdown?.at ?? null) : null,
    cardAudio: scene.cardAudio,
  };
}

/** Back to the studio's shape for the compositor (the cards not on screen stay at their defaults). */
export function sceneFromShow(show: ShowScene): StudioScene {
  const cards = structuredClone(DEFAULT_SCENE.cards);
  if (show.active !== 'show') cards[show.active] = { title: show.title, subtitle: show.subtitle };
  return {
    active: show.active,
    cards,
    countdown: show.countdownAt ? { at: show.countdownAt, goLive: false } : null,
    cardAudio: show.cardAudio,
  };
}
