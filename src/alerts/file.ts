// A local NDJSON file: one line per alert (the webhook's event), never a digest, so that
// another program can follow it line by line.
import { isAbsolute, resolve } from 'node:path';
import type { FileDestination } from '../config/types.js';
import { alertEvent, type Destination } from './destination.js';

export const file: Destination<FileDestination, { path: string }, ReturnType<typeof alertEvent>> = {
  load: (raw, { name, configDir }) => ({ name, type: 'file', path: isAbsolute(raw.path) ? raw.path : resolve(configDir, raw.path) }),
  variableTexts: () => [],
  resolve: (d) => ({ path: d.path }),
  render: (d, alert) => alertEvent(d, alert),
  send: async (target, line, transport) => transport.appendLine(target.path, line),
};
