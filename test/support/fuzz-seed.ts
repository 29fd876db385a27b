/**
 * jest `setupFiles`: `FUZZ_SEED=<n>` replays the fuzz properties with the seed a failing run printed (fast-check
 * reports `seed` and `path` with every counterexample); without it each run draws a new seed.
 */
import fc from 'fast-check';

const seed = process.env['FUZZ_SEED'];
if (seed !== undefined && seed !== '') {
  if (!/^-?\d+$/.test(seed)) throw new Error(`FUZZ_SEED must be a whole number (the seed a failing run printed), got ${seed}`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(seed) });
}
