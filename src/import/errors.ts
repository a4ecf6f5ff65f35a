// Errors of reading an import source or a mapping file, reported before any row is read.
// `message` says what went wrong, `hint` what to do (the CLI prints `sla: message — hint`).

export class ImportError extends Error {
  constructor(message: string, readonly hint: string, readonly exitCode = 2) {
    super(message);
    this.name = 'ImportError';
  }
}
