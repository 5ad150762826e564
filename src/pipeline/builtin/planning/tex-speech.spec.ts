import { speakTex } from './tex-speech';

describe('speakTex', () => {
  it.each([
    ['a^2 + b^2 = c^2', 'a squared plus b squared equals c squared'],
    ['E = mc^2', 'E equals m c squared'],
    ['V = \\frac{4}{3} \\pi r^3', 'V equals 4 over 3 pi r cubed'],
    ['e^{i\\pi} + 1 = 0', 'e to the power of i pi, plus 1 equals 0'],
    ['\\sqrt{2} \\approx 1.414', 'the square root of 2 is approximately 1.414'],
    ['\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}', 'the sum from i equals 1 to n of i equals the fraction n n plus 1 over 2'],
    ["f'(x) = \\lim_{h \\to 0} \\frac{f(x+h) - f(x)}{h}", 'f prime x equals the limit as h goes to 0 of the fraction f x plus h minus f x over h'],
    ['\\int_0^1 x^2 \\, dx = \\frac{1}{3}', 'the integral from 0 to 1 of x squared d x equals 1 over 3'],
    ['\\sin^2 \\theta + \\cos^2 \\theta = 1', 'sine squared theta plus cosine squared theta equals 1'],
    ['x_{n+1} \\le x_n', 'x sub n plus 1 is less than or equal to x sub n'],
    ['90^\\circ', '90 degrees'],
    ['\\text{speed} = \\frac{\\text{distance}}{\\text{time}}', 'speed equals distance over time'],
    ['\\left( a + b \\right)^2', 'a plus b squared'],
  ])('reads %p as %p', (tex, spoken) => expect(speakTex(tex)).toBe(spoken));

  it.each([
    ['an environment', '\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}'],
    ['an unknown command', '\\mathfrak{g} \\oplus \\mathfrak{h}'],
    ['unbalanced braces', '\\frac{1'],
    ['a formula too long to follow by ear', Array.from({ length: 30 }, (_, i) => `x_${i}`).join(' + ')],
  ])('does not guess at %s', (_label, tex) => expect(speakTex(tex)).toBeUndefined());
});
