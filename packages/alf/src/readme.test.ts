import { fileURLToPath } from 'node:url';
import { describeReadmeExamples } from '@tsoptim/testkit';

describeReadmeExamples(fileURLToPath(new URL('..', import.meta.url)), {
  scratch: fileURLToPath(new URL('../../../.test-results/alf-readme/', import.meta.url)),
  logVariable: 'ALF_README_LOG',
});
