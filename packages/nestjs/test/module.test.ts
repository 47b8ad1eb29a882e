// SluiceModule, RateLimitGuard, @RateLimit and @SkipRateLimit on a real Nest app, Express and Fastify.
import {
  type ArgumentsHost,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  Inject,
  Module,
  UseGuards,
} from '@nestjs/common'
import { APP_FILTER } from '@nestjs/core'
import { ConfigError } from '@sluice/core'
import { describe, expect, inject, it } from 'vitest'
import manifest from '../package.json' with { type: 'json' }
import { RateLimit, RateLimitException, RateLimitGuard, SkipRateLimit, SluiceModule } from '../src/index.ts'
import { appOf, get, perMinute, serve } from './support/modules.ts'
import { nestMajor, type Platform, startNest } from './support/nestApp.ts'

declare module 'vitest' {
  interface ProvidedContext {
    /** The Nest major a vitest project runs these tests on (the `nest11` project: 11). */
    nestMajor?: number
  }
}

const major = (version: string) => Number(/\d+/.exec(version)?.[0])

it('runs on the Nest its vitest project names: the nest11 project on Nest 11, others on the dev dependency', () => {
  const expected = inject('nestMajor') ?? major(manifest.devDependencies['@nestjs/core'])
  expect(nestMajor).toBe(expected)
})

describe.each<Platform>(['express', 'fastify'])('SluiceModule on Nest with %s', (platform) => {
  it("forRoot's limit guards every route, one budget for all; the refusal is Nest's HttpException body", async () => {
    @Controller()
    class C {
      @Get('a')
      a() {
        return 'a'
      }
      @Get('b')
      b() {
        return 'b'
      }
    }
    const url = await serve(platform, appOf([SluiceModule.forRoot({ limiter: perMinute(2, 'global') })], [C]))
    expect(await get(`${url}/a`)).toEqual({ status: 200, ratelimit: '"global";r=1;t=42', body: 'a' })
    expect(await get(`${url}/b`)).toEqual({ status: 200, ratelimit: '"global";r=0;t=42', body: 'b' })
    const refused = await fetch(`${url}/a`)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('42')
    expect(await refused.json()).toMatchObject({ status: 429, 'violated-policies': ['global'] })
  })

  it('@RateLimit with a limiter adds a limit after those inherited: on a controller, then on a handler', async () => {
    @Controller('reports')
    @RateLimit({ limiter: perMinute(5, 'reports') })
    class C {
      @Get()
      list() {
        return 'list'
      }
      @Get('export')
      @RateLimit({ limiter: perMinute(1, 'export') })
      exportAll() {
        return 'export'
      }
    }
    const url = await serve(
      platform,
      appOf([SluiceModule.forRoot({ limiter: perMinute(10, 'global') })], [C]),
    )
    expect((await get(`${url}/reports`)).ratelimit).toBe('"global";r=9;t=42, "reports";r=4;t=42')
    expect((await get(`${url}/reports/export`)).ratelimit).toBe(
      '"global";r=8;t=42, "reports";r=3;t=42, "export";r=0;t=42',
    )
    const refused = await fetch(`${url}/reports/export`)
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as Record<string, unknown>)['violated-policies']).toEqual(['export'])
  })

  it('@RateLimit without a limiter changes the inherited limits (here its cost), each keeping its budget', async () => {
    @Controller()
    class C {
      @Get('cheap')
      cheap() {
        return 'cheap'
      }
      @Get('dear')
      @RateLimit({ cost: 3 })
      dear() {
        return 'dear'
      }
    }
    const url = await serve(platform, appOf([SluiceModule.forRoot({ limiter: perMinute(5, 'global') })], [C]))
    expect((await get(`${url}/dear`)).ratelimit).toBe('"global";r=2;t=42')
    expect((await get(`${url}/cheap`)).ratelimit).toBe('"global";r=1;t=42')
    expect((await get(`${url}/dear`)).status).toBe(429)
    expect((await get(`${url}/cheap`)).status).toBe(200)
  })

  it('@SkipRateLimit drops inherited limits; a @RateLimit beside or below it still applies', async () => {
    @Controller()
    class Open {
      @Get('health')
      @SkipRateLimit()
      health() {
        return 'ok'
      }
      @Get('login')
      @SkipRateLimit()
      @RateLimit({ limiter: perMinute(1, 'login') })
      login() {
        return 'in'
      }
    }
    @Controller('admin')
    @SkipRateLimit()
    class Admin {
      @Get()
      index() {
        return 'admin'
      }
      @Get('audit')
      @RateLimit({ limiter: perMinute(3, 'audit') })
      audit() {
        return 'audit'
      }
    }
    const url = await serve(
      platform,
      appOf([SluiceModule.forRoot({ limiter: perMinute(1, 'global') })], [Open, Admin]),
    )
    for (let i = 0; i < 3; i++)
      expect(await get(`${url}/health`)).toEqual({ status: 200, ratelimit: null, body: 'ok' })
    expect(await get(`${url}/login`)).toMatchObject({ status: 200, ratelimit: '"login";r=0;t=42' })
    expect((await get(`${url}/login`)).status).toBe(429)
    for (let i = 0; i < 3; i++) expect((await get(`${url}/admin`)).ratelimit).toBeNull()
    expect((await get(`${url}/admin/audit`)).ratelimit).toBe('"audit";r=2;t=42')
  })

  it('globalGuard: false limits only where @UseGuards(RateLimitGuard) is; with the global guard too, a request counts once', async () => {
    @Controller()
    class C {
      @Get('open')
      open() {
        return 'open'
      }
      @Get('guarded')
      @UseGuards(RateLimitGuard)
      guarded() {
        return 'guarded'
      }
    }
    const manual = await serve(
      platform,
      appOf([SluiceModule.forRoot({ limiter: perMinute(5, 'api'), globalGuard: false })], [C]),
    )
    expect((await get(`${manual}/open`)).ratelimit).toBeNull()
    expect((await get(`${manual}/guarded`)).ratelimit).toBe('"api";r=4;t=42')
    const both = await serve(platform, appOf([SluiceModule.forRoot({ limiter: perMinute(5, 'api') })], [C]))
    expect((await get(`${both}/guarded`)).ratelimit).toBe('"api";r=4;t=42')
    expect((await get(`${both}/open`)).ratelimit).toBe('"api";r=3;t=42')
  })

  it('forRootAsync makes the options from injected providers when the app starts', async () => {
    const LIMIT = Symbol('limit')
    @Module({ providers: [{ provide: LIMIT, useValue: 2 }], exports: [LIMIT] })
    class ConfigModule {}
    @Controller()
    class C {
      @Get()
      index() {
        return 'ok'
      }
    }
    const sluice = SluiceModule.forRootAsync({
      imports: [ConfigModule],
      inject: [LIMIT],
      useFactory: async (limit: number) => ({ limiter: perMinute(limit, 'configured'), headers: 'both' }),
    })
    const url = await serve(platform, appOf([sluice], [C]))
    const res = await fetch(url)
    expect(res.headers.get('ratelimit')).toBe('"configured";r=1;t=42')
    expect(res.headers.get('x-ratelimit-limit')).toBe('2')
  })

  it('an exception filter for RateLimitException sees the refusal, with the headers already set', async () => {
    @Catch(RateLimitException)
    class TooMany implements ExceptionFilter {
      constructor(@Inject('unit') private readonly unit: string) {}
      catch(error: RateLimitException, host: ArgumentsHost): void {
        const res = host.switchToHttp().getResponse()
        const body = JSON.stringify({
          retryIn: `${error.retryAfterSeconds}${this.unit}`,
          left: error.decision.remaining,
        })
        // Express's response or Fastify's reply: each has `status` and `send`.
        res.status(error.getStatus())
        res.send(body)
      }
    }
    @Controller()
    class C {
      @Get()
      index() {
        return 'ok'
      }
    }
    const providers = [
      { provide: 'unit', useValue: 's' },
      { provide: APP_FILTER, useClass: TooMany },
    ]
    const url = await serve(
      platform,
      appOf([SluiceModule.forRoot({ limiter: perMinute(1, 'api') })], [C], providers),
    )
    await fetch(url)
    const res = await fetch(url)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('42')
    expect(res.headers.get('ratelimit')).toBe('"api";r=0;t=42')
    expect(JSON.parse(await res.text())).toEqual({ retryIn: '42s', left: 0 })
  })

  it("making every route's limits at start-up reads no accessor of a controller", async () => {
    @Controller()
    class C {
      get config(): string {
        throw new Error('read at start-up')
      }
      @Get()
      index() {
        return 'ok'
      }
    }
    const url = await serve(platform, appOf([SluiceModule.forRoot({ limiter: perMinute(1, 'api') })], [C]))
    expect((await get(url)).ratelimit).toBe('"api";r=0;t=42')
  })

  it('a @RateLimit adjustment with nothing to adjust, or bad options from forRootAsync, stop the start-up', async () => {
    @Controller()
    class Orphan {
      @Get()
      @RateLimit({ cost: 2 })
      index() {
        return 'ok'
      }
    }
    await expect(startNest(platform, appOf([SluiceModule.forRoot({})], [Orphan]))).rejects.toThrow(
      /@RateLimit on Orphan\.index: without a limiter it changes the limits the route inherits, and it inherits none/,
    )
    @Controller()
    class BadCost {
      @Get()
      @RateLimit({ cost: -1 })
      index() {
        return 'ok'
      }
    }
    const withLimit = SluiceModule.forRoot({ limiter: perMinute(1, 'api') })
    await expect(startNest(platform, appOf([withLimit], [BadCost]))).rejects.toThrow(ConfigError)
    const badAsync = SluiceModule.forRootAsync({
      useFactory: () => ({ limiter: perMinute(1, 'api'), windowMs: 1 }),
    })
    await expect(startNest(platform, appOf([badAsync], [Orphan]))).rejects.toThrow(
      /SluiceModule\.forRootAsync: unknown option "windowMs"/,
    )
  })
})
