import { defineStore } from 'pinia';
import { computed, readonly, ref, shallowRef } from 'vue';
import type { CommandDef, CommandPayload, CommandResult, ServerEvents, StageTokenResponse } from '@streamcat/protocol';
import { StudioCommands, type LayoutPatch, type StudioSnapshot } from '@streamcat/protocol/studio';
import type { BrandPatch } from '@streamcat/protocol/studio-brand';
import type { ScenePatch } from '@streamcat/protocol/studio-scenes';
import { ApiError } from '../services/api';
import { newCommandId } from '../services/realtime';
import { adoptSnapshot, canDirect, decideChange, memberOf } from '../studio/studio.sync';
import { useRealtimeStore } from './realtime.store';

/** What the store needs from the socket: RealtimeClient fits, tests pass a fake. */
export interface StudioTransport {
  send<C extends CommandDef>(def: C, payload: CommandPayload<C>): Promise<CommandResult<C>>;
  on<E extends keyof ServerEvents>(event: E, handler: (payload: ServerEvents[E]) => void): () => void;
  onReconnect(hook: () => void): () => void;
}

export type StudioStatus = 'idle' | 'joining' | 'ready' | 'error' | 'removed' | 'left';

/** Commands that change the document: they carry a command id and the version they were based on. */
type ChangeDef = Exclude<
  (typeof StudioCommands)[keyof typeof StudioCommands],
  typeof StudioCommands.join | typeof StudioCommands.snapshot | typeof StudioCommands.leave
>;
type ChangeInput<C extends ChangeDef> = Omit<CommandPayload<C>, 'stage' | 'commandId' | 'expectedVersion'>;

/** Tries after an unanswered command, a moment apart. */
const RETRY_DELAYS_MS = [500, 1_500];

/**
 * Sends one change; when the server does not answer in time, sends the very same payload
 * again. The command id makes that safe: a change that was applied is answered from the
 * server's record (same version), one that was not is applied now — never twice.
 */
async function sendWithRetry<C extends CommandDef>(
  transport: StudioTransport,
  def: C,
  payload: CommandPayload<C>,
): Promise<CommandResult<C>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await transport.send(def, payload);
    } catch (e) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (!(e instanceof ApiError) || e.code !== 'server/unavailable' || delay === undefined) throw e;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * The studio as this browser sees it: the server's document and version, nothing more.
 * Joining takes a snapshot; pushed changes apply only in version order, and any gap or
 * reconnect takes a fresh snapshot. Commands carry `expectedVersion`: when someone else
 * changed the studio first, the store adopts the server's state and says so instead of
 * retrying blindly (the person decides again on what is really there).
 */
export const useStudioStore = defineStore('studio', () => {
  const snapshot = shallowRef<StudioSnapshot | null>(null);
  const status = ref<StudioStatus>('idle');
  const error = ref<string | null>(null);
  /** A sentence for the person when their change lost a race or the studio moved under them. */
  const notice = ref<string | null>(null);
  const stageName = ref<string | null>(null);
  const myMemberId = ref<string | null>(null);
  const removedReason = ref<string | null>(null);

  let transport: StudioTransport | null = null;
  let unsubscribe: (() => void)[] = [];
  let resyncing: Promise<void> | null = null;
  /** My own changes go one at a time, in click order (see `change`). */
  let queue: Promise<unknown> = Promise.resolve();
  /** The version my last acknowledged change produced: its push may still be on the way. */
  let ackedVersion = 0;
  /** The latest pushed change: a conflict notice can then say who got there first. */
  let lastChange: ServerEvents['studio:changed']['change'] | null = null;

  const document = computed(() => snapshot.value?.document ?? null);
  const version = computed(() => snapshot.value?.version ?? null);
  const me = computed(() => (document.value ? memberOf(document.value, myMemberId.value) : null));
  const myRole = computed(() => me.value?.role ?? null);
  const isDirector = computed(() => canDirect(myRole.value));
  const isOwner = computed(() => !!document.value && document.value.ownerId === myMemberId.value);

  function adopt(next: StudioSnapshot): void {
    snapshot.value = adoptSnapshot(snapshot.value, next);
  }

  async function resync(): Promise<void> {
    if (!transport || !stageName.value) return;
    // One snapshot in flight at a time: a burst of gaps needs one read, not many.
    resyncing ??= transport
      .send(StudioCommands.join, { stage: stageName.value })
      .then((s) => {
        adopt(s);
        status.value = 'ready';
        error.value = null;
      })
      .catch((e: unknown) => onFailure(e))
      .finally(() => (resyncing = null));
    return resyncing;
  }

  function onFailure(e: unknown): void {
    const err = e instanceof ApiError ? e : new ApiError(0, 'server/internal', 'Something went wrong. Please try again.');
    if (err.code === 'studio/removed') {
      status.value = 'removed';
      removedReason.value = err.message;
      return;
    }
    status.value = 'error';
    error.value = err.message;
  }

  function onChanged(e: ServerEvents['studio:changed']): void {
    const current = snapshot.value;
    if (!current || e.stageId !== current.stageId) return;
    const decision = decideChange(current.version, e.version);
    if (decision !== 'ignore') lastChange = e.change;
    if (decision === 'apply') snapshot.value = { stageId: e.stageId, version: e.version, document: e.document };
    else if (decision === 'resync') void resync();
  }

  // The show-stage token the server handed me with the change that put me on the show (it comes
  // just before that change): used once, by the page's show-stage connection.
  let pushedShowToken: StageTokenResponse | null = null;
  function onShowToken(e: ServerEvents['studio:show-token']): void {
    if (snapshot.value && e.stageId !== snapshot.value.stageId) return;
    pushedShowToken = e.token;
  }

  /** The pushed show-stage token, once; null when none came (or it is about to expire): ask the server then. */
  function takeShowToken(now = Date.now()): StageTokenResponse | null {
    const t = pushedShowToken;
    pushedShowToken = null;
    return t && Date.parse(t.expiresAt) - now > 60_000 ? t : null;
  }

  function onRemoved(e: ServerEvents['studio:removed']): void {
    if (snapshot.value && e.stageId !== snapshot.value.stageId) return;
    status.value = 'removed';
    removedReason.value = e.reason;
  }

  /** Enter the studio of `stage` as `memberId` (the user id, or the link guest's id). */
  async function enter(stage: string, memberId: string, via?: StudioTransport): Promise<void> {
    if ((status.value === 'joining' || status.value === 'ready') && stageName.value === stage && myMemberId.value === memberId) return;
    detach();
    transport = via ?? useRealtimeStore().client();
    stageName.value = stage;
    myMemberId.value = memberId;
    snapshot.value = null;
    ackedVersion = 0;
    status.value = 'joining';
    error.value = null;
    notice.value = null;
    removedReason.value = null;
    pushedShowToken = null;
    unsubscribe = [
      transport.on('studio:changed', onChanged),
      transport.on('studio:show-token', onShowToken),
      transport.on('studio:removed', onRemoved),
      transport.onReconnect(() => void resync()),
    ];
    await resync();
  }

  function detach(): void {
    for (const off of unsubscribe) off();
    unsubscribe = [];
  }

  /** Leave the room; never flips a live switch (the server guarantees it too). */
  async function leave(): Promise<void> {
    const t = transport;
    const stage = stageName.value;
    detach();
    transport = null;
    if (status.value !== 'removed') status.value = 'left';
    snapshot.value = null;
    if (t && stage) await t.send(StudioCommands.leave, { stage }).catch(() => undefined);
  }

  function dismissNotice(): void {
    notice.value = null;
  }

  /**
   * Sends one change. Resolves with the ack's data, or null when it was refused: a version
   * conflict adopts the server's state and sets `notice`; other refusals set `notice` to the
   * server's sentence.
   */
  async function change<C extends ChangeDef>(def: C, input: ChangeInput<C>): Promise<CommandResult<C> | null> {
    // Two quick clicks (put on air, then go live) must not race each other into a version
    // conflict: each change waits for the previous ack and builds on the version it produced.
    const run = () => send(def, input);
    const result = queue.then(run, run);
    queue = result;
    return result;
  }

  async function send<C extends ChangeDef>(def: C, input: ChangeInput<C>): Promise<CommandResult<C> | null> {
    if (!transport || !stageName.value || !snapshot.value) return null;
    const payload = {
      ...input,
      stage: stageName.value,
      commandId: newCommandId(),
      expectedVersion: Math.max(snapshot.value.version, ackedVersion),
    } as CommandPayload<C>;
    try {
      const result = await sendWithRetry(transport, def, payload);
      const acked = (result as { version?: unknown } | undefined)?.version;
      if (typeof acked === 'number') ackedVersion = Math.max(ackedVersion, acked);
      return result;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'studio/version-conflict') {
        await resync();
        notice.value = `${conflictingParty()} changed the studio at the same moment. This is the latest state; check it and try again.`;
      } else {
        notice.value = e instanceof ApiError ? e.message : 'That did not work. Please try again.';
        // Unanswered: it may have been applied; start from what the server has now.
        if (e instanceof ApiError && e.code === 'server/unavailable') await resync();
      }
      return null;
    }
  }

  /** "Sam" / "The server" / "A moderator" / "Someone else", from the last change we saw. */
  function conflictingParty(): string {
    const by = lastChange?.by;
    if (!by || by === myMemberId.value) return 'Someone else';
    if (by === 'system') return 'The server';
    if (by.startsWith('moderator:')) return 'A moderator';
    const doc = snapshot.value?.document;
    return (doc && memberOf(doc, by)?.displayName) || 'Someone else';
  }

  // Intent-named actions ---------------------------------------------------------------
  const inviteUser = (username: string, role: 'cohost' | 'guest' = 'guest') => change(StudioCommands.invite, { username, role });
  const revokeInvite = (inviteId: string) => change(StudioCommands.revokeInvite, { inviteId });
  const createLink = (maxUses: number, expiresInMinutes: number) => change(StudioCommands.createLink, { maxUses, expiresInMinutes });
  const revokeLink = (linkId: string) => change(StudioCommands.revokeLink, { linkId });
  const admitGuest = (guestId: string) => change(StudioCommands.admit, { guestId, admit: true });
  const denyGuest = (guestId: string) => change(StudioCommands.admit, { guestId, admit: false });
  const removeMember = (memberId: string, reason?: string) => change(StudioCommands.remove, reason ? { memberId, reason } : { memberId });
  const setRole = (memberId: string, role: 'cohost' | 'guest') => change(StudioCommands.setRole, { memberId, role });
  const putOnAir = (memberId: string) => change(StudioCommands.setStatus, { memberId, status: 'on-air' });
  const sendBackstage = (memberId: string) => change(StudioCommands.setStatus, { memberId, status: 'backstage' });
  const changeLayout = (patch: LayoutPatch) => change(StudioCommands.layout, { patch });
  const changeBrand = (patch: BrandPatch) => change(StudioCommands.brand, { patch });
  const raiseHand = (raised: boolean) => change(StudioCommands.raiseHand, { raised });
  const setScreenShare = (sharing: boolean) => change(StudioCommands.screenShare, { sharing });
  const muteInProgramme = (memberId: string, muted: boolean) => change(StudioCommands.mute, { memberId, muted });
  const startBroadcast = () => change(StudioCommands.broadcast, { action: 'start' });
  const stopBroadcast = () => change(StudioCommands.broadcast, { action: 'stop' });
  /** Live composed by IVS from the show stage (no browser sends the programme; a co-host may do it). */
  const startCloudBroadcast = () => change(StudioCommands.broadcast, { action: 'start', programme: 'cloud' });
  /** While live: hand the programme to the cloud, or (the owner) take it back into this browser. */
  const setProgrammeSource = (source: 'browser' | 'cloud') => change(StudioCommands.programme, { source });
  const setFailover = (enabled: boolean) => change(StudioCommands.failover, { enabled });
  /** Scene cards and the countdown (libs/protocol studio-scenes.ts). */
  const setScene = (patch: ScenePatch) => change(StudioCommands.scene, { patch });
  const setProgrammeVolume = (memberId: string, volume: number) => change(StudioCommands.programmeVolume, { memberId, volume });
  const openRealtime = () => change(StudioCommands.realtime, { open: true });
  const closeRealtime = () => change(StudioCommands.realtime, { open: false });
  /** Puts a viewers' chat message on screen (replacing any other), or takes it off with null. */
  const showComment = (messageId: string | null) => change(StudioCommands.comment, { messageId });

  return {
    snapshot: computed(() => snapshot.value),
    document,
    version,
    status: readonly(status),
    error: readonly(error),
    notice: readonly(notice),
    stageName: readonly(stageName),
    myMemberId: readonly(myMemberId),
    removedReason: readonly(removedReason),
    me,
    myRole,
    isDirector,
    isOwner,
    enter,
    leave,
    resync,
    takeShowToken,
    dismissNotice,
    inviteUser,
    revokeInvite,
    createLink,
    revokeLink,
    admitGuest,
    denyGuest,
    removeMember,
    setRole,
    putOnAir,
    sendBackstage,
    changeLayout,
    changeBrand,
    raiseHand,
    setScreenShare,
    muteInProgramme,
    startBroadcast,
    stopBroadcast,
    startCloudBroadcast,
    setProgrammeSource,
    setFailover,
    setScene,
    setProgrammeVolume,
    openRealtime,
    closeRealtime,
    showComment,
  };
});
