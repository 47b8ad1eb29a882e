import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { builtEntry, exportsProblems, type Manifest, SOURCE_CONDITION } from '../check-exports.ts'

// scripts/check-exports.ts (run by `pnpm check`) must fail on every way the two exports maps of a
// package can drift or point at nothing, and pass the repository's own packages.

const root = fileURLToPath(new URL('../../', import.meta.url))
const repo = mkdtempSync(join(tmpdir(), 'sluice-check-exports-'))
afterAll(() => rmSync(repo, { recursive: true, force: true }))

/** A dual package with the entries `.` and `./http`, as core's map is written. */
function dual(): Manifest & {
  exports: Record<string, unknown>
  publishConfig: { exports: Record<string, unknown> }
} {
  return {
    name: '@sluice/example',
    main: './dist/index.cjs',
    module: './dist/index.mjs',
    types: './dist/index.d.cts',
    files: ['dist', 'LICENSE'],
    exports: {
      '.': { [SOURCE_CONDITION]: './src/index.ts', ...builtEntry('.', false) },
      './http': { [SOURCE_CONDITION]: './src/entries/http.ts', ...builtEntry('./http', false) },
      './package.json': './package.json',
    },
    publishConfig: {
      exports: {
        '.': builtEntry('.', false),
        './http': builtEntry('./http', false),
        './package.json': './package.json',
      },
    },
  }
}

const everything = () => true

describe('scripts/check-exports.ts', () => {
  it('passes a dual package whose maps agree and whose files exist', () => {
    expect(exportsProblems(dual(), everything)).toEqual([])
  })

  it('passes every published package of this repository (sources checked, dist assumed built)', () => {
    const checked: string[] = []
    for (const dir of readdirSync(join(root, 'packages'))) {
      const path = join(root, 'packages', dir, 'package.json')
      if (!existsSync(path)) continue
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest
      if (manifest.private === true) continue
      const exists = (file: string) =>
        file.startsWith('./dist/') || existsSync(join(root, 'packages', dir, file))
      expect(exportsProblems(manifest, exists), manifest.name).toEqual([])
      checked.push(manifest.name)
    }
    expect(checked).toEqual(expect.arrayContaining(['@sluice/core', '@sluice/store-conformance']))
  })

  it('fails when publishConfig.exports lacks an entry of exports', () => {
    const m = dual()
    delete m.publishConfig.exports['./http']
    expect(exportsProblems(m, everything)).toContainEqual(
      'exports lists ., ./http, ./package.json but publishConfig.exports ., ./package.json',
    )
  })

  it('fails on an entry without require, without types, or with default before types', () => {
    const noRequire = dual()
    noRequire.exports['./http'] = {
      [SOURCE_CONDITION]: './src/entries/http.ts',
      import: builtEntry('./http', false).import,
    }
    expect(exportsProblems(noRequire, everything).join('\n')).toMatch(/^\.\/http: exports entry must be/m)

    const noTypes = dual()
    noTypes.publishConfig.exports['.'] = {
      import: { default: './dist/index.mjs' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    }
    expect(exportsProblems(noTypes, everything).join('\n')).toMatch(
      /^\.: publishConfig\.exports entry must be/m,
    )

    const typesLast = dual()
    typesLast.publishConfig.exports['.'] = {
      import: { default: './dist/index.mjs', types: './dist/index.d.mts' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    }
    expect(exportsProblems(typesLast, everything).join('\n')).toMatch(
      /^\.: publishConfig\.exports entry must be/m,
    )
  })

  it('fails on an entry without the source condition, or one whose source is missing', () => {
    const noSource = dual()
    noSource.exports['./http'] = builtEntry('./http', false)
    expect(exportsProblems(noSource, everything)[0]).toMatch(/^\.\/http: needs '@sluice\/source'/)

    const missing = exportsProblems(dual(), (file) => file !== './src/entries/http.ts')
    expect(missing).toEqual(['./http: its source ./src/entries/http.ts does not exist'])
  })

  it('fails on a built file that does not exist, naming it', () => {
    const problems = exportsProblems(dual(), (file) => file !== './dist/http.cjs')
    expect(problems).toEqual(['./http: ./dist/http.cjs does not exist (not built? run pnpm build)'])
  })

  it('fails when main, module or types are not the . entry, or files leaves dist out', () => {
    const m = { ...dual(), main: './dist/node.cjs', files: ['LICENSE'] }
    expect(exportsProblems(m, everything)).toEqual([
      'main must be "./dist/index.cjs", got "./dist/node.cjs"',
      "files must include 'dist'",
    ])
  })

  it('takes the ESM-only shape only from the conformance suites', () => {
    const esm = {
      name: '@sluice/store-conformance',
      main: './dist/index.mjs',
      types: './dist/index.d.mts',
      files: ['dist'],
      exports: {
        '.': { [SOURCE_CONDITION]: './src/index.ts', ...builtEntry('.', true) },
        './package.json': './package.json',
      },
      publishConfig: { exports: { '.': builtEntry('.', true), './package.json': './package.json' } },
    }
    expect(exportsProblems(esm, everything)).toEqual([])
    expect(exportsProblems({ ...esm, name: '@sluice/memory' }, everything).length).toBeGreaterThan(0)
  })

  it('as a command: exits 1 naming the package and the problem; 0 once it is fixed', async () => {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(repo, path)), { recursive: true })
      writeFileSync(join(repo, path), text)
    }
    const m = dual()
    for (const file of ['src/index.ts', 'src/entries/http.ts']) write(`packages/example/${file}`, '')
    for (const stem of ['index', 'http'])
      for (const ext of ['mjs', 'd.mts', 'cjs', 'd.cts']) write(`packages/example/dist/${stem}.${ext}`, '')
    write('packages/private/package.json', JSON.stringify({ name: 'private', private: true }))
    const command = () =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(root, 'scripts/check-exports.ts'), repo],
        {
          cwd: root,
        },
      )

    delete m.publishConfig.exports['./http']
    write('packages/example/package.json', JSON.stringify(m))
    const failed = await command().then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failed?.code).toBe(1)
    expect(failed?.stderr).toContain('✗ @sluice/example: exports lists ., ./http, ./package.json')

    write('packages/example/package.json', JSON.stringify(dual()))
    expect((await command()).stdout).toContain('✓ @sluice/example: ., ./http')
  }, 120_000)
})
