/**
 * Runs a contender in a worker thread of its own: its own V8 heap, its own compiled code and type
 * feedback. In one shared isolate the contenders would bend each other's numbers: code shared by
 * the six sluice algorithms turns polymorphic, and each contender would collect the garbage of the
 * one before it. A real application loads one of these libraries, not all of them.
 *
 * Only one worker is asked to work at a time, so the workers never compete for the CPU.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

type Handler<Request, Response> = (request: Request) => Promise<Response>

interface IsolateClient<Request, Response> {
  request(request: Request): Promise<Response>
  close(): Promise<void>
}

export interface Isolate<Data, Request, Response> {
  /** Starts a worker that loads the defining module and serves requests with `setup(data)`'s handler. */
  start(data: Data): Promise<IsolateClient<Request, Response>>
}

interface Envelope {
  readonly isolate: string
  readonly data: unknown
}

type Reply =
  | { ready: true }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string }

/**
 * Declares code that runs in its own worker. Call it at the top level of a module, with that
 * module's `import.meta.url`: the worker loads the same module (through tsx) and serves from there.
 */
export function defineIsolate<Data, Request, Response>(
  moduleUrl: string,
  name: string,
  setup: (data: Data) => Handler<Request, Response> | Promise<Handler<Request, Response>>,
): Isolate<Data, Request, Response> {
  const envelope = workerData as Envelope | undefined
  if (!isMainThread && envelope?.isolate === name) void serve(setup, envelope.data as Data)
  return { start: (data) => start<Request, Response>(moduleUrl, { isolate: name, data }) }
}

async function serve<Data, Request, Response>(
  setup: (data: Data) => Handler<Request, Response> | Promise<Handler<Request, Response>>,
  data: Data,
): Promise<void> {
  const port = parentPort
  if (port === null) return
  const handler = await setup(data)
  port.on('message', ({ id, request }: { id: number; request: Request }) => {
    handler(request).then(
      (value) => port.postMessage({ id, ok: true, value } satisfies Reply),
      (error: unknown) =>
        port.postMessage({
          id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies Reply),
    )
  })
  port.postMessage({ ready: true } satisfies Reply)
}

function start<Request, Response>(
  moduleUrl: string,
  envelope: Envelope,
): Promise<IsolateClient<Request, Response>> {
  // The worker inherits node's flags (--expose-gc, --conditions) but, on Node 20, not the tsx
  // loader that --import installed here, so it installs it before loading the module.
  const tsx = import.meta.resolve('tsx/esm/api')
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(moduleUrl)}) })`
  const worker = new Worker(boot, { eval: true, workerData: envelope })
  const pending = new Map<number, { resolve: (value: Response) => void; reject: (error: Error) => void }>()
  let nextId = 0
  let failure: Error | undefined
  const fail = (error: Error): void => {
    failure = error
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }
  return new Promise((resolve, reject) => {
    worker.on('error', (error) => {
      fail(error)
      reject(error)
    })
    worker.on('exit', (code) => fail(new Error(`isolate ${envelope.isolate} exited with code ${code}`)))
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        resolve({
          request: (request) =>
            new Promise<Response>((res, rej) => {
              if (failure !== undefined) return rej(failure)
              const id = nextId++
              pending.set(id, { resolve: res, reject: rej })
              worker.postMessage({ id, request })
            }),
          close: async () => {
            worker.removeAllListeners('exit')
            await worker.terminate()
          },
        })
        return
      }
      const p = pending.get(reply.id)
      pending.delete(reply.id)
      if (reply.ok) p?.resolve(reply.value as Response)
      else p?.reject(new Error(`in isolate ${envelope.isolate}: ${reply.error}`))
    })
  })
}
