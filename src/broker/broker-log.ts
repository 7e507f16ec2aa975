/** How the broker logs: a level and a message, one line each. */
export type LogLevel = 'info' | 'warn' | 'error';
export type BrokerLog = (level: LogLevel, message: string) => void;

// C0 controls, DEL, C1 controls and Unicode's line and paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is what this expression is for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every control character written as an escape (\n, \r, \t, \x1b, \u2028), so it stays on one line and moves no cursor. */
export function escapeControlCharacters(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** Writes `[samsa <level>] <message>` lines to stderr. */
export const stderrLog: BrokerLog = (level, message) => process.stderr.write(`[samsa ${level}] ${message}\n`);

/**
 * The broker's log: every message reaches `sink` as one line, its control
 * characters escaped. Messages carry strings clients chose (client ids in
 * member ids, group ids, reasons, topic names in errors); a newline in one
 * would otherwise start a line that reads like the broker's own. Stack traces
 * come out on one line too, their line breaks written as \n.
 */
export function oneLineLog(sink: BrokerLog = stderrLog): BrokerLog {
  return (level, message) => sink(level, escapeControlCharacters(message));
}
