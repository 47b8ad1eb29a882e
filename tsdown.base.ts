import type { UserConfig } from 'tsdown'

/** The one build config every published package spreads: dual ESM + CJS with types for both. */
export const base: UserConfig = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  // No sourcemaps in the packages: the output is not minified (names, comments and TSDoc are
  // kept), so a stack trace already reads as the source, and the maps were over half of core's
  // tarball. Step into the TypeScript from the repository instead.
  sourcemap: false,
  platform: 'neutral',
  target: 'es2022',
  fixedExtension: true,
}
