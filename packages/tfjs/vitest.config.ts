import { packageTestConfig } from '@tsoptim/config/vitest';

export default packageTestConfig();
