// The module tests' apps: limiters on a still clock, a Nest app per test served on a loopback port.

import { type DynamicModule, Module, type Type } from '@nestjs/common'
import { listen } from '@sluice/binding-conformance'
import { createRateLimiter, fixedWindow, type RateLimiter } from '@sluice/core'
import { memoryStore } from '@sluice/memory'
import { type Platform, startNest } from './nestApp.ts'

export const NOW = 1_699_999_998_000
export const perMinute = (limit: number, name: string): RateLimiter =>
  createRateLimiter({
    store: memoryStore(),
    algorithm: fixedWindow({ limit, window: '1m', name }),
    clock: () => NOW,
  })

export async function serve(platform: Platform, module: Type | DynamicModule): Promise<string> {
  const { listener } = await startNest(platform, module)
  return listen(listener)
}

export const appOf = (imports: unknown[], controllers: Type[], providers: unknown[] = []) => {
  @Module({ imports: imports as never, controllers, providers: providers as never })
  class AppModule {}
  return AppModule
}

export const get = async (url: string) => {
  const res = await fetch(url)
  return { status: res.status, ratelimit: res.headers.get('ratelimit'), body: await res.text() }
}
