export { parseAllowlist } from './allowlist.js';
export type { Allowlist } from './allowlist.js';
export { createTransport, DEFAULT_MAX_BODY_BYTES } from './transport.js';
export type { OutboundRequest, OutboundResult, Transport, TransportOptions } from './transport.js';
export { checkEndpointUrl, unsafeAddressReason } from './url-policy.js';
export type { UrlPolicyOptions } from './url-policy.js';
export { lookupFunction, systemResolve } from './resolver.js';
export type { Resolve } from './resolver.js';
