import * as optim from '@tsoptim/optim';
import { describeCatalog, subclassNames } from '@tsoptim/testkit';
import * as alf from './index.js';

// Every class of the package but those it re-exports from @tsoptim/optim (AdamW, in optim's catalog).
describeCatalog(
  'ALF_CATALOG',
  alf.ALF_CATALOG,
  subclassNames(alf, optim.Optimizer, (name, v) => (optim as Record<string, unknown>)[name] === v),
);
