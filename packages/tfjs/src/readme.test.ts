import { fileURLToPath } from 'node:url';
import { describeReadmeExamples } from '@tsoptim/testkit';

// The examples are written inside this package, so that tfjs resolves from its node_modules.
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
describeReadmeExamples(pkgDir, { scratch: `${pkgDir}.test-results/readme/`, logVariable: 'TFJS_README_LOG', timeout: 60_000 });
