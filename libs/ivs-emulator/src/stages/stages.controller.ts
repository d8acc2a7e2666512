import { All, Body, Controller, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { IvsApiError } from '../aws-protocol/ivs-api.errors';
import { IvsApiErrorFilter } from '../aws-protocol/ivs-api-error.filter';
import { parseIvsRequest } from '../aws-protocol/ivs-request.validation';
import { ParticipantTokensService } from './participant-tokens.service';
import { ParticipantsService } from './participants.service';
import {
  createParticipantTokenRequest,
  createStageRequest,
  disconnectParticipantRequest,
  listParticipantsRequest,
  listStagesRequest,
  stageArnRequest,
  updateStageRequest,
} from './stages.schemas';
import { StagesService } from './stages.service';

/**
 * `@aws-sdk/client-ivs-realtime` with `endpoint: <publicUrl>/_ivs/realtime` lands here.
 * Every operation answers 200 with a JSON body, as the SDK's schemas declare.
 */
@Controller('_ivs/realtime')
@UseFilters(IvsApiErrorFilter)
export class IvsRealtimeController {
  constructor(
    private readonly stages: StagesService,
    private readonly tokens: ParticipantTokensService,
    private readonly participants: ParticipantsService,
  ) {}

  @Post('CreateStage')
  @HttpCode(200)
  createStage(@Body() body: unknown) {
    return this.stages.createStage(parseIvsRequest(createStageRequest, body));
  }

  @Post('GetStage')
  @HttpCode(200)
  async getStage(@Body() body: unknown) {
    return { stage: await this.stages.getStage(parseIvsRequest(stageArnRequest, body).arn) };
  }

  @Post('UpdateStage')
  @HttpCode(200)
  async updateStage(@Body() body: unknown) {
    return { stage: await this.stages.updateStage(parseIvsRequest(updateStageRequest, body)) };
  }

  @Post('DeleteStage')
  @HttpCode(200)
  async deleteStage(@Body() body: unknown) {
    await this.stages.deleteStage(parseIvsRequest(stageArnRequest, body).arn);
    return {};
  }

  @Post('ListStages')
  @HttpCode(200)
  listStages(@Body() body: unknown) {
    return this.stages.listStages(parseIvsRequest(listStagesRequest, body));
  }

  @Post('CreateParticipantToken')
  @HttpCode(200)
  async createParticipantToken(@Body() body: unknown) {
    const { stageArn, ...config } = parseIvsRequest(createParticipantTokenRequest, body);
    return { participantToken: await this.tokens.createParticipantToken(stageArn, config) };
  }

  @Post('DisconnectParticipant')
  @HttpCode(200)
  async disconnectParticipant(@Body() body: unknown) {
    const req = parseIvsRequest(disconnectParticipantRequest, body);
    await this.tokens.disconnectParticipant(req.stageArn, req.participantId, req.reason);
    return {};
  }

  @Post('ListParticipants')
  @HttpCode(200)
  listParticipants(@Body() body: unknown) {
    return this.participants.listParticipants(parseIvsRequest(listParticipantsRequest, body));
  }

  @All('*path')
  notImplemented(@Param('path') path: string[] | string) {
    const operation = Array.isArray(path) ? path.join('/') : path;
    throw new IvsApiError('NotImplementedException', `The IVS emulator does not implement ${operation}.`);
  }
}
