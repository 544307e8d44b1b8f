import { libraryConfig } from '@tsoptim/config/tsup';

// The SVG renderer and the command are entries of their own (the renderer is an export, `./svg`; the command is
// the bin's module): importing the library never loads the renderer.
export default libraryConfig({ entry: ['src/cli.ts'] });
