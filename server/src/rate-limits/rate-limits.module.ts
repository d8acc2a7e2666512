import { Global, Module } from '@nestjs/common';
import { ClientAddresses } from '../http/client-address.service';
import { RateLimits } from './rate-limits.service';

@Global()
@Module({ providers: [RateLimits, ClientAddresses], exports: [RateLimits, ClientAddresses] })
export class RateLimitsModule {}
