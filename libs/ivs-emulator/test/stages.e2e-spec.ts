import {
  CreateParticipantTokenCommand,
  CreateStageCommand,
  DeleteStageCommand,
  DisconnectParticipantCommand,
  GetStageCommand,
  ListParticipantsCommand,
  ListStagesCommand,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-ivs-realtime';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jwt from 'jsonwebtoken';
import { PARTICIPANT_TOKEN_KEY_FILE } from '@streamcat/ivs-emulator';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';
import { ACCOUNT_ID, EmulatorApp, REGION, sdkError, startEmulatorApp } from './support/emulator-app';

describe('IVS emulator: stages and participant tokens through @aws-sdk/client-ivs-realtime', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: EmulatorApp;
  // Moved forward by the expiry test instead of waiting a real minute.
  let clockOffsetMs = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ivs-emu-stages-'));
    env = await startEmulatorApp(db.url, dataDir, { clock: () => new Date(Date.now() + clockOffsetMs) });
  });

  afterAll(async () => {
    await env?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(() => {
    clockOffsetMs = 0;
  });

  const createStage = (input: ConstructorParameters<typeof CreateStageCommand>[0] = {}) => env.realtime.send(new CreateStageCommand(input));
  const mint = (input: ConstructorParameters<typeof CreateParticipantTokenCommand>[0]) =>
    env.realtime.send(new CreateParticipantTokenCommand(input));
  const publicKeyFromDataDir = () => createPublicKey(readFileSync(join(dataDir, PARTICIPANT_TOKEN_KEY_FILE), 'utf8'));

  describe('CreateStage / GetStage / ListStages / DeleteStage', () => {
    it('creates a stage with endpoints and mints one token per configuration', async () => {
      const before = Date.now();
      const out = await createStage({
        name: 'studio-1',
        tags: { team: 'cats' },
        participantTokenConfigurations: [{ userId: 'host' }, { userId: 'guest', capabilities: ['SUBSCRIBE'], duration: 60 }],
      });
      const stage = out.stage!;
      expect(stage.arn).toMatch(new RegExp(`^arn:aws:ivs:${REGION}:${ACCOUNT_ID}:stage/[A-Za-z0-9]{12}$`));
      expect(stage).toMatchObject({
        name: 'studio-1',
        tags: { team: 'cats' },
        endpoints: {
          events: 'ws://localhost:3000/_ivs/stage/events',
          whip: 'http://localhost:3000/_ivs/stage/whip',
          rtmp: 'rtmp://localhost:1935/stage/',
          rtmps: 'rtmps://localhost:443/stage/',
        },
      });
      const [host, guest] = out.participantTokens!;
      expect(host).toMatchObject({ userId: 'host', duration: 720, capabilities: ['PUBLISH', 'SUBSCRIBE'] });
      expect(guest).toMatchObject({ userId: 'guest', duration: 60, capabilities: ['SUBSCRIBE'] });
      expect(host.participantId).not.toBe(guest.participantId);
      expect(host.expirationTime).toBeInstanceOf(Date);
      const expectedExpiry = before + 720 * 60_000;
      expect(Math.abs(host.expirationTime!.getTime() - expectedExpiry)).toBeLessThan(5_000);

      const got = await env.realtime.send(new GetStageCommand({ arn: stage.arn }));
      expect(got.stage).toEqual(stage);
      expect((await env.emulator.verifyParticipantToken(guest.token!)).ok).toBe(true);
    });

    it('lists stages page by page', async () => {
      const arns: string[] = [];
      for (let i = 0; i < 3; i++) arns.push((await createStage({ name: `list-${i}` })).stage!.arn!);
      const seen: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await env.realtime.send(new ListStagesCommand({ maxResults: 2, nextToken }));
        expect(page.stages!.length).toBeLessThanOrEqual(2);
        seen.push(...page.stages!.map((s) => s.arn!));
        nextToken = page.nextToken;
      } while (nextToken);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(arns));
    });

    it('DeleteStage kills every token of the stage and announces connected participants as disconnected', async () => {
      const { stage, participantTokens } = await createStage({ name: 'doomed', participantTokenConfigurations: [{ userId: 'a' }] });
      const token = participantTokens![0];
      await env.emulator.participantJoined(token.participantId!);
      const events: unknown[] = [];
      const off = env.emulator.onParticipantDisconnected((e) => {
        events.push(e);
      });
      try {
        await env.realtime.send(new DeleteStageCommand({ arn: stage!.arn }));
      } finally {
        off();
      }
      expect(events).toEqual([
        expect.objectContaining({ stageArn: stage!.arn, participantId: token.participantId, userId: 'a', cause: 'STAGE_DELETED' }),
      ]);
      const verdict = await env.emulator.verifyParticipantToken(token.token!);
      expect(verdict).toMatchObject({ ok: false, code: 'STAGE_DELETED' });
      expect(await sdkError(() => env.realtime.send(new GetStageCommand({ arn: stage!.arn })))).toBeInstanceOf(ResourceNotFoundException);
      expect(await sdkError(() => env.realtime.send(new DeleteStageCommand({ arn: stage!.arn })))).toBeInstanceOf(
        ResourceNotFoundException,
      );
      expect(await sdkError(() => mint({ stageArn: stage!.arn }))).toBeInstanceOf(ResourceNotFoundException);
    });

    it.each([
      ['a name with a slash', { name: 'a/b' }, 'name'],
      ['a name over 128 characters', { name: 'n'.repeat(129) }, 'name'],
      [
        '13 token configurations',
        { participantTokenConfigurations: Array.from({ length: 13 }, () => ({})) },
        'participantTokenConfigurations',
      ],
      [
        'a configuration with duration 0',
        { participantTokenConfigurations: [{ duration: 0 }] },
        'participantTokenConfigurations.0.duration',
      ],
    ])('rejects %s', async (_label, input, field) => {
      const err = await sdkError(() => createStage(input as never));
      expect(err).toBeInstanceOf(ValidationException);
      expect(err.message).toContain(`${field}:`);
    });

    it('accepts exactly 12 token configurations', async () => {
      const out = await createStage({ participantTokenConfigurations: Array.from({ length: 12 }, (_, i) => ({ userId: `u${i}` })) });
      expect(new Set(out.participantTokens!.map((t) => t.participantId)).size).toBe(12);
    });
  });

  describe('CreateParticipantToken', () => {
    it('mints an ES384 JWT with the IVS claim shape, signed by the key kept in the data dir', async () => {
      const { stage } = await createStage({ name: 'claims' });
      const { participantToken } = await mint({
        stageArn: stage!.arn,
        userId: 'user-42',
        duration: 30,
        attributes: { displayName: 'Cat', featured: 'true' },
        capabilities: ['PUBLISH'],
      });
      const token = participantToken!.token!;
      const decoded = jwt.decode(token, { complete: true })!;
      expect(decoded.header).toMatchObject({ alg: 'ES384', typ: 'JWT', kid: expect.any(String) });
      const claims = jwt.verify(token, publicKeyFromDataDir(), { algorithms: ['ES384'] }) as Record<string, unknown>;
      const stageId = stage!.arn!.split('/')[1];
      expect(claims).toEqual({
        exp: (claims.iat as number) + 30 * 60,
        iat: expect.any(Number),
        jti: participantToken!.participantId,
        resource: stage!.arn,
        topic: stageId,
        events_url: 'ws://localhost:3000/_ivs/stage/events',
        whip_url: 'http://localhost:3000/_ivs/stage/whip',
        user_id: 'user-42',
        attributes: { displayName: 'Cat', featured: 'true' },
        capabilities: { allow_publish: true, allow_subscribe: false },
        version: '1.0',
      });
      expect(participantToken).toMatchObject({
        userId: 'user-42',
        duration: 30,
        attributes: { displayName: 'Cat', featured: 'true' },
        capabilities: ['PUBLISH'],
      });
      expect(participantToken!.expirationTime!.getTime()).toBe((claims.exp as number) * 1000);

      // The signing key is private to the server process's user.
      expect(statSync(join(dataDir, PARTICIPANT_TOKEN_KEY_FILE)).mode & 0o777).toBe(0o600);

      const verdict = await env.emulator.verifyParticipantToken(token);
      expect(verdict).toMatchObject({
        ok: true,
        participantId: participantToken!.participantId,
        stageArn: stage!.arn,
        userId: 'user-42',
        canPublish: true,
        canSubscribe: false,
      });
    });

    it('mints a new participant id on every call, even for the same user', async () => {
      const { stage } = await createStage();
      const a = await mint({ stageArn: stage!.arn, userId: 'same' });
      const b = await mint({ stageArn: stage!.arn, userId: 'same' });
      expect(a.participantToken!.participantId).not.toBe(b.participantToken!.participantId);
      expect(a.participantToken!.participantId).toMatch(/^[A-Za-z0-9]{12}$/);
    });

    it('accepts attributes of exactly 1 KB and durations 1 and 20160', async () => {
      const { stage } = await createStage();
      const attributes = { k: 'v'.repeat(1023) }; // 1 + 1023 bytes
      expect((await mint({ stageArn: stage!.arn, attributes })).participantToken!.attributes).toEqual(attributes);
      expect((await mint({ stageArn: stage!.arn, duration: 1 })).participantToken!.duration).toBe(1);
      expect((await mint({ stageArn: stage!.arn, duration: 20160 })).participantToken!.duration).toBe(20160);
    });

    it.each([
      ['duration 0', { duration: 0 }, 'duration'],
      ['duration 20161', { duration: 20161 }, 'duration'],
      ['attributes over 1 KB', { attributes: { k: 'v'.repeat(1024) } }, 'attributes'],
      ['attributes over 1 KB counted in UTF-8 bytes', { attributes: { k: 'é'.repeat(512) } }, 'attributes'],
      ['an unknown capability', { capabilities: ['ADMIN'] }, 'capabilities.0'],
      ['a userId over 128 characters', { userId: 'u'.repeat(129) }, 'userId'],
    ])('rejects %s with ValidationException', async (_label, input, field) => {
      const { stage } = await createStage();
      const err = await sdkError(() => mint({ stageArn: stage!.arn, ...(input as object) }));
      expect(err).toBeInstanceOf(ValidationException);
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.message).toContain(`${field}:`);
    });

    it('requires an existing stage', async () => {
      expect(await sdkError(() => mint({ stageArn: undefined as never }))).toBeInstanceOf(ValidationException);
      expect(await sdkError(() => mint({ stageArn: 'arn:aws:ivs:us-east-1:123456789012:channel/abcdabcdabcd' }))).toBeInstanceOf(
        ValidationException,
      );
      expect(await sdkError(() => mint({ stageArn: `arn:aws:ivs:${REGION}:${ACCOUNT_ID}:stage/abcdabcdabcd` }))).toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });

  describe('verifyParticipantToken', () => {
    it('reports an expired token as TOKEN_EXPIRED', async () => {
      const { stage } = await createStage();
      const { participantToken } = await mint({ stageArn: stage!.arn, duration: 1 });
      expect((await env.emulator.verifyParticipantToken(participantToken!.token!)).ok).toBe(true);
      clockOffsetMs = 61_000;
      expect(await env.emulator.verifyParticipantToken(participantToken!.token!)).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' });
    });

    it('rejects tampered tokens and tokens signed by another key as TOKEN_INVALID', async () => {
      const { stage } = await createStage();
      const { participantToken } = await mint({ stageArn: stage!.arn, capabilities: ['SUBSCRIBE'] });
      const [header, payload, signature] = participantToken!.token!.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const escalated = Buffer.from(JSON.stringify({ ...claims, capabilities: { allow_publish: true, allow_subscribe: true } })).toString(
        'base64url',
      );
      expect(await env.emulator.verifyParticipantToken(`${header}.${escalated}.${signature}`)).toMatchObject({
        ok: false,
        code: 'TOKEN_INVALID',
      });
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
      const forged = jwt.sign(claims, privateKey, { algorithm: 'ES384' });
      expect(await env.emulator.verifyParticipantToken(forged)).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
      expect(await env.emulator.verifyParticipantToken('not-a-jwt')).toMatchObject({ ok: false, code: 'TOKEN_INVALID' });
    });
  });

  describe('DisconnectParticipant and ListParticipants', () => {
    it('tracks who joined, and a disconnect kills only that participant’s token', async () => {
      const { stage, participantTokens } = await createStage({
        name: 'party',
        participantTokenConfigurations: [{ userId: 'host' }, { userId: 'guest' }],
      });
      const [host, guest] = participantTokens!;
      const { sessionId } = await env.emulator.participantJoined(host.participantId!);
      // IVS stage session ids are 16 characters: st- and 13 alphanumerics.
      expect(sessionId).toMatch(/^st-[A-Za-z0-9]{13}$/);
      expect(await env.emulator.participantJoined(guest.participantId!)).toEqual({ sessionId });
      await env.emulator.setParticipantPublished(guest.participantId!, true);
      expect((await env.realtime.send(new GetStageCommand({ arn: stage!.arn }))).stage!.activeSessionId).toBe(sessionId);

      const listed = await env.realtime.send(new ListParticipantsCommand({ stageArn: stage!.arn, sessionId }));
      expect(listed.participants!.map((p) => [p.userId, p.state, p.published]).sort()).toEqual([
        ['guest', 'CONNECTED', true],
        ['host', 'CONNECTED', false],
      ]);
      expect(listed.participants![0].firstJoinTime).toBeInstanceOf(Date);

      const disconnected: unknown[] = [];
      const off = env.emulator.onParticipantDisconnected((e) => {
        disconnected.push(e);
      });
      try {
        await env.realtime.send(
          new DisconnectParticipantCommand({ stageArn: stage!.arn, participantId: guest.participantId, reason: 'Removed by host' }),
        );
      } finally {
        off();
      }
      expect(disconnected).toEqual([
        {
          stageArn: stage!.arn,
          participantId: guest.participantId,
          userId: 'guest',
          reason: 'Removed by host',
          cause: 'DISCONNECT_PARTICIPANT',
        },
      ]);
      expect(await env.emulator.verifyParticipantToken(guest.token!)).toMatchObject({ ok: false, code: 'TOKEN_DISCONNECTED' });
      expect((await env.emulator.verifyParticipantToken(host.token!)).ok).toBe(true);
      // A dead token cannot come back in.
      await expect(env.emulator.participantJoined(guest.participantId!)).rejects.toMatchObject({ errorName: 'ConflictException' });

      // `published` says whether they ever published in the session, so it outlives the connection.
      const gone = await env.realtime.send(new ListParticipantsCommand({ stageArn: stage!.arn, sessionId, filterByState: 'DISCONNECTED' }));
      expect(gone.participants!.map((p) => [p.userId, p.published])).toEqual([['guest', true]]);

      // Last one out ends the session.
      await env.emulator.participantLeft(host.participantId!);
      expect((await env.realtime.send(new GetStageCommand({ arn: stage!.arn }))).stage!.activeSessionId).toBeUndefined();
    });

    it('answers unknown participants with ResourceNotFoundException and bad input with ValidationException', async () => {
      const { stage } = await createStage();
      expect(
        await sdkError(() => env.realtime.send(new DisconnectParticipantCommand({ stageArn: stage!.arn, participantId: 'nobodyhere12' }))),
      ).toBeInstanceOf(ResourceNotFoundException);
      // IVS's participant id pattern is [a-zA-Z0-9-_]*: an underscore is a participant that is not there, not bad input.
      expect(
        await sdkError(() => env.realtime.send(new DisconnectParticipantCommand({ stageArn: stage!.arn, participantId: 'no_such-one' }))),
      ).toBeInstanceOf(ResourceNotFoundException);
      expect(
        await sdkError(() => env.realtime.send(new DisconnectParticipantCommand({ stageArn: stage!.arn, participantId: 'no such one' }))),
      ).toBeInstanceOf(ValidationException);
      const long = await sdkError(() =>
        env.realtime.send(new DisconnectParticipantCommand({ stageArn: stage!.arn, participantId: 'abc', reason: 'r'.repeat(129) })),
      );
      expect(long).toBeInstanceOf(ValidationException);
      expect(long.message).toContain('reason:');
      const twoFilters = await sdkError(() =>
        env.realtime.send(
          new ListParticipantsCommand({ stageArn: stage!.arn, sessionId: 'st-abc', filterByUserId: 'x', filterByPublished: true }),
        ),
      );
      expect(twoFilters).toBeInstanceOf(ValidationException);
      expect(
        await sdkError(() => env.realtime.send(new ListParticipantsCommand({ stageArn: stage!.arn, sessionId: undefined as never }))),
      ).toBeInstanceOf(ValidationException);
    });
  });
});
