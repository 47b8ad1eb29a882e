// @sluice/core/node (deprecated): the Node entry before the split, kept so its imports still work:
// everything of @sluice/core plus what @sluice/core/yaml adds. Import from those two instead.

export * from '../index.ts'
// Named, so this parseRules (YAML too) wins over the JSON-only one of the star export above.
export { parseRules, type RulesWatcher, type WatchRulesOptions, watchRules } from './yaml.ts'
