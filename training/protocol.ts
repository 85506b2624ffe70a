/** The evaluation protocol's fixed parameters, shared by the trainer and the fixture export. */
export const HOLDOUT_FRACTION = 0.15;
export const HOLDOUT_SEED = 42;
export const CV_FOLDS = 5;
export const CV_SEED = 42;
