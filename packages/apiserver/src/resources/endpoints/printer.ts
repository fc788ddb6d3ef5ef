/**
 * `kubectl get endpoints`: NAME ENDPOINTS AGE. ENDPOINTS lists up to three
 * "ip:port" pairs (every ready address with every port, subset by subset;
 * bare IPs for a subset without ports) and then " + N more...";
 * "<none>" when there are no subsets.
 */
import { ageColumn, column, nameColumn } from '../../tables/columns.js';
import { at, int, objects, str } from '../../tables/json-fields.js';
import { age } from '../../tables/time-cells.js';
import type { ResourcePrinter } from '../../tables/types.js';

const SHOWN = 3;

export const endpointsPrinter: ResourcePrinter = {
  columns: [nameColumn(), column('Endpoints', 'string', 'Ready addresses and ports of the endpoints.'), ageColumn()],
  print: (ep, now) => ({
    cells: [str(at(ep, 'metadata', 'name')), formatEndpoints(ep['subsets']), age(at(ep, 'metadata', 'creationTimestamp'), now)],
  }),
};

function formatEndpoints(subsets: unknown): string {
  const list = objects(subsets);
  if (list.length === 0) {
    return '<none>';
  }
  const shown: string[] = [];
  let count = 0;
  for (const subset of list) {
    const addresses = objects(subset['addresses']).map((address) => str(address['ip']));
    const ports = objects(subset['ports']);
    const perPort = ports.length === 0 ? [undefined] : ports.map((port) => int(port['port']));
    for (const port of perPort) {
      count += addresses.length;
      for (const ip of addresses) {
        if (shown.length < SHOWN) {
          shown.push(port === undefined ? ip : hostPort(ip, port));
        }
      }
    }
  }
  const text = shown.join(',');
  return count > SHOWN ? `${text} + ${count - SHOWN} more...` : text;
}

/** "ip:port", with brackets around an IPv6 address. */
function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
