// Errors of reading an import source or a mapping file, reported before any row is read.
// `message` says what went wrong, `hint` what to do (the CLI prints `sla: message — hint`).

import { UserError } from '../errors.js';

export class ImportError extends UserError {
  constructor(message: string, hint: string, exitCode = 2) {
    super(message, hint, exitCode);
  }
}
