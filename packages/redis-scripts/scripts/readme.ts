// Rewrites the KEYS/ARGV/reply table of README.md from the code (scripts/layoutTable.ts). Run:
// pnpm --filter @sluice/redis-scripts readme
import { readFileSync, writeFileSync } from 'node:fs'
import { renderLayoutTable, withLayoutTable } from './layoutTable.ts'

const target = new URL('../README.md', import.meta.url)
writeFileSync(target, withLayoutTable(readFileSync(target, 'utf8'), renderLayoutTable()))
console.log(`wrote ${target.pathname}`)
