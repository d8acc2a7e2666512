import { describe, expect, it } from '@jest/globals';
import type { ModerationAuditEntry, ModerationChannel, ModerationStage } from '@streamcat/protocol';
import {
  AUDIT_KEEP,
  applyChannelUpdate,
  applyStageUpdate,
  boardRows,
  boardSummary,
  elapsed,
  mergeAudit,
  runningFor,
  stageFacts,
} from './moderation.board';

function channel(name: string, over: Partial<ModerationChannel> = {}): ModerationChannel {
  return {
    channel: name,
    title: `${name}'s show`,
    host: name,
    streamId: `st-${name}`,
    since: '2025-01-01T10:00:00.000Z',
    health: 'HEALTHY',
    viewerCount: 0,
    limitBreaches: [],
    ...over,
  };
}

function stage(name: string, over: Partial<ModerationStage> = {}): ModerationStage {
  return { stage: name, host: name, realtime: 'open', broadcast: 'offline', since: '2025-01-01T10:00:00.000Z', members: [], ...over };
}

function auditEntry(id: string, at: string): ModerationAuditEntry {
  return {
    id,
    actor: { id: 'u1', username: 'mod' },
    action: 'ban',
    target: { kind: 'user', id: 'u2', name: 'troll' },
    channel: 'alice',
    reason: 'spam',
    details: {},
    at,
  };
}

describe('live channel updates', () => {
  it('adds a channel that went live, keeping the longest-running first', () => {
    const before = [channel('bob', { since: '2025-01-01T09:00:00.000Z' })];
    const after = applyChannelUpdate(before, { channel: 'alice', entry: channel('alice', { since: '2025-01-01T11:00:00.000Z' }) });
    expect(after.map((c) => c.channel)).toEqual(['bob', 'alice']);
  });

  it('replaces a channel in place when its viewers or health change', () => {
    const before = [channel('alice', { since: '2025-01-01T08:00:00.000Z' }), channel('bob')];
    const after = applyChannelUpdate(before, {
      channel: 'alice',
      entry: channel('alice', { since: '2025-01-01T08:00:00.000Z', viewerCount: 42 }),
    });
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ channel: 'alice', viewerCount: 42 });
  });

  it('drops a channel that went offline and leaves the list it was given untouched', () => {
    const before = [channel('alice'), channel('bob')];
    const after = applyChannelUpdate(before, { channel: 'alice', entry: null });
    expect(after.map((c) => c.channel)).toEqual(['bob']);
    expect(before).toHaveLength(2);
  });

  it('ignores an offline update for a channel it never had', () => {
    expect(applyChannelUpdate([channel('bob')], { channel: 'ghost', entry: null }).map((c) => c.channel)).toEqual(['bob']);
  });

  it('orders channels that started together by name', () => {
    const after = applyChannelUpdate([channel('carol')], { channel: 'alice', entry: channel('alice') });
    expect(after.map((c) => c.channel)).toEqual(['alice', 'carol']);
  });
});

describe('open stage updates', () => {
  it('shows a member who joined and drops the stage when real-time viewing closes', () => {
    const member = {
      memberId: 'm1',
      kind: 'guest' as const,
      displayName: 'Cleo',
      role: 'guest',
      status: 'backstage',
      mutedInProgramme: false,
    };
    let stages = applyStageUpdate([], { stage: 'alice', entry: stage('alice') });
    stages = applyStageUpdate(stages, { stage: 'alice', entry: stage('alice', { members: [member] }) });
    expect(stages).toHaveLength(1);
    expect(stages[0]?.members.map((m) => m.displayName)).toEqual(['Cleo']);
    expect(applyStageUpdate(stages, { stage: 'alice', entry: null })).toEqual([]);
  });
});

describe('board rows', () => {
  it('puts a host’s live channel and open stage on one row', () => {
    const rows = boardRows([channel('alice')], [stage('alice'), stage('bob')]);
    expect(rows.map((r) => [r.host, !!r.channel, !!r.stage])).toEqual([
      ['alice', true, true],
      ['bob', false, true],
    ]);
  });

  it('lists starving streams and limit breaches before everything else', () => {
    const breach = { limitName: 'bitrate', limitValue: 8500, exceededBy: 500, limitUnit: 'kbps', at: '2025-01-01T12:00:00.000Z' };
    const rows = boardRows(
      [
        channel('alice', { since: '2025-01-01T08:00:00.000Z' }),
        channel('bob', { since: '2025-01-01T12:00:00.000Z', health: 'STARVING' }),
        channel('carol', { since: '2025-01-01T13:00:00.000Z', limitBreaches: [breach] }),
      ],
      [],
    );
    expect(rows.map((r) => [r.host, r.needsAttention])).toEqual([
      ['bob', true],
      ['carol', true],
      ['alice', false],
    ]);
  });

  it('dates a row from whichever of channel and stage began first', () => {
    const rows = boardRows(
      [channel('alice', { since: '2025-01-01T12:00:00.000Z' })],
      [stage('alice', { since: '2025-01-01T11:00:00.000Z' })],
    );
    expect(rows[0]?.since).toBe('2025-01-01T11:00:00.000Z');
  });
});

describe('audit log merging', () => {
  it('keeps newest first and shows an entry once when both the push and a page carry it', () => {
    const pushed = auditEntry('b', '2025-01-01T10:05:00.000Z');
    const page = [auditEntry('b', '2025-01-01T10:05:00.000Z'), auditEntry('a', '2025-01-01T10:00:00.000Z')];
    const merged = mergeAudit(mergeAudit([], [pushed]), page);
    expect(merged.map((e) => e.id)).toEqual(['b', 'a']);
  });

  it('places an older page below what is already shown', () => {
    const merged = mergeAudit([auditEntry('c', '2025-01-02T00:00:00.000Z')], [auditEntry('z', '2024-12-31T00:00:00.000Z')]);
    expect(merged.map((e) => e.id)).toEqual(['c', 'z']);
  });

  it(`holds at most ${AUDIT_KEEP} entries`, () => {
    const many = Array.from({ length: AUDIT_KEEP + 10 }, (_, i) =>
      auditEntry(`e${i}`, new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString()),
    );
    const merged = mergeAudit([], many);
    expect(merged).toHaveLength(AUDIT_KEEP);
    expect(merged[0]?.id).toBe(`e${AUDIT_KEEP + 9}`);
  });
});

describe('elapsed time', () => {
  const start = '2025-01-01T10:00:00.000Z';
  it('reads as a person would say it', () => {
    expect(elapsed(start, Date.parse('2025-01-01T10:00:30.000Z'))).toBe('under a minute');
    expect(elapsed(start, Date.parse('2025-01-01T10:12:00.000Z'))).toBe('12 min');
    expect(elapsed(start, Date.parse('2025-01-01T11:05:00.000Z'))).toBe('1 h 05 min');
    expect(elapsed(null, 0)).toBe('—');
  });

  it('never reads "for just now": a fresh start says so, an unknown one says nothing', () => {
    expect(runningFor(start, Date.parse('2025-01-01T10:00:30.000Z'))).toBe('started just now');
    expect(runningFor(start, Date.parse('2025-01-01T10:12:00.000Z'))).toBe('for 12 min');
    expect(runningFor(start, Date.parse('2025-01-01T12:00:00.000Z'))).toBe('for 2 h 00 min');
    expect(runningFor(null, 0)).toBe('');
  });
});

describe('what the board says about a studio', () => {
  const member = (name: string) => ({
    memberId: name,
    kind: 'user' as const,
    displayName: name,
    role: 'guest',
    status: 'backstage',
    mutedInProgramme: false,
  });

  it('a studio listed only because people are in it is "in use", not open to real-time viewers', () => {
    const inUse = stage('alice', { realtime: 'closed', broadcast: 'offline', members: [member('alice'), member('cleo')] });
    expect(stageFacts(inUse)).toEqual({
      realtimeOpen: false,
      broadcasting: false,
      line: 'Real-time viewing closed, not broadcasting, 2 people in the studio.',
    });
    expect(boardSummary(0, [inUse])).toBe('0 live channels, 1 studio in use (0 open to real-time viewers)');
  });

  it('the summary counts open real-time viewing the way the drill-in reports it', () => {
    const open = stage('bob', { realtime: 'open', broadcast: 'live', members: [member('bob')] });
    const closed = stage('cy', { realtime: 'closed', broadcast: 'starting' });
    expect(stageFacts(open).line).toBe('Open to real-time viewers, broadcasting, 1 person in the studio.');
    expect(stageFacts(closed).line).toMatch(/^Real-time viewing closed, the broadcast is starting/);
    expect(boardSummary(1, [open, closed])).toBe('1 live channel, 2 studios in use (1 open to real-time viewers)');
  });
});
