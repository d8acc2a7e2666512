import { cloudCannotShow, initialStudioDocument, showStageNeeded, type StudioDocument } from '@streamcat/protocol';
import { cloudLayoutFor, compositionAttempt, showTokenAttributes } from './cloud-programme.rules';
import { ActorContext, applyStudioCommand, StudioAction } from './studio.reducer';

const now = new Date('2026-12-03T18:00:00Z');
const later = (s: number) => new Date(now.getTime() + s * 1000).toISOString();
const host: ActorContext = { role: 'host', memberId: 'owner', userId: 'owner', label: 'owner' };
const cohost: ActorContext = { role: 'cohost', memberId: 'bob', userId: 'bob', label: 'bob' };
const system: ActorContext = { role: 'admin', memberId: null, userId: null, label: 'system' };

function ok(doc: StudioDocument, action: StudioAction, actor = host, at = now) {
  const r = applyStudioCommand(doc, action, actor, at);
  if (!r.ok) throw new Error(`${action.type} refused: ${r.code} ${r.message ?? ''}`);
  return r;
}

function refused(doc: StudioDocument, action: StudioAction, actor = host) {
  const r = applyStudioCommand(doc, action, actor, now);
  if (r.ok) throw new Error(`${action.type} was accepted`);
  return r;
}

/** The owner and co-host bob, both on air in a grid. */
function studio(): StudioDocument {
  const d = initialStudioDocument({ stageId: 'st-1', stageName: 'alice', ownerId: 'owner', ownerName: 'alice', now });
  d.members.push({ ...d.members[0]!, id: 'bob', userId: 'bob', displayName: 'bob', role: 'cohost' });
  return ok(d, { type: 'layout', patch: { name: 'grid', order: ['owner', 'bob'] } }).doc;
}

function liveFromBrowser(): StudioDocument {
  let d = ok(studio(), { type: 'broadcast', action: 'start' }).doc;
  d = ok(d, { type: 'broadcast-confirmed', state: 'live', at: later(2) }, system).doc;
  return d;
}

describe('the cloud programme in the studio reducer', () => {
  it('a co-host goes live in the cloud without the owner: a composition is asked for and on-air members join the show stage', () => {
    const r = ok(studio(), { type: 'broadcast', action: 'start', programme: 'cloud' }, cohost);
    expect(r.doc.live.broadcast.state).toBe('starting');
    expect(r.doc.live.programme).toMatchObject({ source: 'cloud', composition: { state: 'starting', arn: null, reason: 'requested' } });
    const attempt = r.doc.live.programme!.composition!.attempt;
    expect(attempt).toBe(compositionAttempt('st-1', now.toISOString()));
    expect(r.effects).toContainEqual({ kind: 'composition-start', attempt });
    expect(showStageNeeded(r.doc)).toBe(true);
    const seats = r.effects.filter((e) => e.kind === 'show-seat').map((e) => (e.kind === 'show-seat' ? e.member.id : ''));
    expect(seats.sort()).toEqual(['bob', 'owner']);
  });

  it("only the owner's browser sends the programme: a co-host's browser start is refused and changes nothing", () => {
    const r = refused(studio(), { type: 'broadcast', action: 'start' }, cohost);
    expect(r.code).toBe('auth/forbidden');
  });

  it('records the arn for the attempt only, and stops a composition stopped before its start answered', () => {
    let d = ok(studio(), { type: 'broadcast', action: 'start', programme: 'cloud' }, cohost).doc;
    const attempt = d.live.programme!.composition!.attempt;
    expect(refused(d, { type: 'composition-started', attempt: 'other', arn: 'arn:c' }, system).code).toBe('studio/invalid-transition');
    // Members cannot pretend to be IVS.
    expect(refused(d, { type: 'composition-started', attempt, arn: 'arn:c' }, host).code).toBe('auth/forbidden');
    const stop = ok(d, { type: 'broadcast', action: 'stop' }, cohost);
    expect(stop.doc.live.broadcast.state).toBe('offline');
    expect(stop.effects).toContainEqual({ kind: 'composition-stop', arn: null, attempt });
    d = stop.doc;
    const started = ok(d, { type: 'composition-started', attempt, arn: 'arn:c' }, system);
    expect(started.effects).toContainEqual({ kind: 'composition-stop', arn: 'arn:c', attempt });
  });

  it('follows the composition events in any order and never revives an ended one', () => {
    let d = ok(studio(), { type: 'broadcast', action: 'start', programme: 'cloud' }, cohost).doc;
    const attempt = d.live.programme!.composition!.attempt;
    d = ok(d, { type: 'composition-started', attempt, arn: 'arn:c' }, system).doc;
    d = ok(d, { type: 'composition-state', arn: 'arn:c', attempt: null, state: 'active', at: later(3) }, system).doc;
    expect(d.live.programme!.composition).toMatchObject({ state: 'active', since: later(3) });
    d = ok(d, { type: 'broadcast-confirmed', state: 'live', at: later(4) }, system).doc;
    const ended = ok(
      d,
      { type: 'composition-state', arn: 'arn:c', attempt: null, state: 'failed', at: later(9), note: 'ffmpeg died' },
      system,
    ).doc;
    expect(ended.live.broadcast).toMatchObject({ state: 'offline', note: 'The cloud programme failed: ffmpeg died' });
    expect(refused(ended, { type: 'composition-state', arn: 'arn:c', attempt: null, state: 'active', at: later(10) }, system).code).toBe(
      'studio/invalid-transition',
    );
    expect(refused(d, { type: 'composition-state', arn: 'arn:other', attempt: null, state: 'stopped', at: later(10) }, system).code).toBe(
      'studio/invalid-transition',
    );
  });

  it('failover takes over only the show that was judged, once, while live from the browser with failover on', () => {
    const d = liveFromBrowser();
    const since = d.live.broadcast.since;
    expect(refused(d, { type: 'failover', decision: 'take-over', since: later(-99) }, system).code).toBe('studio/invalid-transition');
    const r = ok(d, { type: 'failover', decision: 'take-over', since }, system, new Date(later(30)));
    expect(r.doc.live.broadcast.state).toBe('live');
    expect(r.doc.live.programme).toMatchObject({ source: 'cloud', composition: { state: 'starting', reason: 'failover' } });
    expect(r.effects.filter((e) => e.kind === 'composition-start')).toHaveLength(1);
    // A second node deciding the same: refused, so exactly one composition is started.
    expect(refused(r.doc, { type: 'failover', decision: 'take-over', since }, system).code).toBe('studio/invalid-transition');
    const off = ok(d, { type: 'failover-setting', enabled: false }).doc;
    expect(refused(off, { type: 'failover', decision: 'take-over', since }, system).code).toBe('studio/invalid-transition');
  });

  it('an End broadcast is never overruled: a stopping show is not taken over', () => {
    const d = ok(liveFromBrowser(), { type: 'broadcast', action: 'stop' }).doc;
    expect(refused(d, { type: 'failover', decision: 'take-over', since: d.live.broadcast.since }, system).code).toBe(
      'studio/invalid-transition',
    );
  });

  it('an unasked Stream End keeps the show live (marked lost) for the failover watch; a Start clears it', () => {
    let d = liveFromBrowser();
    d = ok(d, { type: 'broadcast-confirmed', state: 'offline', at: later(10) }, system).doc;
    expect(d.live.broadcast.state).toBe('live');
    expect(d.live.programme?.lostAt).toBe(later(10));
    d = ok(d, { type: 'broadcast-confirmed', state: 'live', at: later(12) }, system).doc;
    expect(d.live.programme?.lostAt).toBeUndefined();
    // Failover off too: the encoder may come back (a reload on IVS is a new stream); the watch ends it otherwise.
    const off = ok(liveFromBrowser(), { type: 'failover-setting', enabled: false }).doc;
    const lost = ok(off, { type: 'broadcast-confirmed', state: 'offline', at: later(10) }, system).doc;
    expect(lost.live.broadcast.state).toBe('live');
    const ended = ok(lost, { type: 'failover', decision: 'give-up', since: lost.live.broadcast.since, note: 'gone' }, system).doc;
    expect(ended.live.broadcast).toMatchObject({ state: 'offline', note: 'gone' });
  });

  it("the browser stream's end does not end a show the cloud carries; the owner takes the programme back", () => {
    let d = liveFromBrowser();
    d = ok(d, { type: 'failover', decision: 'take-over', since: d.live.broadcast.since }, system).doc;
    expect(refused(d, { type: 'broadcast-confirmed', state: 'offline', at: later(31) }, system).code).toBe('studio/invalid-transition');
    expect(refused(d, { type: 'programme', source: 'browser' }, cohost).code).toBe('auth/forbidden');
    const back = ok(d, { type: 'programme', source: 'browser' });
    expect(back.doc.live.programme).toMatchObject({ source: 'browser', composition: { state: 'stopping' } });
    expect(back.effects.some((e) => e.kind === 'composition-stop')).toBe(true);
  });
});

describe('mapping the studio layout to IVS composition layouts', () => {
  it('spotlight and pip feature the featured member; pip insets the next one; order follows the programme', () => {
    let d = studio();
    d = ok(d, { type: 'layout', patch: { name: 'pip', order: ['bob', 'owner'], featuredId: 'bob' } }).doc;
    expect(showTokenAttributes(d, 'bob')).toEqual({ order: '0', featured: 'true' });
    expect(showTokenAttributes(d, 'owner')).toEqual({ order: '1', pip: 'true' });
    expect(cloudLayoutFor(d)).toMatchObject({ pip: { featuredParticipantAttribute: 'featured', pipParticipantAttribute: 'pip' } });
    d = ok(d, { type: 'layout', patch: { name: 'grid' } }).doc;
    expect(showTokenAttributes(d, 'bob')).toEqual({ order: '0' });
    expect(cloudLayoutFor(d)).toEqual({
      grid: { participantOrderAttribute: 'order', gridGap: 8, omitStoppedVideo: false, videoFillMode: 'COVER' },
    });
  });

  it('says what the cloud programme cannot show', () => {
    let d = studio();
    d = ok(d, { type: 'layout', patch: { nameTags: true, banner: { text: 'Live from Lisbon', visible: true } } }).doc;
    expect(cloudCannotShow(d)).toEqual(expect.arrayContaining(['name tags', 'the banner']));
    d = ok(d, { type: 'layout', patch: { nameTags: false, banner: { text: '', visible: false } } }).doc;
    expect(cloudCannotShow(d)).not.toContain('name tags');
    expect(cloudCannotShow(d)).not.toContain('scene cards and the countdown');
    d = ok(d, { type: 'scene', patch: { active: 'brb' } }).doc;
    expect(cloudCannotShow(d)).toContain('scene cards and the countdown');
    expect(cloudCannotShow(d)).not.toContain('the comment on screen');
    const comment = { messageId: 'm1', author: { id: 'v', username: 'vera' }, text: 'Hi', shownBy: 'owner', shownAt: '' };
    expect(cloudCannotShow({ ...d, layout: { ...d.layout, comment } })).toContain('the comment on screen');
  });
});
