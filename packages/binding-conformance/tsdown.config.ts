import { defineConfig } from 'tsdown'
import { base } from '../../tsdown.base.ts'

// ESM only, on Node: vitest, which this suite runs inside, cannot be require()d, and the suite serves
// each binding with node:http.
export default defineConfig({ ...base, format: ['esm'], platform: 'node' })
