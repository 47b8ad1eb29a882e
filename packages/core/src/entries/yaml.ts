// @sluice/core/yaml, Node only: rules read from YAML (or JSON) text or a directory of files, and
// watchRules to reload a rules file or directory. The one entry that imports the YAML parser and Node built-ins.

export { loadRulesDirectory, type RulesDirectoryOptions } from '../rules/directory.ts'
export { MAX_RULES_FILES } from '../rules/directoryScan.ts'
export { MAX_ALIASED_NODES } from '../rules/limits.ts'
export { parseRules } from '../rules/parseNode.ts'
export { type RulesWatcher, type WatchRulesOptions, watchRules } from '../rules/watch.ts'
