import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CreateMultistreamDestination,
  MultistreamDestination,
  MultistreamDestinationId,
  MultistreamDestinationList,
  UpdateMultistreamDestination,
} from '@streamcat/protocol';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { ApiErrors, ApiJsonBody, ApiJsonResponse, ApiParamOf } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import type { User } from '../users/user.entity';
import { MultistreamDestinations } from './multistream-destinations.service';

/** The signed-in user's own channel's destinations: nobody else's are reachable through these routes. */
@ApiTags('me')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('api/me/multistream/destinations')
export class MultistreamController {
  constructor(private readonly destinations: MultistreamDestinations) {}

  @Get()
  @ApiJsonResponse(200, MultistreamDestinationList)
  @ApiErrors(401, 404)
  list(@CurrentUser() user: User): Promise<MultistreamDestinationList> {
    return this.destinations.list(user);
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add a destination the programme is relayed to while the channel is live',
    description:
      'A preset (youtube, twitch, facebook) fills the URL; custom takes an rtmp:// or rtmps:// URL. The key is stored encrypted and never returned.',
  })
  @ApiJsonBody(CreateMultistreamDestination)
  @ApiJsonResponse(201, MultistreamDestination)
  @ApiErrors(400, 401, 404, 409, 413)
  create(
    @CurrentUser() user: User,
    @Body(new ZodPipe(CreateMultistreamDestination)) body: CreateMultistreamDestination,
  ): Promise<MultistreamDestination> {
    return this.destinations.create(user, body);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename, enable or disable a destination, or give it a new URL (custom) or key' })
  @ApiParamOf('id', MultistreamDestinationId)
  @ApiJsonBody(UpdateMultistreamDestination)
  @ApiJsonResponse(200, MultistreamDestination)
  @ApiErrors(400, 401, 404, 413)
  update(
    @CurrentUser() user: User,
    @Param('id', new ZodPipe(MultistreamDestinationId)) id: string,
    @Body(new ZodPipe(UpdateMultistreamDestination)) body: UpdateMultistreamDestination,
  ): Promise<MultistreamDestination> {
    return this.destinations.update(user, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiParamOf('id', MultistreamDestinationId)
  @ApiErrors(400, 401, 404)
  async remove(@CurrentUser() user: User, @Param('id', new ZodPipe(MultistreamDestinationId)) id: string): Promise<void> {
    await this.destinations.remove(user, id);
  }
}
