import { libraryConfig } from '@tsoptim/config/tsup';

// The SVG renderer and the command are entries of their own: importing the library never loads the renderer.
export default libraryConfig({ entry: ['src/index.ts', 'src/svg.ts', 'src/cli.ts'] });
