import type { StudioDocument } from '@streamcat/protocol';
import type { Stage } from '../stages/stage.entity';
import type { StageRef } from './studio.documents';

/** A committed studio document as this node last saw it. */
export interface KnownDocument {
  stage: Stage;
  version: number;
  document: StudioDocument;
}

/** How many studios a node remembers (the least recently used is forgotten first). */
const CAPACITY = 1_000;

/**
 * The last committed document this node read or wrote, per stage: lets a change skip its
 * read. Never trusted on its own: every document is written at a version (one per change,
 * so a version names one document), and the write that uses a remembered document only
 * lands if the stored row is still at that version. A stale entry (another node changed
 * the studio) costs a failed write, then a fresh read.
 */
export class KnownDocuments {
  private readonly byStage = new Map<string, KnownDocument>();
  private readonly idByName = new Map<string, string>();

  get(ref: StageRef): KnownDocument | undefined {
    const id = 'id' in ref ? ref.id : this.idByName.get(ref.name.toLowerCase());
    const known = id === undefined ? undefined : this.byStage.get(id);
    if (!known) return undefined;
    // Most recently used last: the first key is the one to forget.
    this.byStage.delete(known.stage.id);
    this.byStage.set(known.stage.id, known);
    return known;
  }

  /** Keeps `known` unless a later version of the same studio is known already. */
  remember(known: KnownDocument): void {
    const had = this.byStage.get(known.stage.id);
    if (had && had.version >= known.version) return;
    this.byStage.delete(known.stage.id);
    this.byStage.set(known.stage.id, known);
    this.idByName.set(known.stage.name.toLowerCase(), known.stage.id);
    while (this.byStage.size > CAPACITY) {
      const [oldest, entry] = this.byStage.entries().next().value as [string, KnownDocument];
      this.byStage.delete(oldest);
      if (this.idByName.get(entry.stage.name.toLowerCase()) === oldest) this.idByName.delete(entry.stage.name.toLowerCase());
    }
  }

  /** Forgets a studio (its remembered document turned out stale). */
  forget(stageId: string): void {
    this.byStage.delete(stageId);
  }

  get size(): number {
    return this.byStage.size;
  }
}
