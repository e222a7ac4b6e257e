import { yieldToEventLoop } from './chunked-predict';

/** A response body already serialised to JSON text (the server sends it as is). Internal to `serving/`. */
export class JsonText {
  /** @param text valid JSON. */
  constructor(readonly text: string) {}
}

/**
 * `JSON.stringify(list)` computed `itemsPerStep` items at a time, yielding to the event loop between steps, so a
 * 10,000-row answer does not hold the server for the whole serialisation. Stops (returns `null`) when `shouldStop()`.
 *
 * @param list a non-empty array of JSON-serialisable items.
 * @param itemsPerStep items serialised between two yields.
 * @param shouldStop checked after each yield.
 * @returns the JSON text of `list`, or `null` when stopped.
 * @example
 * await stringifyListInSteps([[1], [2]], 1024, () => false); // '[[1],[2]]'
 */
export async function stringifyListInSteps(list: readonly unknown[], itemsPerStep: number, shouldStop: () => boolean): Promise<string | null> {
  const parts: string[] = [];
  for (let i = 0; i < list.length; i += itemsPerStep) {
    if (i > 0) {
      await yieldToEventLoop();
      if (shouldStop()) return null;
    }
    parts.push(JSON.stringify(list.slice(i, i + itemsPerStep)).slice(1, -1));
  }
  return `[${parts.join(',')}]`;
}
