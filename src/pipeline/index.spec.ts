import { BuiltinVideoPipeline, PIPELINE_NAMES, PipelineName, createPipeline, isPipelineName } from './index';

describe('createPipeline', () => {
  it('builds the builtin pipeline with its options', () => {
    const pipeline = createPipeline('builtin', { ffmpegThreads: 2 });
    expect(pipeline).toBeInstanceOf(BuiltinVideoPipeline);
    expect(pipeline.name).toBe('builtin');
  });

  it('lists the known names', () => {
    expect(PIPELINE_NAMES).toEqual(['builtin']);
    expect(isPipelineName('builtin')).toBe(true);
    expect(isPipelineName('toString')).toBe(false);
  });

  it('rejects an unknown name coming from unchecked configuration', () => {
    expect(() => createPipeline('nope' as PipelineName, {})).toThrow(/unknown pipeline "nope"/u);
  });
});
