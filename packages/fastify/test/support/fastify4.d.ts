// Fastify 4 is installed under the alias `fastify4`; for what these tests use, its API matches the
// Fastify 5 types.
declare module 'fastify4' {
  import fastify from 'fastify'
  export default fastify
}
