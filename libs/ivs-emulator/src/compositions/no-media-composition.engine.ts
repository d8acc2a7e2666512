import { CompositionEngine, RunningComposition } from '../media/composition/composition-engine';

/**
 * Stands in when the emulator runs without a media plane (no `media` options), so nothing binds the
 * real engine: a composition cannot produce media there, and says so (Session Failure) rather than
 * pretending to be ACTIVE.
 */
export class NoMediaCompositionEngine extends CompositionEngine {
  async start(): Promise<RunningComposition> {
    throw new Error('The IVS emulator runs without a media plane (no media options), so it cannot compose a stage.');
  }
}
