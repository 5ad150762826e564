import { parseCommandLine } from './command-line';

describe('parseCommandLine', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['   ', []],
    ['python3 /opt/gen/main.py', ['python3', '/opt/gen/main.py']],
    ['  node\tgen.mjs  --fast \n', ['node', 'gen.mjs', '--fast']],
    ["python3 '/opt/my gen/main.py'", ['python3', '/opt/my gen/main.py']],
    ['python3 "/opt/my gen/main.py" --model "gpt 4"', ['python3', '/opt/my gen/main.py', '--model', 'gpt 4']],
    ['a\\ b c', ['a b', 'c']],
    ["it\\'s", ["it's"]],
    ['say "a \\"quoted\\" word"', ['say', 'a "quoted" word']],
    ['"back\\\\slash" "keep \\n and \\x"', ['back\\slash', 'keep \\n and \\x']],
    ["'single \\ keeps \" everything'", ['single \\ keeps " everything']],
    ['one""two \'\'three', ['onetwo', 'three']],
    ['"" empty \'\'', ['', 'empty', '']],
    ['--opt="a b"c', ['--opt=a bc']],
    ['line\\\ncontinued', ['linecontinued']],
    ['"joined\\\nline"', ['joinedline']],
    ['héllo "wörld ✓"', ['héllo', 'wörld ✓']],
  ])('splits %p', (line, argv) => {
    expect(parseCommandLine(line)).toEqual(argv);
  });

  it('expands nothing: variables, globs, ~, substitutions and operators stay literal', () => {
    expect(parseCommandLine('run $HOME ~/x *.py $(rm -rf /) `id` a;b | c > d && e')).toEqual([
      'run',
      '$HOME',
      '~/x',
      '*.py',
      '$(rm',
      '-rf',
      '/)',
      '`id`',
      'a;b',
      '|',
      'c',
      '>',
      'd',
      '&&',
      'e',
    ]);
    expect(parseCommandLine('"$HOME" \'$HOME\' \\$HOME')).toEqual(['$HOME', '$HOME', '$HOME']);
  });

  it.each(['python3 "unterminated', "python3 'unterminated", 'trailing \\'])('rejects %p', (line) => {
    expect(() => parseCommandLine(line)).toThrow(/unterminated|unfinished/u);
  });
});
