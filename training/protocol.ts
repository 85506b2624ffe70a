import { groupNearDuplicates, type NearDuplicateGroups } from "./near-duplicates.ts";
import { stratifiedGroupKFold, stratifiedHoldout, type Split } from "./split.ts";

/** The evaluation protocol's fixed parameters, shared by the trainer and the fixture export. */
export const HOLDOUT_FRACTION = 0.15;
export const HOLDOUT_SEED = 42;
export const CV_FOLDS = 5;
export const CV_SEED = 42;

export type ProtocolSplits = { dup: NearDuplicateGroups; holdout: Split; folds: Split[] };

/**
 * Both protocols' splits of one data set, however many files it was read from: the
 * near-duplicate groups are computed over all its bodies together, so twins in different
 * files (sample and extra, an export and its corrections) share a group and a fold.
 */
export function protocolSplits(data: { tickets: readonly { body: string }[]; labels: readonly string[] }): ProtocolSplits {
  const dup = groupNearDuplicates(data.tickets.map((t) => t.body));
  return {
    dup,
    holdout: stratifiedHoldout(data.labels, HOLDOUT_FRACTION, HOLDOUT_SEED),
    folds: stratifiedGroupKFold(data.labels, dup.groupOf, CV_FOLDS, CV_SEED),
  };
}
