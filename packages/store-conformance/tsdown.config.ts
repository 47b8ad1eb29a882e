import { defineConfig } from 'tsdown'
import { base } from '../../tsdown.base.ts'

// ESM only: vitest, which this suite runs inside, cannot be require()d.
export default defineConfig({ ...base, format: ['esm'] })
