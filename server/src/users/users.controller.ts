import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { ApiErrors } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { User } from './user.entity';
import { USER_SEARCH_LIMIT, UsersService } from './users.service';

/** `?prefix=` of a username: the same alphabet, so it can never be a LIKE pattern. */
const UserSearchQuery = z.strictObject({
  prefix: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, - or _'),
});
type UserSearchQuery = z.infer<typeof UserSearchQuery>;

export interface UserSearchResponse {
  items: { id: string; username: string }[];
}

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Username autocomplete for the studio's invite box: at most 10, never the caller. */
  @Get()
  @ApiErrors(400, 401)
  async search(@CurrentUser() me: User, @Query(new ZodPipe(UserSearchQuery)) query: UserSearchQuery): Promise<UserSearchResponse> {
    const found = await this.users.searchByPrefix(query.prefix, me.id);
    return { items: found.slice(0, USER_SEARCH_LIMIT).map((u) => ({ id: u.id, username: u.username })) };
  }
}
