import { Injectable } from '@nestjs/common';
import { ChannelsService, StreamKeyOwner } from './channels/channels.service';
import { StreamsService } from './channels/streams.service';
import { IvsEmulatorEventName, IvsEmulatorEvents, IvsEmulatorListener, StreamHealth } from './ivs-emulator.events';
import { ParticipantTokensService, ParticipantTokenVerification } from './stages/participant-tokens.service';
import { ParticipantsService } from './stages/participants.service';

/**
 * The in-process face of the emulator for the media plane (SFU, ingest) and tests: what the
 * AWS API cannot express (who is live, who connected, is this token still good).
 * Channel-side methods throw IvsApiError (ResourceNotFoundException, ChannelNotBroadcasting).
 */
@Injectable()
export class IvsEmulatorService {
  constructor(
    private readonly channels: ChannelsService,
    private readonly streams: StreamsService,
    private readonly tokens: ParticipantTokensService,
    private readonly participants: ParticipantsService,
    private readonly events: IvsEmulatorEvents,
  ) {}

  /** Checks a participant token as the SFU must before admitting a connection. */
  verifyParticipantToken(token: string): Promise<ParticipantTokenVerification> {
    return this.tokens.verifyParticipantToken(token);
  }

  /** PEM (SPKI) public key that verifies participant tokens. */
  get participantTokenPublicKeyPem(): string {
    return this.tokens.publicKeyPem;
  }

  /** The SFU reports a connection; returns the stage session it joined. */
  participantJoined(participantId: string): Promise<{ sessionId: string }> {
    return this.participants.markJoined(participantId);
  }

  participantLeft(participantId: string): Promise<void> {
    return this.participants.markLeftById(participantId);
  }

  setParticipantPublished(participantId: string, published: boolean): Promise<void> {
    return this.participants.setPublished(participantId, published);
  }

  findChannelByStreamKey(streamKeyValue: string): Promise<StreamKeyOwner | null> {
    return this.channels.findChannelByStreamKey(streamKeyValue);
  }

  startStream(channelArn: string): Promise<{ streamId: string; startTime: Date }> {
    return this.streams.startStream(channelArn);
  }

  endStream(channelArn: string): Promise<{ streamId: string } | null> {
    return this.streams.endStream(channelArn);
  }

  setStreamHealth(channelArn: string, update: { health?: StreamHealth; viewerCount?: number }): Promise<void> {
    return this.streams.setStreamHealth(channelArn, update);
  }

  /**
   * The ingest registers here to be told to cut an encoder when StopStream is called.
   * StopStream waits for the handler before answering. Returns an unregister function.
   */
  onStopStream(handler: IvsEmulatorListener<'streamStopRequested'>): () => void {
    return this.events.on('streamStopRequested', handler);
  }

  /** The SFU registers here to drop a connection whose token was just killed. */
  onParticipantDisconnected(handler: IvsEmulatorListener<'participantDisconnected'>): () => void {
    return this.events.on('participantDisconnected', handler);
  }

  /** Any other emulator fact (stream started/ended, stage deleted, health changed). */
  on<K extends IvsEmulatorEventName>(name: K, handler: IvsEmulatorListener<K>): () => void {
    return this.events.on(name, handler);
  }
}
