/**
 * Splits a command line (PIPELINE_COMMAND) into argv the way a POSIX shell would split words — whitespace
 * separates, '…' is literal, "…" is literal except \" \\ \$ \` and a backslash-newline, a backslash outside
 * quotes takes the next character literally — but with no expansion of any kind: no variables, globs, ~,
 * command substitution, redirection or operators. The program then runs without a shell.
 */
export function parseCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  /** A word has started (so that "" yields an empty argument). */
  let inWord = false;
  let quote: "'" | '"' | undefined;
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < chars.length && '"\\$`\n'.includes(chars[i + 1])) {
        if (chars[i + 1] !== '\n') word += chars[i + 1];
        i++;
      } else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 >= chars.length) throw new Error('command line ends with an unfinished escape (\\)');
      // A backslash-newline joins lines; any other escaped character is taken as it is.
      if (chars[i + 1] !== '\n') {
        word += chars[i + 1];
        inWord = true;
      }
      i++;
    } else if (/\s/u.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`command line has an unterminated ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}
