import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BRAND_IMAGE_TYPES, BrandAsset, BrandAssetId, BrandAssetUploadQuery } from '@streamcat/protocol';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { AppError } from '../http/app-error';
import { ApiErrors, ApiJsonResponse, ApiParamOf, ApiQueryOf } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { RateLimits } from '../rate-limits/rate-limits.service';
import type { User } from '../users/user.entity';
import { BrandAssets } from './brand-assets.service';

/** Brand images: uploaded raw (the body is the file), served from the same origin by immutable id. */
@ApiTags('brand')
@Controller('api/brand-assets')
export class BrandAssetsController {
  constructor(
    private readonly assets: BrandAssets,
    private readonly limits: RateLimits,
  ) {}

  @Post()
  @HttpCode(201)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Upload a brand image (logo, background, overlay) to a studio: its host's or a co-host's",
    description:
      'The body is the file itself. It is checked by its bytes, whatever its name or Content-Type: PNG, JPEG or WebP, ' +
      'at most 2 MB, at most 4096 pixels wide and tall. A studio keeps 8; older ones it no longer shows are deleted to make room.',
  })
  @ApiQueryOf(BrandAssetUploadQuery)
  @ApiConsumes(...BRAND_IMAGE_TYPES, 'application/octet-stream')
  @ApiBody({ required: true, schema: { type: 'string', format: 'binary' } })
  @ApiJsonResponse(201, BrandAsset)
  @ApiErrors(400, 401, 403, 404, 409, 413, 415, 422, 429)
  async upload(
    @CurrentUser() user: User,
    @Query(new ZodPipe(BrandAssetUploadQuery)) query: BrandAssetUploadQuery,
    @Req() req: Request,
  ): Promise<BrandAsset> {
    // The raw parser (app.factory) leaves a Buffer; anything else means no file came.
    const body: unknown = req.body;
    await this.limits.consume('brand-uploads-per-user', user.id);
    if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('request/invalid', 'Send the image file as the request body.');
    return this.assets.upload(user, query.studio, body);
  }

  @Get(':id')
  @ApiParamOf('id', BrandAssetId)
  @ApiProduces(...BRAND_IMAGE_TYPES)
  @ApiErrors(400, 404)
  async serve(@Param('id', new ZodPipe(BrandAssetId)) id: string, @Res() res: Response): Promise<void> {
    const asset = await this.assets.read(id);
    if (!asset) throw new AppError('brand/not-found');
    res.setHeader('Content-Type', asset.contentType);
    // An id names one image for good (a new upload is a new id), so caches may keep it.
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'");
    res.status(200).end(asset.data);
  }
}
