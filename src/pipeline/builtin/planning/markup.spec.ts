import { inlineMath, parseMarkup } from './markup';

describe('parseMarkup', () => {
  it('finds headings, lists, fenced code, display math and prose in order', () => {
    const text = '# Title\nSome prose\nover two lines.\n- one\n- two\n\n~~~js\nlet x = 1;\n~~~\nBefore $$x^2$$ after.';
    expect(parseMarkup(text)).toEqual([
      { kind: 'heading', text: 'Title' },
      { kind: 'prose', text: 'Some prose\nover two lines.' },
      { kind: 'list', items: ['one', 'two'] },
      { kind: 'code', language: 'js', source: 'let x = 1;' },
      { kind: 'prose', text: 'Before ' },
      { kind: 'math', tex: 'x^2' },
      { kind: 'prose', text: ' after.' },
    ]);
  });

  it('takes display math over several lines, and an unclosed fence to the end', () => {
    expect(parseMarkup('$$\na +\nb\n$$')).toEqual([{ kind: 'math', tex: 'a +\nb' }]);
    expect(parseMarkup('```\nx\ny')).toEqual([{ kind: 'code', source: 'x\ny' }]);
  });
});

describe('inlineMath', () => {
  it('finds $…$ spans', () => {
    expect(inlineMath('Area $A = \\pi r^2$ and $x$.')).toEqual([
      { start: 5, end: 18, tex: 'A = \\pi r^2' },
      { start: 23, end: 26, tex: 'x' },
    ]);
  });

  it.each(['It costs $5 and $10.', 'Between $ 3 and $4', 'An escaped \\$x$ sign', 'Spaces $ x $ inside'])('leaves %p as prose', (text) => {
    expect(inlineMath(text)).toEqual([]);
  });
});
