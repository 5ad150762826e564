/** Entry point of the pipeline module: the port, the shared helpers, and a factory for the adapters. */
import { BuiltinPipelineOptions, BuiltinVideoPipeline } from './builtin/builtin-pipeline';
import { CommandPipelineOptions, CommandVideoPipeline } from './command/command-pipeline';
import { VideoPipeline } from './video-pipeline';

export * from './video-pipeline';
export { runProcess } from './process-runner';
export type { RunProcessOptions, RunProcessResult } from './process-runner';
export { probeVideo, probeDurationSeconds } from './media-probe';
export { BuiltinVideoPipeline } from './builtin/builtin-pipeline';
export type { BuiltinPipelineOptions } from './builtin/builtin-pipeline';
export { CommandVideoPipeline } from './command/command-pipeline';
export type { CommandPipelineOptions } from './command/command-pipeline';
export { parseCommandLine } from './command/command-line';

/** Constructor options of each adapter, by name. Adding an adapter = a key here and a factory below. */
export interface PipelineOptionsByName {
  builtin: BuiltinPipelineOptions;
  command: CommandPipelineOptions;
}

export type PipelineName = keyof PipelineOptionsByName;

/** One factory per name; the mapped type makes a missing adapter a compile error. */
const FACTORIES: { [N in PipelineName]: (options: PipelineOptionsByName[N]) => VideoPipeline } = {
  builtin: (options) => new BuiltinVideoPipeline(options),
  command: (options) => new CommandVideoPipeline(options),
};

export const PIPELINE_NAMES = Object.keys(FACTORIES) as PipelineName[];

export function isPipelineName(name: string): name is PipelineName {
  return Object.prototype.hasOwnProperty.call(FACTORIES, name);
}

export function createPipeline<N extends PipelineName>(name: N, options: PipelineOptionsByName[N]): VideoPipeline {
  // Names often come from configuration, i.e. unchecked strings at runtime.
  if (!isPipelineName(name)) {
    throw new Error(`unknown pipeline "${String(name)}"; expected one of ${PIPELINE_NAMES.join(', ')}`);
  }
  const factory: (options: PipelineOptionsByName[N]) => VideoPipeline = FACTORIES[name];
  return factory(options);
}
