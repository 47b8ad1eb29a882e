/**
 * The Node entry of @sluice/core (the `node` export condition): everything of the default entry,
 * plus a `parseRules` that reads YAML text and `watchRules` for hot reload. The default entry
 * stays free of Node built-ins and of the YAML parser, so it runs on edge runtimes.
 */
export * from './index.ts'
export { parseRules } from './rules/parseNode.ts'
export { type RulesWatcher, type WatchRulesOptions, watchRules } from './rules/watch.ts'
