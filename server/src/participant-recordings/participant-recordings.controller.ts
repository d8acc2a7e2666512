import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ParticipantRecordingList, Uuid } from '@streamcat/protocol';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { ApiErrors, ApiJsonResponse, ApiParamOf } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import type { User } from '../users/user.entity';
import { ParticipantRecordings } from './participant-recordings.service';

@ApiTags('discovery')
@Controller('api/vods')
export class ParticipantRecordingsController {
  constructor(private readonly recordings: ParticipantRecordings) {}

  @Get(':id/participant-recordings')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Each member's own recording of a broadcast",
    description: "The broadcast's host gets every member's; a member gets only their own; anyone else 403.",
  })
  @ApiParamOf('id', Uuid)
  @ApiJsonResponse(200, ParticipantRecordingList)
  @ApiErrors(400, 401, 403, 404)
  list(@Param('id', new ZodPipe(Uuid)) id: string, @CurrentUser() user: User): Promise<ParticipantRecordingList> {
    return this.recordings.forBroadcast(user, id);
  }
}
