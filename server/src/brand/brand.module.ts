import { Global, Module } from '@nestjs/common';
import { BrandAssetsController } from './brand-assets.controller';
import { BrandAssets } from './brand-assets.service';

/** Global so the studio's command handlers can check the images a brand names. */
@Global()
@Module({
  controllers: [BrandAssetsController],
  providers: [BrandAssets],
  exports: [BrandAssets],
})
export class BrandModule {}
