/** The servers' default `log`: one line on stderr, prefixed like the CLI's own messages. */
export function logToStderr(message: string): void {
  process.stderr.write(`syncvalue: ${message}\n`);
}
