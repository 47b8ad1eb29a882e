// Runs every `run` block of the READMEs and docs as a user would, in its own Node process against
// the test servers (Redis, and the local Upstash server for Redis.fromEnv()), and checks that the
// runner would notice a block that fails.

import { fileURLToPath } from 'node:url'
import type {} from '@sluice/test-services/vitest'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { allSnippets, extractSnippets, type Snippet } from '../src/markdown.ts'
import { removeDocument, runSnippet, writeDocument } from '../src/run.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
// Only bounds a block that hangs; a block that works ends in a few seconds.
const HANG_MS = 90_000

const env = () => ({
  REDIS_URL: inject('redisUrl'),
  UPSTASH_REDIS_REST_URL: inject('upstash').url,
  UPSTASH_REDIS_REST_TOKEN: inject('upstash').token,
  PORT: '0',
})

/** Writes `snippets` (one document), runs `block` among them, removes the files. */
async function runIn(snippets: readonly Snippet[], block: Snippet) {
  const dir = writeDocument(block.doc, snippets)
  try {
    return await runSnippet(dir, block, env(), HANG_MS)
  } finally {
    removeDocument(dir)
  }
}

const snippets = allSnippets(root)
const docs = [...new Set(snippets.filter((s) => s.mode === 'run' && s.lang === 'ts').map((s) => s.doc))]

for (const doc of docs) {
  describe(doc, () => {
    const own = snippets.filter((s) => s.doc === doc)
    let dir = ''
    beforeAll(() => {
      dir = writeDocument(doc, own)
    })
    afterAll(() => removeDocument(dir))
    for (const block of own.filter((s) => s.mode === 'run' && s.lang === 'ts')) {
      it(
        `runs the block at line ${block.line}`,
        async () => {
          const result = await runSnippet(dir, block, env(), HANG_MS)
          expect(result.code, result.output).toBe(0)
        },
        HANG_MS + 10_000,
      )
    }
  })
}

describe('the runner', () => {
  it(
    'fails a block that throws, with its error',
    async () => {
      const [block] = extractSnippets(
        'throws.md',
        ['```ts', "throw new Error('the block broke')", '```'].join('\n'),
      )
      const result = await runIn([block as Snippet], block as Snippet)
      expect(result.code).toBe(1)
      expect(result.output).toContain('the block broke')
    },
    HANG_MS,
  )

  it(
    "fails the README's login example without express.json(): the e-mail key finds no body",
    async () => {
      const login = snippets.find((s) => s.doc === 'README.md' && s.epilogue === 'express-login')
      expect(login?.code).toContain('express.json(), ')
      const broken = { ...(login as Snippet), code: (login as Snippet).code.replace('express.json(), ', '') }
      const result = await runIn([broken], broken)
      expect(result.code).toBe(1)
      expect(result.output).toContain('the key found no e-mail: is the body parsed before rateLimit?')
    },
    HANG_MS,
  )
})
