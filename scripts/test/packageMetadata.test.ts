// What npm shows and installs for every published package: the licence (and its file in the
// tarball), where the code, docs and issues live, search keywords, and dependency ranges that let
// a user's lockfile pick fixes (exact pins belong in the lockfile only).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const REPOSITORY = 'https://github.com/sluice-ts/sluice'

interface Manifest {
  name: string
  private?: boolean
  license?: string
  repository?: { type?: string; url?: string; directory?: string }
  homepage?: string
  bugs?: { url?: string }
  keywords?: string[]
  files?: string[]
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

const published = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => ({
    dir: `packages/${dir}`,
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest,
  }))
  .filter(({ manifest }) => manifest.private !== true)

describe('published package.json files', () => {
  it('are all found', () => {
    expect(published.map((p) => p.manifest.name)).toEqual(
      expect.arrayContaining(['@sluice/core', '@sluice/memory', '@sluice/ioredis', '@sluice/express']),
    )
  })

  for (const { dir, manifest } of published) {
    describe(manifest.name, () => {
      it('is MIT, with the LICENSE file in the package and in files', () => {
        expect(manifest.license).toBe('MIT')
        expect(readFileSync(join(root, dir, 'LICENSE'), 'utf8')).toBe(
          readFileSync(join(root, 'LICENSE'), 'utf8'),
        )
        expect(manifest.files).toContain('LICENSE')
      })

      it('says where its code, docs and issues are, and has keywords', () => {
        expect(manifest.repository).toEqual({ type: 'git', url: `git+${REPOSITORY}.git`, directory: dir })
        expect(manifest.homepage).toBe(`${REPOSITORY}/tree/main/${dir}#readme`)
        expect(manifest.bugs).toEqual({ url: `${REPOSITORY}/issues` })
        expect(manifest.keywords?.length).toBeGreaterThan(2)
      })

      it('takes its runtime dependencies by caret range', () => {
        for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
          expect(`${name}@${range}`).toMatch(/@(\^\d+\.\d+\.\d+|workspace:\^)$/)
        }
      })

      it('names the framework types its public types import as optional peers', () => {
        const types = Object.keys(manifest.peerDependencies ?? {}).filter((name) =>
          name.startsWith('@types/'),
        )
        for (const name of types) expect(manifest.peerDependenciesMeta?.[name]?.optional).toBe(true)
      })
    })
  }

  it('give Express and Koa bindings their types as optional peers (their .d.mts import them)', () => {
    const peers = (name: string) =>
      published.find((p) => p.manifest.name === name)?.manifest.peerDependencies ?? {}
    expect(Object.keys(peers('@sluice/express'))).toContain('@types/express')
    expect(Object.keys(peers('@sluice/koa'))).toContain('@types/koa')
  })
})
