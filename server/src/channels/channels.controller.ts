import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CategoryDto,
  MeResponse,
  MyChannel,
  PageQuery,
  PublicChannel,
  ResourceName,
  StreamCredentials,
  StreamPage,
  UpdateChannelRequest,
} from '@streamcat/protocol';
import { z } from 'zod';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { ApiErrors, ApiJsonBody, ApiJsonResponse, ApiParamOf, ApiQueryOf } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { User } from '../users/user.entity';
import { ChannelsService } from './channels.service';

@ApiTags('me')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('api/me')
export class MeController {
  constructor(private readonly channels: ChannelsService) {}

  @Get()
  @ApiJsonResponse(200, MeResponse)
  @ApiErrors(401)
  me(@CurrentUser() user: User): Promise<MeResponse> {
    return this.channels.me(user);
  }

  @Patch('channel')
  @ApiJsonBody(UpdateChannelRequest)
  @ApiJsonResponse(200, MyChannel)
  @ApiErrors(400, 401, 404, 413)
  update(@CurrentUser() user: User, @Body(new ZodPipe(UpdateChannelRequest)) body: UpdateChannelRequest): Promise<MyChannel> {
    return this.channels.update(user, body);
  }

  /** The stream key is a secret: only the owner's own route returns it. */
  @Get('channel/credentials')
  @ApiJsonResponse(200, StreamCredentials)
  @ApiErrors(401)
  credentials(@CurrentUser() user: User): Promise<StreamCredentials> {
    return this.channels.credentials(user);
  }

  @Post('channel/stream-key/rotate')
  @HttpCode(200)
  @ApiJsonResponse(200, StreamCredentials, 'New key; the old one no longer works')
  @ApiErrors(401, 502, 503)
  rotate(@CurrentUser() user: User): Promise<StreamCredentials> {
    return this.channels.rotateKey(user);
  }
}

@ApiTags('channels')
@Controller('api')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @Get('channels/:name')
  @ApiParamOf('name', ResourceName)
  @ApiJsonResponse(200, PublicChannel)
  @ApiErrors(400, 404)
  channel(@Param('name', new ZodPipe(ResourceName)) name: string): Promise<PublicChannel> {
    return this.channels.publicChannel(name);
  }

  @Get('channels/:name/streams')
  @ApiParamOf('name', ResourceName)
  @ApiQueryOf(PageQuery)
  @ApiJsonResponse(200, StreamPage)
  @ApiErrors(400, 404)
  streams(@Param('name', new ZodPipe(ResourceName)) name: string, @Query(new ZodPipe(PageQuery)) page: PageQuery): Promise<StreamPage> {
    return this.channels.streams(name, page);
  }

  @Get('categories')
  @ApiJsonResponse(200, z.array(CategoryDto))
  categories(): Promise<CategoryDto[]> {
    return this.channels.categories();
  }
}
