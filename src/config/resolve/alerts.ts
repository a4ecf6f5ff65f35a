// Alerting: the destinations (each resolved by its kind in the registry, alerts/
// destinations.ts), the routes that send alerts to them, and how alerts look.
import { destinationOf } from '../../alerts/destinations.js';
import type { RawConfig } from '../schema.js';
import type { AlertsConfig, DestinationConfig, RouteConfig } from '../types.js';
import { asList, nameList, q, type NameList, type Report } from './report.js';
import type { PriorityNames } from './vocabulary.js';

/** The alerts section, and how escalations name its destinations. */
export function resolveAlerts(
  raw: RawConfig['alerts'], configDir: string, names: { priorityNames: PriorityNames; policyNames: NameList }, report: Report,
): { alerts: AlertsConfig; destinationNames: NameList } {
  const destinations: Record<string, DestinationConfig> = {};
  for (const [name, d] of Object.entries(raw?.destinations ?? {})) {
    const base: PropertyKey[] = ['alerts', 'destinations', name];
    destinations[name] = destinationOf(d.type).load(d, { name, configDir, report: (path, message) => report([...base, ...path], message) });
  }
  const known = Object.keys(destinations);
  const destinationNames = nameList((v) => (v in destinations ? v : undefined),
    (v) => `unknown destination ${q(v)}; ${known.length ? `destinations: ${known.join(', ')}` : 'define it under alerts.destinations'}`, report);
  const routes: RouteConfig[] = (raw?.routes ?? []).map((r, k) => {
    const base: PropertyKey[] = ['alerts', 'routes', k];
    const when: RouteConfig['when'] = {};
    if (r.when?.type !== undefined) when.type = [...new Set(asList(r.when.type))];
    if (r.when?.priority !== undefined) when.priority = names.priorityNames.list(asList(r.when.priority), [...base, 'when', 'priority']);
    if (r.when?.tier !== undefined) when.tier = [...new Set(asList(r.when.tier))];
    if (r.when?.policy !== undefined) when.policy = names.policyNames(asList(r.when.policy), [...base, 'when', 'policy']);
    return { when, to: destinationNames(asList(r.to), [...base, 'to'], Array.isArray(r.to)) };
  });
  if (raw?.ticketUrl !== undefined && !raw.ticketUrl.includes('{id}')) {
    report(['alerts', 'ticketUrl'], 'must contain "{id}" where the ticket id goes, e.g. "https://support.example.com/tickets/{id}"');
  }
  const alerts: AlertsConfig = {
    destinations,
    routes,
    ticketUrl: raw?.ticketUrl ?? null,
    redact: [...new Set(raw?.redact ?? [])],
    digestAbove: raw?.digestAbove ?? 10,
  };
  return { alerts, destinationNames };
}
