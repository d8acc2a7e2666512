import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateParticipantTokenCommand, CreateStageCommand, CreateStorageConfigurationCommand } from '@aws-sdk/client-ivs-realtime';
import { captureCameraRtp, mediaPublisher } from '../../../server/test/support/media-publisher';
import { eventually, MediaApp, startMediaApp } from './support/media-app';

function ffprobe(file: string): Promise<{ durationMs: number; codecs: string[] }> {
  return new Promise((resolve, reject) =>
    execFile('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name', '-of', 'json', file], (err, out, stderr) => {
      if (err) return reject(new Error(`ffprobe ${file}: ${stderr}`));
      const j = JSON.parse(out) as { format: { duration: string }; streams: { codec_name: string }[] };
      resolve({ durationMs: Math.round(Number(j.format.duration) * 1000), codecs: j.streams.map((s) => s.codec_name).sort() });
    }),
  );
}

/**
 * The emulator's individual participant recorder: a stage made through the SDK with recording on,
 * two werift publishers with real VP8 + Opus; each gets its own file under its S3 prefix
 * (`<stage>/<session>/<participant>/<id>/`), with `events/` documents and one Start and one End event.
 */
describe('IVS emulator: individual participant recording (real ffmpeg, werift publishers)', () => {
  let env: MediaApp;

  beforeAll(async () => {
    env = await startMediaApp();
  }, 60_000);

  afterAll(async () => {
    await env?.close();
  });

  it('records each publisher separately, about as long as it published', async () => {
    const rtp = await captureCameraRtp();
    const storage = await env.realtime.send(new CreateStorageConfigurationCommand({ s3: { bucketName: 'participant-recordings' } }));
    const stage = (
      await env.realtime.send(
        new CreateStageCommand({
          name: 'recorded',
          autoParticipantRecordingConfiguration: {
            storageConfigurationArn: storage.storageConfiguration!.arn!,
            hlsConfiguration: { targetSegmentDurationSeconds: 2 },
          },
        }),
      )
    ).stage!;
    const tokens = await Promise.all(
      ['a', 'b'].map(
        async (userId) => (await env.realtime.send(new CreateParticipantTokenCommand({ stageArn: stage.arn!, userId }))).participantToken!,
      ),
    );
    const publishers = await Promise.all(tokens.map((t) => mediaPublisher(env.baseUrl, t.token!, rtp)));
    await new Promise((r) => setTimeout(r, 8_000));
    const truth = await Promise.all(publishers.map(async (p) => (await p.leave()) - p.publishedAt));

    const events = await eventually(async () => {
      const e = env.sink.envelopes.filter((x) => x['detail-type'] === 'IVS Participant Recording State Change');
      return e.length >= 4 ? e : null;
    }, 20_000);
    expect(events.map((e) => e.detail.event_name).sort()).toEqual(['Recording End', 'Recording End', 'Recording Start', 'Recording Start']);
    for (const [i, t] of tokens.entries()) {
      const mine = events.filter((e) => e.detail.participant_id === t.participantId);
      const prefix = String(mine[0].detail.recording_s3_key_prefix);
      expect(prefix).toMatch(new RegExp(`^${stage.arn!.split('/')[1]}/st-[A-Za-z0-9]+/${t.participantId}/\\d+$`));
      expect(
        mine.every((e) => e.detail.recording_s3_key_prefix === prefix && e.detail.recording_s3_bucket_name === 'participant-recordings'),
      ).toBe(true);
      const dir = join(env.dataDir, 'recordings', '_buckets', 'participant-recordings', prefix);
      expect(JSON.parse(readFileSync(join(dir, 'events', 'recording-ended.json'), 'utf8'))).toMatchObject({
        recording_status: 'RECORDING_ENDED',
      });
      const file = join(dir, 'media', 'webm', 'recording.webm');
      expect(existsSync(file)).toBe(true);
      const probed = await ffprobe(file);

      console.log(`participant ${i}: published ${truth[i]} ms, file ${probed.durationMs} ms, ${probed.codecs.join('+')}`);
      expect(probed.codecs).toEqual(['opus', 'vp8']);
      expect(Math.abs(probed.durationMs - truth[i])).toBeLessThanOrEqual(2_000);
    }
  }, 90_000);
});
