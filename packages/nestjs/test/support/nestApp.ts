// A Nest app per test on Express or Fastify, served through the suite's Node listener.
import type { RequestListener } from 'node:http'
import {
  type ArgumentsHost,
  Catch,
  type DynamicModule,
  HttpException,
  type INestApplication,
  type Type,
} from '@nestjs/common'
import { BaseExceptionFilter, NestFactory } from '@nestjs/core'
import nestCore from '@nestjs/core/package.json' with { type: 'json' }
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { onTestFinished } from 'vitest'

export type Platform = 'express' | 'fastify'

/** The major of the Nest these tests run on (the `nest11` vitest project resolves Nest 11). */
export const nestMajor = Number(/\d+/.exec(nestCore.version)?.[0])

export interface AppOptions {
  readonly trustProxy?: boolean
  /** Non-HTTP errors reach this, as the conformance suite's "framework error handler". */
  readonly failed?: (error: unknown) => void
}

/**
 * The app's filter: Nest's own for HttpExceptions (the 429, 503 and 400 the guard throws); any
 * other error is reported to `failed` and answered 500, as the suite's framework error handler.
 */
function errorFilter(app: INestApplication, failed: (error: unknown) => void) {
  @Catch()
  class ErrorFilter extends BaseExceptionFilter {
    override catch(error: unknown, host: ArgumentsHost): void {
      if (error instanceof HttpException) {
        super.catch(error, host)
        return
      }
      failed(error)
      app.getHttpAdapter().reply(host.switchToHttp().getResponse(), 'error handler', 500)
    }
  }
  return new ErrorFilter(app.getHttpAdapter())
}

/** Starts `module` on `platform` (closed when the test ends) and returns its request listener. */
export async function startNest(
  platform: Platform,
  module: Type | DynamicModule,
  options: AppOptions = {},
): Promise<{ readonly app: INestApplication; readonly listener: RequestListener }> {
  const adapter =
    platform === 'express'
      ? new ExpressAdapter()
      : new FastifyAdapter(options.trustProxy ? { trustProxy: 'loopback' } : {})
  if (adapter instanceof ExpressAdapter && options.trustProxy)
    adapter.getInstance().set('trust proxy', 'loopback')
  const app = await NestFactory.create<INestApplication>(module, adapter, {
    logger: false,
    abortOnError: false,
  })
  onTestFinished(() => app.close())
  if (options.failed !== undefined) app.useGlobalFilters(errorFilter(app, options.failed))
  await app.init()
  const instance = app.getHttpAdapter().getInstance()
  if (platform === 'express') return { app, listener: instance }
  await instance.ready()
  return { app, listener: (req, res) => instance.routing(req, res) }
}

/**
 * A request listener that waits for the app to start: the suite's adapter builds its app
 * synchronously. A start that fails answers 500 and reports the error to `failed`.
 */
export function whenStarted(
  started: Promise<RequestListener>,
  failed: (error: unknown) => void,
): RequestListener {
  started.catch(() => undefined)
  return (req, res) => {
    started.then(
      (listener) => listener(req, res),
      (error: unknown) => {
        failed(error)
        res.statusCode = 500
        res.end('app did not start')
      },
    )
  }
}
