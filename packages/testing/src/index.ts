export { startReceiver } from './receiver.js';
export type { ReceivedRequest, Receiver, ReceiverReply } from './receiver.js';
export { eventually } from './eventually.js';
export { testRedisPrefix } from './redis-prefix.js';
export type { TestRedisPrefix } from './redis-prefix.js';
export { startPrivateRedis } from './private-redis.js';
export { startTcpProxy, viaProxy } from './tcp-proxy.js';
export type { TcpProxy } from './tcp-proxy.js';
