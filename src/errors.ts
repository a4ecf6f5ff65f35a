// What goes wrong that the user can fix: one line that says what is wrong (`message`) and
// what to do (`hint`), and the exit code (2: usage and config errors; 1: runtime errors).
// The CLI prints `sla: message — hint`; anything else that reaches it is a bug in sla.
// Each room has its own kind (CliError, ConfigError, ImportError, StoreError), all of this one.

export class UserError extends Error {
  constructor(message: string, readonly hint = '', readonly exitCode = 1) {
    super(message);
    this.name = new.target.name;
  }
}
