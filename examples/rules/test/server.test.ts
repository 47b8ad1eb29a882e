import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { memoryStore } from '@sluice/memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RulesServer, startServer } from '../src/app.ts'

const dir = mkdtempSync(join(tmpdir(), 'sluice-example-rules-'))
const rulesPath = join(dir, 'rules.yaml')
copyFileSync(fileURLToPath(new URL('../rules.yaml', import.meta.url)), rulesPath)
const logs: string[] = []
let server: RulesServer

beforeAll(async () => {
  // A still clock: on the real one a minute boundary mid-test would give every counter a fresh window.
  server = await startServer({
    store: memoryStore(),
    rulesPath,
    port: 0,
    log: (line) => logs.push(line),
    clock: () => 1_699_999_998_000,
  })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

const login = (user: string) => fetch(`${server.url}/login`, { headers: { 'x-user': user } })

async function until(predicate: () => boolean): Promise<void> {
  // A bound for a hang, not a speed: a reload on a loaded machine can take seconds.
  const end = Date.now() + 30_000
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out; log: ${logs.join(' | ')}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('the rules example', () => {
  it('limits logins per user from rules.yaml, with every policy in the headers', async () => {
    const first = await login('ann')
    expect(first.headers.get('ratelimit-policy')).toBe('"per-address";q=30;w=60, "login";q=3;w=60')
    await login('ann')
    await login('ann')
    const refused = await login('ann')
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as Record<string, unknown>)['violated-policies']).toEqual(['login'])
    expect((await login('bob')).status).toBe(200)
  })

  it('reloads an edited file; a broken edit is reported and the old rules stay', async () => {
    const text = readFileSync(rulesPath, 'utf8')
    writeFileSync(
      rulesPath,
      text.replace('requests_per_unit: 3, name: login', 'requests_per_unit: 10, name: login'),
    )
    await until(() => logs.some((l) => l.startsWith('rules reloaded')))
    const raised = await login('ann')
    expect(raised.status).toBe(200)
    expect(raised.headers.get('ratelimit-policy')).toContain('"login";q=10;w=60')

    writeFileSync(
      rulesPath,
      text.replace('unit: minute, requests_per_unit: 3', 'unit: minutes, requests_per_unit: 3'),
    )
    await until(() => logs.some((l) => l.startsWith('rules NOT reloaded')))
    expect(logs.find((l) => l.startsWith('rules NOT reloaded'))).toMatch(
      /line \d+, column \d+.*did you mean "minute"/,
    )
    expect((await login('ann')).headers.get('ratelimit-policy')).toContain('"login";q=10;w=60')
  })

  it('reports a shadow rule without enforcing it', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/search`)
      expect(res.status).toBe(200)
      expect(res.headers.get('ratelimit-policy')).toBe('"per-address";q=30;w=60')
    }
    expect(logs.filter((l) => l.startsWith('shadow: search-trial'))).toHaveLength(1)
  })
})
