// watchRules when file events are lost: the poll still sees every change, and no poll reloads unchanged rules.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { until } from './waits.ts'

// A file watcher that never reports anything: every change must be found by polling.
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>()
  const silent = () => ({ on: () => silent(), close: () => {} })
  return { ...fs, watch: silent }
})

const { watchRules } = await import('../../src/entries/yaml.ts')
const { ConfigError } = await import('../../src/index.ts')

// Each version a different length: a poll looks at size, mtime and inode, and a kernel with a coarse
// file clock (1–4 ms ticks before Linux 6.13) gives two quick writes one mtime.
const ruleText = (name: string) => `domain: api
descriptors:
  - key: user
    rate_limit: { unit: hour, requests_per_unit: 5, name: ${name} }
`
const nameOf = (rules: { descriptors: readonly { rateLimit?: { name?: string } }[] }) =>
  rules.descriptors[0]?.rateLimit?.name

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe('watchRules with lost file events', () => {
  it('a file: each change is loaded by the poll, once; unchanged rules are never loaded again', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-watch-poll-'))
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, ruleText('a'))
    const loaded: string[] = []
    const watcher = watchRules(file, (rules) => loaded.push(nameOf(rules) ?? '?'), {
      debounceMs: 10,
      pollMs: 20,
    })
    try {
      // Several polls of the unchanged file: nothing loaded.
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(loaded).toEqual([])
      writeFileSync(file, ruleText('bb'))
      await until(() => loaded.length === 1)
      writeFileSync(file, ruleText('ccc'))
      await until(() => loaded.length === 2)
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(loaded).toEqual(['bb', 'ccc'])
    } finally {
      watcher.close()
    }
  })

  it('a directory: a change in a subfolder is loaded by the poll', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-watch-poll-'))
    mkdirSync(join(dir, 'team'))
    writeFileSync(join(dir, 'team', 'api.yaml'), ruleText('a'))
    const loaded: string[] = []
    const watcher = watchRules(dir, (rules) => loaded.push(nameOf(rules) ?? '?'), {
      domain: 'api',
      debounceMs: 10,
      pollMs: 20,
    })
    try {
      writeFileSync(join(dir, 'team', 'api.yaml'), ruleText('bb'))
      await until(() => loaded.length === 1)
      expect(loaded).toEqual(['bb'])
    } finally {
      watcher.close()
    }
  })

  it('pollMs: 0 turns polling off (then only file events count); a bad value is a ConfigError', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-watch-poll-'))
    const file = join(dir, 'rules.yaml')
    writeFileSync(file, ruleText('a'))
    const loaded: string[] = []
    const watcher = watchRules(file, (rules) => loaded.push(nameOf(rules) ?? '?'), {
      debounceMs: 10,
      pollMs: 0,
    })
    try {
      writeFileSync(file, ruleText('b'))
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(loaded).toEqual([])
    } finally {
      watcher.close()
    }
    for (const pollMs of [-1, 1.5, '1s']) {
      expect(() => watchRules(file, () => {}, { pollMs: pollMs as never })).toThrow(ConfigError)
      expect(() => watchRules(file, () => {}, { pollMs: pollMs as never })).toThrow(
        /pollMs must be a whole number/,
      )
    }
  })
})
