// The Koa 2 devDependency alias (`koa2`: npm:koa@^2) has no types of its own; @types/koa covers both majors.
declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}
