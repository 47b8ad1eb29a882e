/**
 * Renders src/scripts.generated.ts from the .lua sources: pure, so the staleness test can run it.
 * Template literals keep the Lua readable in the generated file and untouched by the formatter.
 */

/** The .lua files, in the order they are concatenated into the one script Redis runs. */
export const LUA_FILES = [
  'shared',
  'virtualScheduling',
  'fixedWindow',
  'fixedWindowCharge',
  'slidingLog',
  'slidingWindow',
  'tokenBucket',
  'gcra',
  'leakyBucket',
  'concurrency',
  'single',
  'engine',
  'refund',
  'ban',
] as const

export type LuaFile = (typeof LUA_FILES)[number]

function templateLiteral(text: string): string {
  return `\`${text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``
}

export function renderGenerated(sources: Readonly<Record<LuaFile, string>>): string {
  const entries = LUA_FILES.map((name) => `  ${name}: ${templateLiteral(sources[name])},`)
  return [
    '// Generated from lua/*.lua by scripts/generate.ts: do not edit.',
    '// Run `pnpm --filter @sluice/redis-scripts generate` after changing a .lua file.',
    '',
    'type LuaFile =',
    ...LUA_FILES.map((name) => `  | '${name}'`),
    '',
    '/** The text of every .lua file of this package, by file name. */',
    'export const LUA_SOURCES: Readonly<Record<LuaFile, string>> = {',
    ...entries,
    '}',
    '',
  ].join('\n')
}
