// What a misuse of the module, the decorators or onLimited gets: a ConfigError that says what to do.
import { Controller, Get, UseGuards } from '@nestjs/common'
import { listen } from '@sluice/binding-conformance'
import { ConfigError } from '@sluice/core'
import { describe, expect, it } from 'vitest'
import { RateLimit, rateLimit, SluiceModule } from '../src/index.ts'
import { appOf, perMinute } from './support/modules.ts'
import { type Platform, startNest } from './support/nestApp.ts'

describe('onLimited', () => {
  it.each<Platform>(['express', 'fastify'])(
    'on %s, an onLimited that returns nothing is an error naming the fix, never a 429 without a body',
    async (platform) => {
      @Controller()
      class C {
        @Get()
        @UseGuards(rateLimit({ limiter: perMinute(1, 'api'), onLimited: () => undefined }))
        index() {
          return 'ok'
        }
      }
      const errors: unknown[] = []
      const { listener } = await startNest(platform, appOf([], [C]), {
        failed: (error) => errors.push(error),
      })
      const url = await listen(listener)
      expect((await fetch(url)).status).toBe(200)
      expect((await fetch(url)).status).toBe(500)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(ConfigError)
      expect((errors[0] as Error).message).toMatch(
        /^onLimited returned undefined: return \(or resolve to\) the exception to throw/,
      )
    },
  )
})

describe('construction errors', () => {
  const limiter = perMinute(1, 'api')
  it.each<[string, () => unknown, RegExp]>([
    [
      'forRoot without options',
      () => SluiceModule.forRoot(undefined as never),
      /SluiceModule\.forRoot takes an options object/,
    ],
    [
      'forRoot with options but no limiter',
      () => SluiceModule.forRoot({ headers: 'both' }),
      /SluiceModule\.forRoot: headers need a limiter: pass \{ limiter \}/,
    ],
    [
      'forRoot with a bad option',
      () => SluiceModule.forRoot({ limiter, maxParked: -1 }),
      /SluiceModule\.forRoot: maxParked must be/,
    ],
    [
      'globalGuard that is no boolean',
      () => SluiceModule.forRoot({ limiter, globalGuard: 'yes' as never }),
      /globalGuard must be true or false/,
    ],
    [
      'forRootAsync without useFactory',
      () => SluiceModule.forRootAsync({} as never),
      /useFactory must be a function/,
    ],
    [
      '@RateLimit without options',
      () => RateLimit(undefined as never),
      /@RateLimit\(\) takes an options object/,
    ],
    [
      '@RateLimit with a bad option',
      () => RateLimit({ limiter, statusCode: 200 }),
      /@RateLimit: statusCode must be an HTTP error status/,
    ],
    [
      '@RateLimit with a cost no limit admits',
      () => RateLimit({ limiter, cost: 2 }),
      /@RateLimit: cost 2 can never be admitted/,
    ],
  ])('%s: a ConfigError that says what to do', (_name, build, message) => {
    expect(build).toThrow(ConfigError)
    expect(build).toThrow(message)
  })
})
