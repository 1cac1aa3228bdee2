/**
 * What a terminal acts on instead of printing: C0 controls (ESC starts an escape sequence),
 * DEL, C1 controls (U+009B is a one-character CSI), the line and paragraph separators, and the
 * bidi controls that make a line read differently from what it holds. The line feed is left
 * alone: it separates the lines a command prints, and no value printed inside a line keeps one.
 */
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as the command line prints it: each such character as a `\uXXXX` escape. JSON output
 * stays JSON that parses to the same values (these characters only occur inside its strings,
 * where `\uXXXX` means the same character).
 */
export function forTerminal(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  progress?: (text: string) => void;
}

/** The same outputs, each escaping what it prints with `forTerminal`. */
export function terminalSafe<T extends Output>(io: T): T {
  const progress = io.progress;
  return {
    ...io,
    out: (text: string) => io.out(forTerminal(text)),
    err: (text: string) => io.err(forTerminal(text)),
    progress: progress && ((text: string) => progress(forTerminal(text))),
  };
}
