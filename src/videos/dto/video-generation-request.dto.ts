import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUrl, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { IsJsonObjectWithin, NO_CONTROL_CHARS, NormalizedText } from '../../common/validators';
import { JOB_PRIORITIES, JobPriority } from '../../jobs/job.model';
import { QUALITIES, Quality } from '../../pipeline/video-pipeline';

export const CUSTOM_CONFIG_MAX_BYTES = 16 * 1024;

const MINIMAL_REQUEST = {
  topic: 'How rainbows form',
  context: 'Sunlight enters raindrops, bends, reflects off the back of the drop and splits into colours.',
};
/** Requests as a client would send them, for the OpenAPI document (the e2e contract test submits each one). */
export const VIDEO_REQUEST_EXAMPLES = {
  minimal: { summary: 'Topic and context; defaults for the rest', value: MINIMAL_REQUEST },
  scenes: {
    summary: 'Own scenes, low quality, a webhook',
    value: {
      ...MINIMAL_REQUEST,
      quality: 'low',
      use_rag: false,
      priority: 'normal',
      custom_config: { scenes: [{ title: 'Light bends', text: 'Entering a raindrop, each colour of sunlight bends by its own angle.' }] },
      webhook_url: 'https://example.com/hooks/video',
    },
  },
};

export class VideoGenerationRequestDto {
  @ApiProperty({ minLength: 1, maxLength: 500, example: 'How rainbows form' })
  @NormalizedText() @IsString() @Length(1, 500, { message: 'topic must be 1-500 characters after trimming' })
  @Matches(NO_CONTROL_CHARS, { message: 'topic must not contain control characters' })
  topic!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 2000,
    example: 'Sunlight enters raindrops, bends, reflects off the back of the drop and splits into colours.',
  })
  @NormalizedText() @IsString() @Length(1, 2000, { message: 'context must be 1-2000 characters after trimming' })
  @Matches(NO_CONTROL_CHARS, { message: 'context must not contain control characters' })
  context!: string;

  @ApiPropertyOptional({
    maxLength: 100,
    example: 'gpt-4o-mini',
    description: 'Built-in pipeline: the model that plans the scenes (overrides LLM_MODEL; ignored, with a log line, when no planning model is configured). Passed through to an external generator.',
  })
  @IsOptional() @NormalizedText() @IsString() @MaxLength(100)
  @Matches(NO_CONTROL_CHARS, { message: 'model must not contain control characters' })
  model?: string;

  @ApiPropertyOptional({ enum: QUALITIES, default: 'medium', description: 'low 854x480, medium 1280x720, high 1920x1080, ultra 2560x1440' })
  @IsOptional() @IsIn(QUALITIES, { message: `quality must be one of ${QUALITIES.join(', ')}` })
  quality?: Quality;

  @ApiPropertyOptional({
    default: false,
    description: "Built-in pipeline: ground the plan in the caller's document uploads (custom_config.document_ids narrows them). Passed through to an external generator.",
  })
  @IsOptional() @IsBoolean({ message: 'use_rag must be a boolean' })
  use_rag?: boolean;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'At most 16 KiB as JSON; the pipeline reads the keys it knows (built-in: scenes, voice, theme, aspect_ratio, captions, document_ids, background audio; see the README)' })
  @IsOptional() @IsJsonObjectWithin(CUSTOM_CONFIG_MAX_BYTES)
  custom_config?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: JOB_PRIORITIES, default: 'normal' })
  @IsOptional() @IsIn(JOB_PRIORITIES, { message: `priority must be one of ${JOB_PRIORITIES.join(', ')}` })
  priority?: JobPriority;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'A saved configuration whose settings apply first; fields of this request win (custom_config keys are merged, the request\'s winning)',
  })
  @IsOptional() @IsUUID('4', { message: 'configuration_id must be a configuration id (UUID)' })
  configuration_id?: string;

  @ApiPropertyOptional({ example: 'https://example.com/hooks/video', description: 'https URL on a public host (loopback, private and metadata addresses are refused): the job\'s terminal event is POSTed there, signed per Standard Webhooks, retried with backoff' })
  @IsOptional() @IsString() @MaxLength(2048)
  @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: false }, { message: 'webhook_url must be an https URL' })
  webhook_url?: string;
}
