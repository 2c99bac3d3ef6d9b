/**
 * An error caused by the user's input (a file, a flag, a record): printed as one clear line,
 * without a stack trace, by the CLI. Say which file, line or field, and what was expected.
 */
export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

/**
 * A bad command line (unknown flag, missing or malformed value): the commands print it as one line and exit 2,
 * like the `story` CLI; every other {@link UserError} exits 1.
 */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
