import { libraryConfig } from '@tsoptim/config/tsup';

export default libraryConfig();
