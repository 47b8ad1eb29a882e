// @sluice/core/yaml, Node only: rules read from YAML (or JSON) text, and watchRules to reload a
// rules file. The one entry that imports the YAML parser and Node built-ins.

export { MAX_ALIASED_NODES } from '../rules/limits.ts'
export { parseRules } from '../rules/parseNode.ts'
export { type RulesWatcher, type WatchRulesOptions, watchRules } from '../rules/watch.ts'
