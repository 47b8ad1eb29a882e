import { defineConfig } from 'tsdown'
import { base } from '../../tsdown.base.ts'

// Two entries: the edge-safe default and the Node one (YAML rules, file watching), sharing chunks.
export default defineConfig({
  ...base,
  entry: ['src/index.ts', 'src/node.ts'],
  tsconfig: 'tsconfig.node.json',
  deps: { neverBundle: [/^node:/] },
})
