import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsObject, IsOptional, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PageMeta } from '../../common/pagination';
import { IsJsonObjectWithin, NO_CONTROL_CHARS, NormalizedText } from '../../common/validators';
import { QUALITIES, Quality } from '../../pipeline/video-pipeline';
import { CUSTOM_CONFIG_MAX_BYTES } from '../../videos/dto/video-generation-request.dto';
import { ConfigurationSettings, SavedConfiguration } from '../configuration.store';

/** The request settings a configuration saves; same rules as in a VideoGenerationRequest. */
export class ConfigurationSettingsDto implements ConfigurationSettings {
  @ApiPropertyOptional({ maxLength: 100, example: 'gpt-4o', description: 'Passed through to the pipeline' })
  @IsOptional() @NormalizedText() @IsString() @MaxLength(100, { message: 'model must be at most 100 characters' })
  @Matches(NO_CONTROL_CHARS, { message: 'model must not contain control characters' })
  model?: string;

  @ApiPropertyOptional({ enum: QUALITIES, example: 'high' })
  @IsOptional() @IsIn(QUALITIES, { message: `quality must be one of ${QUALITIES.join(', ')}` })
  quality?: Quality;

  @ApiPropertyOptional({ example: false })
  @IsOptional() @IsBoolean({ message: 'use_rag must be a boolean' })
  use_rag?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'At most 16 KiB as JSON; checked like a request\'s custom_config',
    example: { scenes: [{ image_file_id: '0b6f2f0e-6d1c-4f57-9d0b-1c7a3f5e9a21' }] },
  })
  @IsOptional() @IsJsonObjectWithin(CUSTOM_CONFIG_MAX_BYTES)
  custom_config?: Record<string, unknown>;
}

/** POST and PUT body (PUT replaces both the name and the settings). */
export class ConfigurationRequestDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Lesson defaults', description: 'Unique per user, ignoring case' })
  @NormalizedText() @IsString({ message: 'name must be a string' }) @Length(1, 100, { message: 'name must be 1-100 characters after trimming' })
  @Matches(NO_CONTROL_CHARS, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({ type: ConfigurationSettingsDto })
  @IsDefined({ message: 'settings is required' }) @IsObject({ message: 'settings must be an object' })
  @ValidateNested({ message: 'settings must be an object' }) @Type(() => ConfigurationSettingsDto)
  settings!: ConfigurationSettingsDto;
}

export class ConfigurationDto {
  @ApiProperty({ format: 'uuid', example: '5d3c1f9a-8a47-4d5e-b7a2-6f0e1c2d3b4a' }) configuration_id!: string;
  @ApiProperty({ example: 'Lesson defaults' }) name!: string;
  @ApiProperty({ type: ConfigurationSettingsDto, example: { quality: 'high', use_rag: false } }) settings!: ConfigurationSettings;
  @ApiProperty({ example: '2026-01-15T10:30:00.000Z' }) created_at!: string;
  @ApiProperty({ example: '2026-01-15T10:30:00.000Z' }) updated_at!: string;
}

export class ConfigurationPageDto extends PageMeta {
  @ApiProperty({ type: [ConfigurationDto] }) data!: ConfigurationDto[];
}

export function toConfigurationDto(c: SavedConfiguration): ConfigurationDto {
  return { configuration_id: c.id, name: c.name, settings: c.settings, created_at: c.createdAt, updated_at: c.updatedAt };
}
