export type { AppSpec, BindingAdapter, BindingOptions, HandlerReply, LimitedReply } from './adapter.ts'
export { describeBinding } from './describeBinding.ts'
export { listen } from './harness.ts'
export { BINDING_AREAS, type BindingArea, type BindingSuiteOptions, STORE_AREAS } from './options.ts'
