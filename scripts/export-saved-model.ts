// npm run export:saved-model -- <checkpoint dir> <out dir>
// Writes the tutorial's SavedModel (signature `serving`: int32 [1] movie_id, user_id → output_0) with real TensorFlow.
import { exportSavedModel } from '../src/interop/export-saved-model';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length !== 2) {
    console.error('usage: npm run export:saved-model -- <checkpoint dir> <out dir>');
    return 2;
  }
  try {
    const out = await exportSavedModel(args[0], args[1]);
    console.log(`SavedModel written to ${out.savedModel} from ${out.checkpoint} (step ${out.step}) in ${out.seconds.toFixed(1)} s`);
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

main().then((code) => process.exit(code));
