import type { UserConfig } from 'tsdown'

/** The one build config every published package spreads: dual ESM + CJS with types for both. */
export const base: UserConfig = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  platform: 'neutral',
  target: 'es2022',
  fixedExtension: true,
}
