import { All, Body, Controller, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { IvsApiError } from '../aws-protocol/ivs-api.errors';
import { IvsApiErrorFilter } from '../aws-protocol/ivs-api-error.filter';
import { parseIvsRequest } from '../aws-protocol/ivs-request.validation';
import {
  byChannelArnRequest,
  channelArnRequest,
  createChannelRequest,
  createStreamKeyRequest,
  getStreamSessionRequest,
  listChannelsRequest,
  listStreamSessionsRequest,
  listStreamKeysRequest,
  streamKeyArnRequest,
} from './channels.schemas';
import { ChannelsService } from './channels.service';
import { StreamsService } from './streams.service';

/**
 * `@aws-sdk/client-ivs` with `endpoint: <publicUrl>/_ivs/channels` lands here: REST-JSON,
 * `POST /<Operation>`. Status codes follow the SDK's operation schemas (deletes answer 204).
 */
@Controller('_ivs/channels')
@UseFilters(IvsApiErrorFilter)
export class IvsChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly streams: StreamsService,
  ) {}

  @Post('CreateChannel')
  @HttpCode(200)
  createChannel(@Body() body: unknown) {
    return this.channels.createChannel(parseIvsRequest(createChannelRequest, body));
  }

  @Post('GetChannel')
  @HttpCode(200)
  async getChannel(@Body() body: unknown) {
    return { channel: await this.channels.getChannel(parseIvsRequest(channelArnRequest, body).arn) };
  }

  @Post('DeleteChannel')
  @HttpCode(204)
  async deleteChannel(@Body() body: unknown): Promise<void> {
    await this.channels.deleteChannel(parseIvsRequest(channelArnRequest, body).arn);
  }

  @Post('ListChannels')
  @HttpCode(200)
  listChannels(@Body() body: unknown) {
    return this.channels.listChannels(parseIvsRequest(listChannelsRequest, body));
  }

  @Post('CreateStreamKey')
  @HttpCode(200)
  async createStreamKey(@Body() body: unknown) {
    const req = parseIvsRequest(createStreamKeyRequest, body);
    return { streamKey: await this.channels.createStreamKey(req.channelArn, req.tags) };
  }

  @Post('GetStreamKey')
  @HttpCode(200)
  async getStreamKey(@Body() body: unknown) {
    return { streamKey: await this.channels.getStreamKey(parseIvsRequest(streamKeyArnRequest, body).arn) };
  }

  @Post('DeleteStreamKey')
  @HttpCode(204)
  async deleteStreamKey(@Body() body: unknown): Promise<void> {
    await this.channels.deleteStreamKey(parseIvsRequest(streamKeyArnRequest, body).arn);
  }

  @Post('ListStreamKeys')
  @HttpCode(200)
  listStreamKeys(@Body() body: unknown) {
    return this.channels.listStreamKeys(parseIvsRequest(listStreamKeysRequest, body));
  }

  @Post('GetStream')
  @HttpCode(200)
  async getStream(@Body() body: unknown) {
    return { stream: await this.streams.getStream(parseIvsRequest(byChannelArnRequest, body).channelArn) };
  }

  @Post('StopStream')
  @HttpCode(200)
  async stopStream(@Body() body: unknown) {
    await this.streams.stopStream(parseIvsRequest(byChannelArnRequest, body).channelArn);
    return {};
  }

  @Post('ListStreamSessions')
  @HttpCode(200)
  listStreamSessions(@Body() body: unknown) {
    return this.streams.listStreamSessions(parseIvsRequest(listStreamSessionsRequest, body));
  }

  @Post('GetStreamSession')
  @HttpCode(200)
  async getStreamSession(@Body() body: unknown) {
    const req = parseIvsRequest(getStreamSessionRequest, body);
    return { streamSession: await this.streams.getStreamSession(req.channelArn, req.streamId) };
  }

  /** Anything else the SDK can send gets a clear answer instead of the host's 404 page. */
  @All('*path')
  notImplemented(@Param('path') path: string[] | string) {
    const operation = Array.isArray(path) ? path.join('/') : path;
    throw new IvsApiError('NotImplementedException', `The IVS emulator does not implement ${operation}.`);
  }
}
