export {
  type ConformanceOptions,
  type OptimFixture,
  type OptimizerInfo,
  camelKeys,
  describeOptimizerConformance,
  expectStateDictMatches,
  fixtureParams,
  materialize,
} from './conformance.js';
export { FIXTURE_DIR, firstMismatch, flatten, isClose, jsNumbersInMessage, loadFixture } from './fixtures.js';
export { optimizerTable } from './optimizer-table.js';
export { type BackendSuiteOptions, describeBackend } from './backend-suite.js';
