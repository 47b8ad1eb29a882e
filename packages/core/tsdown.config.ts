import { defineConfig } from 'tsdown'
import { base } from '../../tsdown.base.ts'

// One entry per audience (exports map: `.`, `./http`, `./store`, `./yaml`, `./node`), sharing
// chunks so a class is one class whichever entry it is imported from. Only yaml and node import
// the YAML parser and Node built-ins.
export default defineConfig({
  ...base,
  entry: {
    index: 'src/index.ts',
    http: 'src/entries/http.ts',
    store: 'src/entries/store.ts',
    yaml: 'src/entries/yaml.ts',
    node: 'src/entries/node.ts',
  },
  tsconfig: 'tsconfig.node.json',
  deps: { neverBundle: [/^node:/] },
})
