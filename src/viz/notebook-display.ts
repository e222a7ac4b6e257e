import * as path from 'node:path';
import { ConfigError } from '../errors';

/** The part of tslab's `Display` the viz functions use (`require('tslab').display` fits). */
export interface HtmlDisplay {
  html(s: string): void;
}

interface TslabModule {
  display: HtmlDisplay;
  newDisplay(): HtmlDisplay;
}

/**
 * The tslab module of the running kernel, or null outside a tslab kernel. tslab keeps the Jupyter channel in a
 * module variable (`lastWriteDisplayData` of `tslab/dist/jupyter.js`), and a globally registered tslab hands
 * the session to the tslab installed beside the notebook: so the copy in use is found among the loaded modules
 * (the one whose channel is connected), not by resolving `tslab` from this package.
 */
export function kernelTslab(): TslabModule | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    if ((mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData) {
      return require(path.join(path.dirname(file), 'public.js')) as TslabModule;
    }
  }
  return null;
}

/** Returns `display` when given, else the kernel's display, else throws naming the API and the fix. */
export function resolveDisplay(api: string, display: HtmlDisplay | undefined, fresh: boolean): HtmlDisplay {
  if (display) return display;
  const tslab = kernelTslab();
  if (!tslab) {
    throw new ConfigError(
      'no_notebook',
      `${api}: expected to run in a Jupyter notebook with the tslab kernel, but no connected tslab kernel is loaded in this process. ` +
        'In scripts use saveHtml(figure, path), or pass { display } (e.g. tslab.display).',
    );
  }
  return fresh ? tslab.newDisplay() : tslab.display;
}
