import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { serviceTestFiles } from '../vitest/serviceTests.ts'

const root = mkdtempSync(join(tmpdir(), 'sluice-service-tests-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// The fixtures' text is built from pieces: written out, it would make this file a service test.
const call = (fn: string, args: string) => `${fn}(${args})`
const REDIS_SERVER = ['redis', 'server'].join('-')

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

describe('serviceTestFiles', () => {
  it('puts a test in the services project when it or a helper it imports reads or starts a server', () => {
    write('packages/a/test/injects.test.ts', `const url = ${call('inject', "'redisUrl'")}`)
    write(
      'packages/a/test/support/clients.ts',
      `export const client = () => ${call('inject', " 'clusterNodes' ")}`,
    )
    write('packages/a/test/viaHelper.test.ts', "import { client } from './support/clients.ts'")
    write('packages/a/test/deep/viaDynamic.test.ts', "const m = await import('../support/clients.ts')")
    write(
      'packages/b/test/starts.test.ts',
      `const server = await ${call('startUpstashServer', '{ redisUrl }')}`,
    )
    write('benchmarks/test/cli.test.ts', `// leaves no ${REDIS_SERVER} behind\nspawn('pnpm', ['bench'])`)
    write('packages/b/test/lagOnly.test.ts', "import { eventLoopLag } from '@sluice/test-services'")
    write('packages/b/test/pure.test.ts', "import { add } from '../src/add.ts'\nexpect(add(1, 2)).toBe(3)")
    write('packages/b/test/cycle.test.ts', "import './cycle.test.ts'")
    write('packages/b/node_modules/x/test/dep.test.ts', call('inject', "'redisUrl'"))
    expect(serviceTestFiles(root)).toEqual([
      'benchmarks/test/cli.test.ts',
      'packages/a/test/deep/viaDynamic.test.ts',
      'packages/a/test/injects.test.ts',
      'packages/a/test/viaHelper.test.ts',
      'packages/b/test/starts.test.ts',
    ])
  })
})
