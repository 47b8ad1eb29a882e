// The Nest app on Express (the default) or Fastify, limited as the README shows.
import type { INestApplication } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { AppModule } from './app.module.ts'

export type Platform = 'express' | 'fastify'

export interface AppOptions {
  /**
   * Which proxies to trust, so that `X-Forwarded-For` names the client (e.g. `loopback`): the
   * limits follow the platform's `request.ip`. Without it, that header never counts.
   */
  readonly trustProxy?: string
  readonly logger?: false
}

/** Creates the app on `platform`, ready to `listen` (or to `init` for tests). */
export function createApp(platform: Platform, options: AppOptions = {}): Promise<INestApplication> {
  const { trustProxy } = options
  const adapter =
    platform === 'fastify'
      ? new FastifyAdapter(trustProxy === undefined ? {} : { trustProxy })
      : new ExpressAdapter()
  if (adapter instanceof ExpressAdapter && trustProxy !== undefined) adapter.set('trust proxy', trustProxy)
  return NestFactory.create<INestApplication>(
    AppModule,
    adapter,
    options.logger === false ? { logger: false } : {},
  )
}
