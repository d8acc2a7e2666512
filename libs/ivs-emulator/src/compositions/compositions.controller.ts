import { Body, Controller, HttpCode, Post, UseFilters } from '@nestjs/common';
import { IvsApiErrorFilter } from '../aws-protocol/ivs-api-error.filter';
import { parseIvsRequest } from '../aws-protocol/ivs-request.validation';
import { CompositionConfigurationsService } from './composition-configurations.service';
import {
  compositionArnRequest,
  createEncoderConfigurationRequest,
  createStorageConfigurationRequest,
  encoderConfigurationArnRequest,
  listCompositionsRequest,
  listConfigurationsRequest,
  startCompositionRequest,
  storageConfigurationArnRequest,
} from './compositions.schemas';
import { CompositionsService } from './compositions.service';

/**
 * Server-side composition operations of `@aws-sdk/client-ivs-realtime` (endpoint `<publicUrl>/_ivs/realtime`).
 * Registered before IvsRealtimeController, whose `*path` catch-all answers every other operation 501.
 */
@Controller('_ivs/realtime')
@UseFilters(IvsApiErrorFilter)
export class IvsCompositionsController {
  constructor(
    private readonly compositions: CompositionsService,
    private readonly configurations: CompositionConfigurationsService,
  ) {}

  @Post('StartComposition')
  @HttpCode(200)
  startComposition(@Body() body: unknown) {
    return this.compositions.startComposition(parseIvsRequest(startCompositionRequest, body));
  }

  @Post('StopComposition')
  @HttpCode(200)
  async stopComposition(@Body() body: unknown) {
    await this.compositions.stopComposition(parseIvsRequest(compositionArnRequest, body).arn);
    return {};
  }

  @Post('GetComposition')
  @HttpCode(200)
  async getComposition(@Body() body: unknown) {
    return { composition: await this.compositions.getComposition(parseIvsRequest(compositionArnRequest, body).arn) };
  }

  @Post('ListCompositions')
  @HttpCode(200)
  listCompositions(@Body() body: unknown) {
    return this.compositions.listCompositions(parseIvsRequest(listCompositionsRequest, body));
  }

  @Post('CreateEncoderConfiguration')
  @HttpCode(200)
  async createEncoderConfiguration(@Body() body: unknown) {
    return {
      encoderConfiguration: await this.configurations.createEncoderConfiguration(parseIvsRequest(createEncoderConfigurationRequest, body)),
    };
  }

  @Post('GetEncoderConfiguration')
  @HttpCode(200)
  async getEncoderConfiguration(@Body() body: unknown) {
    return {
      encoderConfiguration: await this.configurations.getEncoderConfiguration(parseIvsRequest(encoderConfigurationArnRequest, body).arn),
    };
  }

  @Post('DeleteEncoderConfiguration')
  @HttpCode(200)
  async deleteEncoderConfiguration(@Body() body: unknown) {
    await this.configurations.deleteEncoderConfiguration(parseIvsRequest(encoderConfigurationArnRequest, body).arn);
    return {};
  }

  @Post('ListEncoderConfigurations')
  @HttpCode(200)
  listEncoderConfigurations(@Body() body: unknown) {
    return this.configurations.listEncoderConfigurations(parseIvsRequest(listConfigurationsRequest, body));
  }

  @Post('CreateStorageConfiguration')
  @HttpCode(200)
  async createStorageConfiguration(@Body() body: unknown) {
    return {
      storageConfiguration: await this.configurations.createStorageConfiguration(parseIvsRequest(createStorageConfigurationRequest, body)),
    };
  }

  @Post('GetStorageConfiguration')
  @HttpCode(200)
  async getStorageConfiguration(@Body() body: unknown) {
    return {
      storageConfiguration: await this.configurations.getStorageConfiguration(parseIvsRequest(storageConfigurationArnRequest, body).arn),
    };
  }

  @Post('DeleteStorageConfiguration')
  @HttpCode(200)
  async deleteStorageConfiguration(@Body() body: unknown) {
    await this.configurations.deleteStorageConfiguration(parseIvsRequest(storageConfigurationArnRequest, body).arn);
    return {};
  }

  @Post('ListStorageConfigurations')
  @HttpCode(200)
  listStorageConfigurations(@Body() body: unknown) {
    return this.configurations.listStorageConfigurations(parseIvsRequest(listConfigurationsRequest, body));
  }
}
