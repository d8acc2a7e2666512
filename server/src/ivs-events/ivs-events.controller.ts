import { createHash, timingSafeEqual } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError } from '../http/app-error';
import { ApiErrors } from '../http/openapi';
import { IvsEventsService } from './ivs-events.service';

/** Hashing first gives equal-length buffers, so the comparison time says nothing about the key. */
export function apiKeyMatches(given: string | undefined, expected: string): boolean {
  if (!given || !expected) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const OUTCOME = { type: 'string', enum: ['applied', 'duplicate', 'ignored', 'orphan'] };

/** What an EventBridge API destination calls (see docs/aws.md). */
@ApiTags('ivs-events')
@Controller('api/ivs/events')
export class IvsEventsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: IvsEventsService,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Receive Amazon IVS events (one EventBridge event, or an array of up to 100)',
    description: '2xx only once every event is committed; 5xx means retry (redeliveries are recognised by envelope id).',
  })
  @ApiHeader({ name: 'x-api-key', required: true, description: 'IVS_EVENTS_API_KEY' })
  @ApiBody({ schema: { oneOf: [{ type: 'object' }, { type: 'array', maxItems: 100, items: { type: 'object' } }] } })
  @ApiResponse({
    status: 200,
    description: '{id, outcome} for one event, {results:[{id, outcome}]} for an array',
    schema: {
      oneOf: [
        { type: 'object', properties: { id: { type: 'string' }, outcome: OUTCOME } },
        {
          type: 'object',
          properties: { results: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, outcome: OUTCOME } } } },
        },
      ],
    },
  })
  @ApiErrors(400, 401, 413, 503)
  async receive(@Headers('x-api-key') apiKey: string | undefined, @Body() body: unknown) {
    if (!apiKeyMatches(apiKey, this.config.ivsEventsApiKey)) throw new AppError('ivs-events/unauthorized');
    if (body === undefined) throw new AppError('ivs-events/invalid-event', 'Expected a JSON body (Content-Type: application/json).');
    const report = await this.events.ingest(body, 'http');
    return report.single ? report.results[0] : { results: report.results };
  }
}
