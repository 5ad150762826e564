import {
  BuiltinVideoPipeline,
  CommandVideoPipeline,
  PIPELINE_NAMES,
  PipelineName,
  createPipeline,
  isPipelineName,
  parseCommandLine,
} from './index';

describe('createPipeline', () => {
  it('builds the builtin pipeline with its options', () => {
    const pipeline = createPipeline('builtin', { ffmpegThreads: 2 });
    expect(pipeline).toBeInstanceOf(BuiltinVideoPipeline);
    expect(pipeline.name).toBe('builtin');
  });

  it('builds the command pipeline from a PIPELINE_COMMAND line', () => {
    const pipeline = createPipeline('command', { command: parseCommandLine('python3 "/opt/my gen/main.py"'), timeoutSeconds: 600 });
    expect(pipeline).toBeInstanceOf(CommandVideoPipeline);
    expect(pipeline.requiredTools()[0]).toBe('python3');
  });

  it('lists the known names', () => {
    expect(PIPELINE_NAMES).toEqual(['builtin', 'command']);
    expect(isPipelineName('builtin')).toBe(true);
    expect(isPipelineName('command')).toBe(true);
    expect(isPipelineName('toString')).toBe(false);
  });

  it('rejects an unknown name coming from unchecked configuration', () => {
    expect(() => createPipeline('nope' as PipelineName, {} as never)).toThrow(/unknown pipeline "nope"/u);
  });
});
