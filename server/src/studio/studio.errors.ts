import type { StudioSnapshot } from '@streamcat/protocol';
import { AppError } from '../http/app-error';

/**
 * `studio/version-conflict`, carrying the current snapshot in `error.data` so the client
 * can rebase its edit without another round trip.
 */
export class StudioConflictError extends AppError {
  constructor(readonly snapshot: StudioSnapshot) {
    super('studio/version-conflict', `The studio is at version ${snapshot.version}; your change was based on an older one.`);
  }

  override toBody() {
    const body = super.toBody();
    return { error: { ...body.error, data: this.snapshot } };
  }
}
