export { AveragedModel, type AveragedModelOptions } from './averaged-model.js';
export { type AvgFn, type MultiAvgFn, getEmaAvgFn, getEmaMultiAvgFn, getSwaAvgFn, getSwaMultiAvgFn } from './avg-fns.js';
export { type AnnealStrategy, SWALR, type SWALROptions } from './swalr.js';
export { type LoaderBatch, updateBn } from './update-bn.js';
