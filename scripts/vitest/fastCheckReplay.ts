// Every test worker runs this first: with FC_SEED (and FC_PATH) set, every fast-check property
// replays that run instead of random ones, so a failure printed as `{ seed: 42, path: "7:1:0" }`
// reruns exactly: FC_SEED=42 FC_PATH=7:1:0 pnpm exec vitest run <file> -t '<test name>'.

import fc from 'fast-check'

const seed = process.env.FC_SEED
if (seed !== undefined && seed !== '') {
  const path = process.env.FC_PATH
  fc.configureGlobal({
    ...fc.readConfigureGlobal(),
    seed: Number(seed),
    ...(path !== undefined && path !== '' ? { path } : {}),
    endOnFailure: true,
  })
}
