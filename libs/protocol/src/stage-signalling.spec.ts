import { parseStageClientMessage, parseStageServerMessage } from './stage-signalling';

describe('stage signalling wire', () => {
  it('reads a join and fills publish defaults', () => {
    expect(parseStageClientMessage(JSON.stringify({ t: 'join', token: 'x'.repeat(100) }))).toEqual({ t: 'join', token: 'x'.repeat(100) });
    expect(parseStageClientMessage(JSON.stringify({ t: 'publish', sdp: 'v=0 '.repeat(10) }))).toMatchObject({
      audioMuted: false,
      videoStopped: false,
    });
  });

  it('refuses what is not a message: bad JSON, unknown types, oversized tokens and SDP', () => {
    expect(parseStageClientMessage('{')).toBeUndefined();
    expect(parseStageClientMessage(JSON.stringify({ t: 'jump' }))).toBeUndefined();
    expect(parseStageClientMessage(JSON.stringify({ t: 'join', token: 'x'.repeat(8 * 1024 + 1) }))).toBeUndefined();
    expect(parseStageClientMessage(JSON.stringify({ t: 'publish', sdp: 'x'.repeat(64 * 1024 + 1) }))).toBeUndefined();
  });

  it('the browser reads only the SFU’s messages, with known error codes', () => {
    expect(parseStageServerMessage(JSON.stringify({ t: 'published' }))).toEqual({ t: 'published' });
    const error = { t: 'error', category: 'JOIN_ERROR', code: 'TOKEN_EXPIRED', message: 'expired', fatal: true };
    expect(parseStageServerMessage(JSON.stringify(error))).toEqual(error);
    expect(parseStageServerMessage(JSON.stringify({ ...error, code: 'SOMETHING_ELSE' }))).toBeUndefined();
    expect(parseStageServerMessage(JSON.stringify({ t: 'left', reason: 'bored' }))).toBeUndefined();
  });

  it('reads the heartbeat both ways, with a whole, non-negative counter only', () => {
    expect(parseStageClientMessage(JSON.stringify({ t: 'ping', n: 7 }))).toEqual({ t: 'ping', n: 7 });
    expect(parseStageServerMessage(JSON.stringify({ t: 'pong', n: 7 }))).toEqual({ t: 'pong', n: 7 });
    expect(parseStageClientMessage(JSON.stringify({ t: 'ping' }))).toBeUndefined();
    expect(parseStageClientMessage(JSON.stringify({ t: 'ping', n: -1 }))).toBeUndefined();
    expect(parseStageClientMessage(JSON.stringify({ t: 'ping', n: 1.5 }))).toBeUndefined();
    expect(parseStageServerMessage(JSON.stringify({ t: 'ping', n: 1 }))).toBeUndefined();
  });
});
