/**
 * Methods schedulers call on one another (SequentialLR and ChainedScheduler drive their sub-schedulers); keyed by
 * symbols so that they stay off the public surface.
 */
export const UPDATE_LR = Symbol('updateLr');
export const INITIAL_STEP = Symbol('initialStep');
export const RESTORE_GROUPS = Symbol('restoreGroups');
export const SUB_SCHEDULERS = Symbol('subSchedulers');
export const GROUP_INDICES = Symbol('groupIndices');
