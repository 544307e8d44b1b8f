import { Optimizer } from '@tsoptim/optim';
import { describeCatalog, subclassNames } from '@tsoptim/testkit';
import * as adaptive from './index.js';

// Every class of the package but the base an algorithm is written on.
describeCatalog(
  'ADAPTIVE_CATALOG',
  adaptive.ADAPTIVE_CATALOG,
  subclassNames(adaptive, Optimizer, (name) => name === 'GenericAdaptiveOptimizer'),
);
