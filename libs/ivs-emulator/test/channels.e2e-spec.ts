import {
  ChannelNotBroadcasting,
  ConflictException,
  CreateChannelCommand,
  CreateStreamKeyCommand,
  DeleteChannelCommand,
  DeleteStreamKeyCommand,
  GetChannelCommand,
  GetStreamCommand,
  GetStreamKeyCommand,
  GetStreamSessionCommand,
  ListChannelsCommand,
  ListStreamKeysCommand,
  ListStreamSessionsCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  StopStreamCommand,
  StreamUnavailable,
  ValidationException,
} from '@aws-sdk/client-ivs';
import { mkdtempSync, rmSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { ACCOUNT_ID, EmulatorApp, REGION, sdkError, startEmulatorApp } from './support/emulator-app';

describe('IVS emulator: channels, stream keys and streams through @aws-sdk/client-ivs', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: EmulatorApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ivs-emu-channels-'));
    env = await startEmulatorApp(db.url, dataDir);
  });

  afterAll(async () => {
    await env?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const createChannel = (name: string, extra: Partial<ConstructorParameters<typeof CreateChannelCommand>[0]> = {}) =>
    env.ivs.send(new CreateChannelCommand({ name, ...extra }));

  describe('CreateChannel / GetChannel', () => {
    it('creates a channel with IVS-shaped ARN, endpoints and a stream key', async () => {
      const out = await createChannel('alice', { latencyMode: 'NORMAL', type: 'BASIC', tags: { owner: 'alice' } });
      const channel = out.channel!;
      expect(channel.arn).toMatch(new RegExp(`^arn:aws:ivs:${REGION}:${ACCOUNT_ID}:channel/[A-Za-z0-9]{12}$`));
      const channelId = channel.arn!.split('/')[1];
      expect(channel).toMatchObject({
        name: 'alice',
        latencyMode: 'NORMAL',
        type: 'BASIC',
        ingestEndpoint: 'localhost',
        playbackUrl: `http://localhost:3000/_ivs/hls/${channelId}/live.m3u8`,
        authorized: false,
        tags: { owner: 'alice' },
      });
      expect(out.streamKey!.arn).toMatch(new RegExp(`^arn:aws:ivs:${REGION}:${ACCOUNT_ID}:stream-key/[A-Za-z0-9]{12}$`));
      expect(out.streamKey!.value).toMatch(/^sk_us-east-1_[A-Za-z0-9]{20,}$/);
      expect(out.streamKey!.channelArn).toBe(channel.arn);

      // The current SDK's Channel: SRT ingest (endpoint + passphrase) and an empty ad configuration.
      expect(channel.srt).toEqual({ endpoint: 'localhost', passphrase: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
      expect(channel.adConfigurationArn).toBe('');

      const got = await env.ivs.send(new GetChannelCommand({ arn: channel.arn }));
      expect(got.channel).toEqual(channel);
    });

    it('gives an insecure-ingest channel an SRT endpoint without a passphrase, and each channel its own passphrase', async () => {
      const insecure = (await createChannel('insecure', { insecureIngest: true })).channel!;
      expect(insecure.srt).toEqual({ endpoint: 'localhost' });
      const a = (await createChannel('srt-a')).channel!;
      const b = (await createChannel('srt-b')).channel!;
      expect(a.srt!.passphrase).not.toBe(b.srt!.passphrase);
      const listed = await env.ivs.send(new ListChannelsCommand({ filterByName: 'srt-a' }));
      expect(listed.channels).toEqual([expect.objectContaining({ arn: a.arn, adConfigurationArn: '' })]);
      expect(listed.channels![0]).not.toHaveProperty('srt');
    });

    it('defaults to a LOW latency STANDARD channel', async () => {
      const { channel } = await createChannel('defaults');
      expect(channel).toMatchObject({ latencyMode: 'LOW', type: 'STANDARD', preset: '' });
    });

    it.each([
      ['a name with a space', { name: 'bad name' }, 'name'],
      ['a name over 128 characters', { name: 'x'.repeat(129) }, 'name'],
      ['an unknown latency mode', { name: 'x', latencyMode: 'FAST' }, 'latencyMode'],
      ['an unknown channel type', { name: 'x', type: 'PREMIUM' }, 'type'],
      ['a preset on a STANDARD channel', { name: 'x', type: 'STANDARD', preset: 'HIGHER_BANDWIDTH_DELIVERY' }, 'preset'],
    ])('rejects %s with a ValidationException naming the field', async (_label, input, field) => {
      const err = await sdkError(() => env.ivs.send(new CreateChannelCommand(input as never)));
      expect(err).toBeInstanceOf(ValidationException);
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.message).toContain(`${field}:`);
    });

    it('answers GetChannel for an unknown ARN with ResourceNotFoundException', async () => {
      const err = await sdkError(() =>
        env.ivs.send(new GetChannelCommand({ arn: `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:channel/nosuchchannel` })),
      );
      expect(err).toBeInstanceOf(ResourceNotFoundException);
      expect(err.$metadata.httpStatusCode).toBe(404);
    });

    it('answers a malformed ARN with ValidationException', async () => {
      const err = await sdkError(() => env.ivs.send(new GetChannelCommand({ arn: 'not-an-arn' })));
      expect(err).toBeInstanceOf(ValidationException);
      expect(err.message).toContain('arn:');
    });

    it("answers another account's ARN with AccessDeniedException", async () => {
      const err = await sdkError(() =>
        env.ivs.send(new GetChannelCommand({ arn: `arn:aws:ivs:${REGION}:999999999999:channel/abcdabcdabcd` })),
      );
      expect(err.name).toBe('AccessDeniedException');
      expect(err.$metadata.httpStatusCode).toBe(403);
    });
  });

  describe('ListChannels', () => {
    it('filters by name and pages with nextToken without repeating or skipping channels', async () => {
      const names = ['page-a', 'page-b', 'page-c'];
      const created = [];
      for (const n of names) created.push((await createChannel(n)).channel!.arn!);

      const filtered = await env.ivs.send(new ListChannelsCommand({ filterByName: 'page-b' }));
      expect(filtered.channels!.map((c) => c.arn)).toEqual([created[1]]);
      expect(filtered.channels![0]).toMatchObject({ name: 'page-b', latencyMode: 'LOW', type: 'STANDARD' });

      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await env.ivs.send(new ListChannelsCommand({ maxResults: 2, nextToken }));
        expect(page.channels!.length).toBeLessThanOrEqual(2);
        seen.push(...page.channels!.map((c) => c.arn!));
        nextToken = page.nextToken;
        pages++;
      } while (nextToken);
      expect(pages).toBeGreaterThan(1);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(created));
    });

    it('rejects maxResults outside 1–100 and a forged nextToken', async () => {
      expect(await sdkError(() => env.ivs.send(new ListChannelsCommand({ maxResults: 0 })))).toBeInstanceOf(ValidationException);
      expect(await sdkError(() => env.ivs.send(new ListChannelsCommand({ maxResults: 101 })))).toBeInstanceOf(ValidationException);
      expect(await sdkError(() => env.ivs.send(new ListChannelsCommand({ nextToken: 'garbage' })))).toBeInstanceOf(ValidationException);
    });

    it('refuses two filters at once with ConflictException, as IVS does', async () => {
      const err = await sdkError(() =>
        env.ivs.send(
          new ListChannelsCommand({
            filterByName: 'x',
            filterByRecordingConfigurationArn: `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:recording-configuration/abcdabcdabcd`,
          }),
        ),
      );
      expect(err).toBeInstanceOf(ConflictException);
    });
  });

  describe('stream keys', () => {
    it('allows one key per channel: a second is a quota error, rotation is delete + create', async () => {
      const { channel, streamKey } = await createChannel('keys');
      const err = await sdkError(() => env.ivs.send(new CreateStreamKeyCommand({ channelArn: channel!.arn })));
      expect(err).toBeInstanceOf(ServiceQuotaExceededException);
      expect(err.$metadata.httpStatusCode).toBe(402);

      const got = await env.ivs.send(new GetStreamKeyCommand({ arn: streamKey!.arn }));
      expect(got.streamKey).toMatchObject({ arn: streamKey!.arn, value: streamKey!.value, channelArn: channel!.arn });
      const listed = await env.ivs.send(new ListStreamKeysCommand({ channelArn: channel!.arn }));
      expect(listed.streamKeys).toEqual([{ arn: streamKey!.arn, channelArn: channel!.arn, tags: {} }]);

      await env.ivs.send(new DeleteStreamKeyCommand({ arn: streamKey!.arn }));
      expect(await sdkError(() => env.ivs.send(new GetStreamKeyCommand({ arn: streamKey!.arn })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      expect(await env.emulator.findChannelByStreamKey(streamKey!.value!)).toBeNull();

      const rotated = await env.ivs.send(new CreateStreamKeyCommand({ channelArn: channel!.arn, tags: { v: '2' } }));
      expect(rotated.streamKey!.value).not.toBe(streamKey!.value);
      expect(rotated.streamKey!.tags).toEqual({ v: '2' });
      expect(await env.emulator.findChannelByStreamKey(rotated.streamKey!.value!)).toEqual({
        channelArn: channel!.arn,
        channelId: channel!.arn!.split('/')[1],
        channelName: 'keys',
        streamKeyArn: rotated.streamKey!.arn,
      });
    });

    it('answers unknown keys and channels with ResourceNotFoundException', async () => {
      const missingKey = `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:stream-key/abcdefabcdef`;
      const missingChannel = `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:channel/abcdefabcdef`;
      expect(await sdkError(() => env.ivs.send(new DeleteStreamKeyCommand({ arn: missingKey })))).toBeInstanceOf(ResourceNotFoundException);
      expect(await sdkError(() => env.ivs.send(new CreateStreamKeyCommand({ channelArn: missingChannel })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      expect(await sdkError(() => env.ivs.send(new ListStreamKeysCommand({ channelArn: missingChannel })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });

  describe('streams', () => {
    it('reports an offline channel as ChannelNotBroadcasting on GetStream and StopStream', async () => {
      const { channel } = await createChannel('offline');
      const get = await sdkError(() => env.ivs.send(new GetStreamCommand({ channelArn: channel!.arn })));
      expect(get).toBeInstanceOf(ChannelNotBroadcasting);
      expect(get.name).toBe('ChannelNotBroadcasting');
      expect(get.$metadata.httpStatusCode).toBe(404);
      const stop = await sdkError(() => env.ivs.send(new StopStreamCommand({ channelArn: channel!.arn })));
      expect(stop).toBeInstanceOf(ChannelNotBroadcasting);
    });

    it('shows a live stream, its health and viewers; StopStream cuts it through the stop hook', async () => {
      const { channel } = await createChannel('live');
      const arn = channel!.arn!;
      const before = Date.now();
      const { streamId } = await env.emulator.startStream(arn);
      await env.emulator.setStreamHealth(arn, { health: 'STARVING', viewerCount: 7 });

      const { stream } = await env.ivs.send(new GetStreamCommand({ channelArn: arn }));
      expect(stream).toMatchObject({
        channelArn: arn,
        streamId,
        state: 'LIVE',
        health: 'STARVING',
        viewerCount: 7,
        playbackUrl: channel!.playbackUrl,
      });
      expect(stream!.startTime).toBeInstanceOf(Date);
      expect(stream!.startTime!.getTime()).toBeGreaterThanOrEqual(before - 1000);

      // Deleting a live channel is refused.
      const del = await sdkError(() => env.ivs.send(new DeleteChannelCommand({ arn })));
      expect(del).toBeInstanceOf(ConflictException);
      expect(del.$metadata.httpStatusCode).toBe(409);

      const cut: string[] = [];
      const unregister = env.emulator.onStopStream(async (e) => {
        cut.push(`${e.channelArn}|${e.streamId}`);
      });
      try {
        await env.ivs.send(new StopStreamCommand({ channelArn: arn }));
      } finally {
        unregister();
      }
      expect(cut).toEqual([`${arn}|${streamId}`]);
      expect(await sdkError(() => env.ivs.send(new GetStreamCommand({ channelArn: arn })))).toBeInstanceOf(ChannelNotBroadcasting);

      // Offline now, so deletion goes through and takes the key with it.
      await env.ivs.send(new DeleteChannelCommand({ arn }));
      expect(await sdkError(() => env.ivs.send(new GetChannelCommand({ arn })))).toBeInstanceOf(ResourceNotFoundException);
      const keys = await env.app
        .get(DataSource)
        .query(`SELECT count(*)::int AS n FROM ivs_emu_stream_keys k JOIN ivs_emu_channels c ON c.id = k.channel_id WHERE c.arn = $1`, [
          arn,
        ]);
      expect(keys[0].n).toBe(0);
    });

    it('a second start replaces the live stream (takeover); endStream takes the channel offline', async () => {
      const { channel } = await createChannel('takeover');
      const arn = channel!.arn!;
      const first = await env.emulator.startStream(arn);
      const second = await env.emulator.startStream(arn);
      expect(second.streamId).not.toBe(first.streamId);
      const { stream } = await env.ivs.send(new GetStreamCommand({ channelArn: arn }));
      expect(stream!.streamId).toBe(second.streamId);

      expect(await env.emulator.endStream(arn)).toEqual({ streamId: second.streamId });
      expect(await env.emulator.endStream(arn)).toBeNull();
      expect(await sdkError(() => env.ivs.send(new GetStreamCommand({ channelArn: arn })))).toBeInstanceOf(ChannelNotBroadcasting);
    });

    it('answers StreamUnavailable (503) when the encoder cannot be cut, leaving the stream live', async () => {
      const { channel } = await createChannel('stuck');
      const arn = channel!.arn!;
      const { streamId } = await env.emulator.startStream(arn);
      const unregister = env.emulator.onStopStream(async () => {
        throw new Error('the encoder connection would not close');
      });
      try {
        const err = await sdkError(() => env.ivs.send(new StopStreamCommand({ channelArn: arn })));
        expect(err).toBeInstanceOf(StreamUnavailable);
        expect(err.$metadata.httpStatusCode).toBe(503);
        expect(err.message).toBe('The stream is temporarily unavailable.');
      } finally {
        unregister();
      }
      expect((await env.ivs.send(new GetStreamCommand({ channelArn: arn }))).stream).toMatchObject({ streamId, state: 'LIVE' });
      await env.ivs.send(new StopStreamCommand({ channelArn: arn }));
      expect(await sdkError(() => env.ivs.send(new GetStreamCommand({ channelArn: arn })))).toBeInstanceOf(ChannelNotBroadcasting);
    });

    it('DeleteChannel of an unknown channel is ResourceNotFoundException', async () => {
      const err = await sdkError(() =>
        env.ivs.send(new DeleteChannelCommand({ arn: `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:channel/abcdefabcdef` })),
      );
      expect(err).toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('stream sessions', () => {
    it("lists a channel's streams newest first, pages them, and describes one with its events", async () => {
      const { channel } = await createChannel('sessions');
      const arn = channel!.arn!;
      expect(await sdkError(() => env.ivs.send(new GetStreamSessionCommand({ channelArn: arn })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      expect((await env.ivs.send(new ListStreamSessionsCommand({ channelArn: arn }))).streamSessions).toEqual([]);

      const first = await env.emulator.startStream(arn);
      expect(first.streamId).toMatch(/^st-[A-Za-z0-9]{23}$/);
      const second = await env.emulator.startStream(arn); // takes over the first
      await env.emulator.endStream(arn);
      const third = await env.emulator.startStream(arn);

      const listed = await env.ivs.send(new ListStreamSessionsCommand({ channelArn: arn }));
      expect(listed.streamSessions!.map((s) => s.streamId)).toEqual([third.streamId, second.streamId, first.streamId]);
      const [live, ended] = listed.streamSessions!;
      expect(live.endTime).toBeUndefined();
      expect(ended).toEqual({ streamId: second.streamId, startTime: expect.any(Date), endTime: expect.any(Date), hasErrorEvent: false });
      expect(ended.endTime!.getTime()).toBeGreaterThanOrEqual(ended.startTime!.getTime());

      const page1 = await env.ivs.send(new ListStreamSessionsCommand({ channelArn: arn, maxResults: 2 }));
      const page2 = await env.ivs.send(new ListStreamSessionsCommand({ channelArn: arn, maxResults: 2, nextToken: page1.nextToken }));
      expect([...page1.streamSessions!, ...page2.streamSessions!].map((s) => s.streamId)).toEqual(
        listed.streamSessions!.map((s) => s.streamId),
      );
      expect(page2.nextToken).toBeUndefined();

      const latest = (await env.ivs.send(new GetStreamSessionCommand({ channelArn: arn }))).streamSession!;
      expect(latest).toMatchObject({ streamId: third.streamId, channel: { arn, name: 'sessions', srt: channel!.srt } });
      expect(latest.endTime).toBeUndefined();
      expect(latest.truncatedEvents).toEqual([{ name: 'Stream Start', type: 'IVS Stream State Change', eventTime: expect.any(Date) }]);

      const replaced = (await env.ivs.send(new GetStreamSessionCommand({ channelArn: arn, streamId: first.streamId }))).streamSession!;
      expect(replaced.truncatedEvents!.map((e) => e.name)).toEqual(['Stream Takeover', 'Stream Start']);
      expect(replaced.startTime!.getTime()).toBe(first.startTime.getTime());
    });

    it('answers an unknown session with ResourceNotFoundException and a malformed id with ValidationException', async () => {
      const { channel } = await createChannel('no-sessions');
      const arn = channel!.arn!;
      const unknown = await sdkError(() =>
        env.ivs.send(new GetStreamSessionCommand({ channelArn: arn, streamId: 'st-abcdefghijklmnopqrstuvw' })),
      );
      expect(unknown).toBeInstanceOf(ResourceNotFoundException);
      const bad = await sdkError(() => env.ivs.send(new GetStreamSessionCommand({ channelArn: arn, streamId: 'stream-1' })));
      expect(bad).toBeInstanceOf(ValidationException);
      expect(bad.message).toContain('streamId:');
      const tooMany = await sdkError(() => env.ivs.send(new ListStreamSessionsCommand({ channelArn: arn, maxResults: 101 })));
      expect(tooMany).toBeInstanceOf(ValidationException);
    });
  });
});
