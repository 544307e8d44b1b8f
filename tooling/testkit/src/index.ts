export {
  type ConformanceOptimizer,
  type ConformanceOptions,
  type OptimFixture,
  type OptimizerInfo,
  type ParamsInput,
  type StateDict,
  camelKeys,
  describeOptimizerConformance,
  expectStateDictMatches,
  fixtureParams,
  materialize,
} from './conformance.js';
export { FIXTURE_DIR, firstMismatch, flatten, isClose, jsNumbersInMessage, loadFixture } from './fixtures.js';
export { type BackendSuiteOptions, describeBackend } from './backend-suite.js';
export {
  type TrajectoryCase,
  type TrajectoryInfo,
  type TrajectoryOptions,
  describeTrajectoryConformance,
} from './trajectory.js';
export { type LabelledBackend, cpuPaths } from './cpu-paths.js';
export { type BadInput, expectRejectedUnchanged } from './strict.js';
export { type ReadmeExamplesOptions, describeReadmeExamples } from './readme-examples.js';
export { type CheckedCatalogEntry, catalogEntryProblems, describeCatalog, subclassNames } from './catalog.js';
