/**
 * Reads a TeX formula aloud in plain words ("a^2 + b^2 = c^2" → "a squared plus b squared equals c squared"),
 * so a narrator can say a formula that the screen shows typeset. Covers the notation of school and first-year
 * maths; anything else (matrices, environments, unknown macros) is not guessed at: the caller says "the
 * formula shown" instead.
 */

/** Beyond this a spoken formula is harder to follow than "the formula shown". */
const MAX_SPOKEN_CHARS = 160;

const WORDS: Record<string, string> = {
  // Greek letters
  ...Object.fromEntries(
    [
      'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu', 'nu',
      'xi', 'pi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'chi', 'psi', 'omega',
      'Gamma', 'Delta', 'Theta', 'Lambda', 'Xi', 'Pi', 'Sigma', 'Upsilon', 'Phi', 'Psi', 'Omega',
    ].map((name) => [name, name.toLowerCase()]),
  ),
  varepsilon: 'epsilon',
  vartheta: 'theta',
  varphi: 'phi',
  // relations and operators
  ne: 'is not equal to',
  neq: 'is not equal to',
  le: 'is less than or equal to',
  leq: 'is less than or equal to',
  ge: 'is greater than or equal to',
  geq: 'is greater than or equal to',
  approx: 'is approximately',
  equiv: 'is equivalent to',
  propto: 'is proportional to',
  sim: 'is similar to',
  in: 'in',
  to: 'goes to',
  rightarrow: 'goes to',
  Rightarrow: 'implies',
  implies: 'implies',
  iff: 'if and only if',
  pm: 'plus or minus',
  times: 'times',
  cdot: 'times',
  div: 'divided by',
  infty: 'infinity',
  partial: 'partial',
  nabla: 'del',
  circ: 'degrees',
  prime: 'prime',
  ldots: 'and so on',
  cdots: 'and so on',
  dots: 'and so on',
  // functions
  sin: 'sine',
  cos: 'cosine',
  tan: 'tangent',
  log: 'log',
  ln: 'natural log',
  exp: 'exp',
  max: 'max',
  min: 'min',
  det: 'determinant',
};

const SYMBOLS: Record<string, string> = {
  '=': 'equals',
  '<': 'is less than',
  '>': 'is greater than',
  '+': 'plus',
  '-': 'minus',
  '/': 'over',
  '!': 'factorial',
  ',': ',',
  '%': 'percent',
  "'": 'prime',
};

/** Symbols and commands that only shape the layout. */
const SILENT_SYMBOLS = new Set(['(', ')', '[', ']', '|', '.', ';', ':', '~']);
const SILENT_WORDS = new Set(['left', 'right', 'big', 'Big', 'displaystyle', 'quad', 'qquad', ',', ';', '!', ':']);
/** Commands whose argument is read as the maths it holds. */
const WRAPPERS = new Set(['mathbf', 'mathit', 'mathsf', 'mathbb', 'mathcal', 'boldsymbol', 'vec', 'bar', 'hat']);
/** Commands whose argument is words ("\\text{per second}"), read as written. */
const TEXT_COMMANDS = new Set(['text', 'textrm', 'textbf', 'textit', 'mathrm', 'operatorname']);
const BIG_OPERATORS: Record<string, string> = { sum: 'the sum', prod: 'the product', int: 'the integral', lim: 'the limit' };

type Token = { kind: 'word'; name: string } | { kind: 'char'; char: string } | { kind: 'group'; tokens: Token[] };

class Unreadable extends Error {}

/** The formula in plain words, or undefined when it is not sensibly readable. */
export function speakTex(tex: string): string | undefined {
  try {
    const spoken = read(tokenize(tex))
      .join(' ')
      .replace(/\s*,(\s*,)*/gu, ',')
      .replace(/^[\s,]+|[\s,]+$/gu, '')
      .replace(/,(?=\S)/gu, ', ')
      .replace(/\s+/gu, ' ');
    return spoken && spoken.length <= MAX_SPOKEN_CHARS ? spoken : undefined;
  } catch (error) {
    if (error instanceof Unreadable) return undefined;
    throw error;
  }
}

function tokenize(tex: string): Token[] {
  const stack: Token[][] = [[]];
  const top = (): Token[] => stack[stack.length - 1];
  for (let i = 0; i < tex.length; i++) {
    const ch = tex[i];
    if (ch === '\\') {
      const name = /^[a-zA-Z]+/u.exec(tex.slice(i + 1))?.[0] ?? tex[i + 1] ?? '';
      i += name.length;
      const words = TEXT_COMMANDS.has(name) ? /^\s*\{([^{}]*)\}/u.exec(tex.slice(i + 1)) : null;
      if (words) {
        if (words[1].trim()) top().push({ kind: 'char', char: words[1].trim() });
        i += words[0].length;
      } else {
        top().push({ kind: 'word', name });
      }
    } else if (ch === '{') {
      stack.push([]);
    } else if (ch === '}') {
      if (stack.length === 1) throw new Unreadable();
      const tokens = stack.pop() as Token[];
      top().push({ kind: 'group', tokens });
    } else if (/\d/u.test(ch)) {
      // A number is one token, so "1.414" is read whole (as espeak says it) and "10" is not "1 0".
      const number = /^\d+(\.\d+)?/u.exec(tex.slice(i))?.[0] ?? ch;
      top().push({ kind: 'char', char: number });
      i += number.length - 1;
    } else if (!/\s/u.test(ch)) {
      top().push({ kind: 'char', char: ch });
    }
  }
  if (stack.length !== 1) throw new Unreadable();
  return stack[0];
}

/** Words for a token sequence; scripts attach to what precedes them, operators take their limits. */
function read(tokens: Token[]): string[] {
  const words: string[] = [];
  let i = 0;
  const next = (): Token => {
    const token = tokens[i++];
    if (!token) throw new Unreadable();
    return token;
  };
  while (i < tokens.length) {
    const token = next();
    if (token.kind === 'group') {
      words.push(...read(token.tokens));
    } else if (token.kind === 'char') {
      if (token.char === '^') words.push(...superscript(one(next())));
      else if (token.char === '_') words.push('sub', ...one(next()));
      else if (/[\p{L}\p{N}]/u.test(token.char)) words.push(token.char);
      else if (Object.hasOwn(SYMBOLS, token.char)) words.push(SYMBOLS[token.char]);
      else if (!SILENT_SYMBOLS.has(token.char)) throw new Unreadable();
    } else if (token.name === 'frac' || token.name === 'dfrac' || token.name === 'tfrac') {
      const [top, bottom] = [one(next()), one(next())];
      words.push(...(top.length > 1 || bottom.length > 1 ? ['the fraction', ...top, 'over', ...bottom, ','] : [...top, 'over', ...bottom]));
    } else if (token.name === 'sqrt') {
      words.push('the square root of', ...one(next()));
    } else if (Object.hasOwn(BIG_OPERATORS, token.name)) {
      let lower: string[] = [];
      let upper: string[] = [];
      for (let script = scriptAt(tokens[i]); script; script = scriptAt(tokens[i])) {
        i++;
        if (script === '_') lower = one(next());
        else upper = one(next());
      }
      words.push(BIG_OPERATORS[token.name]);
      if (token.name === 'lim' && lower.length > 0) words.push('as', ...lower);
      else if (lower.length > 0) words.push('from', ...lower, ...(upper.length > 0 ? ['to', ...upper] : []));
      words.push('of');
    } else if (WRAPPERS.has(token.name)) {
      words.push(...one(next()));
    } else if (Object.hasOwn(WORDS, token.name)) {
      words.push(WORDS[token.name]);
    } else if (!SILENT_WORDS.has(token.name)) {
      throw new Unreadable();
    }
  }
  return words;
}

function scriptAt(token: Token | undefined): '_' | '^' | undefined {
  return token?.kind === 'char' && (token.char === '_' || token.char === '^') ? token.char : undefined;
}

/** A token read on its own: a group, or a single command or character. */
function one(token: Token): string[] {
  return read(token.kind === 'group' ? token.tokens : [token]);
}

function superscript(power: string[]): string[] {
  const text = power.join(' ');
  if (text === '2') return ['squared'];
  if (text === '3') return ['cubed'];
  if (text === 'degrees' || text === 'prime') return [text];
  return ['to the power of', ...power, ','];
}
