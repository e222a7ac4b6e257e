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
 * The tslab module of the running kernel, or null outside a tslab kernel. The kernel's own copy is used
 * (found from the process's main script, `…/tslab/bin/tslab`): tslab keeps the Jupyter channel in a module
 * variable, so a second copy of tslab resolved from this package would not be connected.
 */
export function kernelTslab(): TslabModule | null {
  const main = require.main?.filename ?? '';
  if (/[\\/]tslab[\\/]bin[\\/]tslab(\.js)?$/.test(main)) {
    return require(path.resolve(path.dirname(main), '..')) as TslabModule;
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
      `${api}: expected to run in a Jupyter notebook with the tslab kernel, but this process is ${require.main?.filename ?? 'not a script'}. ` +
        'In scripts use saveHtml(figure, path), or pass { display } (e.g. tslab.display).',
    );
  }
  return fresh ? tslab.newDisplay() : tslab.display;
}
