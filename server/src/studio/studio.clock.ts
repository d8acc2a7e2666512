import { Injectable } from '@nestjs/common';

/**
 * The studio's "now", injected wherever a decision depends on time (expiry, link validity,
 * change timestamps), so a test moves the clock instead of waiting or editing rows.
 */
@Injectable()
export class StudioClock {
  now(): Date {
    return new Date();
  }
}
