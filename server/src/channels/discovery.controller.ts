import { Controller, Delete, Get, HttpCode, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CategoryPage,
  CategorySlug,
  DiscoverResponse,
  FollowList,
  FollowState,
  ResourceName,
  Uuid,
  VodResponse,
} from '@streamcat/protocol';
import { AuthGuard, CurrentUser, OptionalAuthGuard, OptionalUser } from '../auth/auth.guard';
import { ApiErrors, ApiJsonResponse, ApiParamOf } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { User } from '../users/user.entity';
import { DiscoveryService } from './discovery.service';

@ApiTags('discovery')
@Controller('api')
export class DiscoveryController {
  constructor(private readonly discovery: DiscoveryService) {}

  /** The home page: live channels (followed first when logged in), open stages, recent broadcasts. */
  @Get('discover')
  @UseGuards(OptionalAuthGuard)
  @ApiJsonResponse(200, DiscoverResponse)
  discover(@OptionalUser() user: User | null): Promise<DiscoverResponse> {
    return this.discovery.discover(user);
  }

  @Get('categories/:slug')
  @ApiParamOf('slug', CategorySlug)
  @UseGuards(OptionalAuthGuard)
  @ApiJsonResponse(200, CategoryPage)
  @ApiErrors(400, 404)
  category(@Param('slug', new ZodPipe(CategorySlug)) slug: string, @OptionalUser() user: User | null): Promise<CategoryPage> {
    return this.discovery.category(slug, user);
  }

  @Get('vods/:id')
  @ApiParamOf('id', Uuid)
  @ApiJsonResponse(200, VodResponse)
  @ApiErrors(400, 404)
  vod(@Param('id', new ZodPipe(Uuid)) id: string): Promise<VodResponse> {
    return this.discovery.vod(id);
  }

  @Get('channels/:name/follow')
  @ApiParamOf('name', ResourceName)
  @UseGuards(OptionalAuthGuard)
  @ApiJsonResponse(200, FollowState)
  @ApiErrors(400, 404)
  followState(@Param('name', new ZodPipe(ResourceName)) name: string, @OptionalUser() user: User | null): Promise<FollowState> {
    return this.discovery.followState(user, name);
  }

  @Put('channels/:name/follow')
  @ApiParamOf('name', ResourceName)
  @HttpCode(200)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiJsonResponse(200, FollowState)
  @ApiErrors(400, 401, 404)
  follow(@Param('name', new ZodPipe(ResourceName)) name: string, @CurrentUser() user: User): Promise<FollowState> {
    return this.discovery.follow(user, name, true);
  }

  @Delete('channels/:name/follow')
  @ApiParamOf('name', ResourceName)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiJsonResponse(200, FollowState)
  @ApiErrors(400, 401, 404)
  unfollow(@Param('name', new ZodPipe(ResourceName)) name: string, @CurrentUser() user: User): Promise<FollowState> {
    return this.discovery.follow(user, name, false);
  }

  @Get('me/follows')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiJsonResponse(200, FollowList)
  @ApiErrors(401)
  follows(@CurrentUser() user: User): Promise<FollowList> {
    return this.discovery.follows(user);
  }
}
