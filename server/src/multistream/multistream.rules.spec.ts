import {
  backoffMs,
  bestVariant,
  failureReason,
  IDLE,
  nextStatus,
  progressShowsMedia,
  relayArgs,
  relaySource,
  relayTarget,
} from './multistream.rules';

const t0 = new Date('2026-12-04T10:00:00.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

describe('multistream relay state', () => {
  it('connecting → live on progress; a failure retries after 2 s, doubling to at most 60 s; going live resets the count', () => {
    let s = nextStatus(IDLE(t0), { kind: 'started' }, t0).status;
    expect(s.state).toBe('connecting');
    expect(nextStatus(s, { kind: 'started' }, later(1)).status).toBe(s);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = nextStatus(s, { kind: 'exited', reason: 'Connection refused' }, later(i));
      expect(r.status).toMatchObject({ state: 'retrying', reason: 'Connection refused', failures: i + 1 });
      expect(Date.parse(r.status.retryAt!)).toBe(later(i).getTime() + r.retryInMs!);
      delays.push(r.retryInMs!);
      s = nextStatus(r.status, { kind: 'started' }, later(i)).status;
      // The reason stays visible while the next attempt connects.
      expect(s).toMatchObject({ state: 'connecting', reason: 'Connection refused', retryAt: null });
    }
    expect(delays).toEqual([2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    const live = nextStatus(s, { kind: 'progress' }, later(9)).status;
    expect(live).toMatchObject({ state: 'live', reason: null, failures: 0 });
    expect(nextStatus(live, { kind: 'progress' }, later(10)).status).toBe(live);
    expect(nextStatus(live, { kind: 'exited', reason: 'x' }, later(11)).retryInMs).toBe(2000);
  });

  it('stopping makes it idle, once', () => {
    const live = nextStatus(IDLE(t0), { kind: 'progress' }, t0).status;
    const idle = nextStatus(live, { kind: 'stopped' }, later(1));
    expect(idle).toEqual({ status: IDLE(later(1)) });
    expect(nextStatus(idle.status, { kind: 'stopped' }, later(2)).status).toBe(idle.status);
    expect(backoffMs(0)).toBe(0);
    expect(backoffMs(1000)).toBe(60_000);
  });
});

describe('failure reasons', () => {
  it('names the cause from ffmpeg, without the key or ffmpeg’s context prefixes', () => {
    const stderr = [
      '[tcp @ 0x55d0c0a1b2c0] Connection to tcp://127.0.0.1:1935 failed: Connection refused',
      '[out#0/flv @ 0x55d0c0a1b2c0] Error opening output rtmp://127.0.0.1:1935/app/sk_secret_123: Connection refused',
      'Error opening output files: Connection refused',
    ].join('\n');
    const r = failureReason(stderr, { code: 1, signal: null }, ['sk_secret_123']);
    expect(r).toBe('Error opening output files: Connection refused');
    const withKey = failureReason(stderr.split('\n').slice(0, 2).join('\n'), { code: 1, signal: null }, ['sk_secret_123']);
    expect(withKey).toBe('Error opening output rtmp://127.0.0.1:1935/app/‹key›: Connection refused');
  });

  it('says something useful with no words from ffmpeg', () => {
    expect(failureReason('', { code: null, signal: 'SIGKILL' }, [])).toBe('the relay was stopped by SIGKILL');
    expect(failureReason('\n', { code: 8, signal: null }, [])).toBe('the relay ended (ffmpeg exit code 8)');
    expect(failureReason('x'.repeat(500) + ' error', { code: 1, signal: null }, []).length).toBe(200);
  });
});

describe('relay command', () => {
  it('publishes to url/key, copying audio and video into FLV from the source', () => {
    expect(relayTarget('rtmps://live.twitch.tv:443/app/', 'live_1')).toBe('rtmps://live.twitch.tv:443/app/live_1');
    const args = relayArgs('http://127.0.0.1:3000/_ivs/hls/abc/live.m3u8', 'rtmp://h/app/k');
    expect(args.slice(args.indexOf('-i'), args.indexOf('-i') + 2)).toEqual(['-i', 'http://127.0.0.1:3000/_ivs/hls/abc/live.m3u8']);
    expect(args.join(' ')).toContain('-c copy -f flv');
    expect(args).not.toContain('-re');
    expect(args.at(-1)).toBe('rtmp://h/app/k');
  });

  it('reads the local playback through the emulator it runs on; IVS playback as given', () => {
    expect(relaySource('http://localhost:3000/_ivs/hls/abc/live.m3u8', 'http://127.0.0.1:41234')).toBe(
      'http://127.0.0.1:41234/_ivs/hls/abc/live.m3u8',
    );
    const ivs = 'https://abc.us-east-1.playback.live-video.net/api/video/v1/us-east-1.123.channel.x.m3u8';
    expect(relaySource(ivs, null)).toBe(ivs);
  });

  it('copies the best rendition of a master playlist; a media playlist is read as it is', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-STREAM-INF:BANDWIDTH=630000,RESOLUTION=480x270,CODECS="avc1.4D401E,mp4a.40.2"',
      'https://cdn.example/360p.m3u8',
      '#EXT-X-STREAM-INF:CODECS="avc1.64002A,mp4a.40.2",BANDWIDTH=8500000,RESOLUTION=1920x1080',
      'chunklist_1080p.m3u8?t=1',
      '#EXT-X-STREAM-INF:BANDWIDTH=2100000',
      '720p.m3u8',
    ].join('\n');
    expect(bestVariant(master, 'https://pb.example/v1/master.m3u8')).toBe('https://pb.example/v1/chunklist_1080p.m3u8?t=1');
    expect(bestVariant('#EXTM3U\n#EXTINF:2.0,\nlive1.ts\n', 'http://x/live.m3u8')).toBeNull();
  });

  it('counts as live only once media was written', () => {
    expect(progressShowsMedia({ total_size: '0', out_time_us: '0' })).toBe(false);
    expect(progressShowsMedia({ total_size: '13', out_time_us: '0' })).toBe(false);
    expect(progressShowsMedia({ total_size: '18234', out_time_us: '1533333' })).toBe(true);
  });
});
