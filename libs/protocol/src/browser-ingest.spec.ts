import { parseIngestClientMessage, parseIngestServerMessage } from './browser-ingest';

describe('browser ingest wire', () => {
  it('reads start and stop, nothing else', () => {
    const start = { t: 'start', streamKey: 'sk_us-east-1_abc', mimeType: 'video/webm;codecs=h264,opus' };
    expect(parseIngestClientMessage(JSON.stringify(start))).toEqual(start);
    expect(parseIngestClientMessage(JSON.stringify({ t: 'stop' }))).toEqual({ t: 'stop' });
    expect(parseIngestClientMessage(JSON.stringify({ ...start, streamKey: 'k'.repeat(257) }))).toBeUndefined();
    expect(parseIngestClientMessage(JSON.stringify({ t: 'pause' }))).toBeUndefined();
    expect(parseIngestClientMessage('not json')).toBeUndefined();
  });

  it('the sink reads live, error and ended with known codes and reasons', () => {
    expect(parseIngestServerMessage(JSON.stringify({ t: 'live', streamId: 'st-1' }))).toEqual({ t: 'live', streamId: 'st-1' });
    expect(parseIngestServerMessage(JSON.stringify({ t: 'ended', reason: 'TAKEOVER' }))).toEqual({ t: 'ended', reason: 'TAKEOVER' });
    expect(parseIngestServerMessage(JSON.stringify({ t: 'ended', reason: 'ENDED' }))).toBeUndefined();
    expect(parseIngestServerMessage(JSON.stringify({ t: 'error', code: 'NOPE', message: '' }))).toBeUndefined();
  });
});
