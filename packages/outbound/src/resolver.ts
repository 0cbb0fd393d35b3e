import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';

/** Resolves a host name to its addresses (the system resolver by default; injectable for custom DNS and tests). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) => lookup(hostname, { all: true, verbatim: true });

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup`-shaped function over a Resolve, for sockets: the SSRF agent
 * checks whatever it returns, so what is connected to is what was checked.
 */
export function lookupFunction(resolve: Resolve): typeof dnsLookup {
  return ((hostname: string, options: LookupOneOptions | LookupAllOptions | LookupCallback, callback?: LookupCallback) => {
    const cb = (typeof options === 'function' ? options : callback)!;
    const all = typeof options === 'object' && options.all === true;
    resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return cb(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
        if (all) cb(null, addresses);
        else cb(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => cb(error, []),
    );
  }) as typeof dnsLookup;
}
