import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayUnique, IsArray, IsIn, IsObject, IsOptional, IsString, IsUrl, MaxLength, ValidateNested } from 'class-validator';
import { QUALITIES, Quality } from '../../pipeline/video-pipeline';
import { NOTIFICATION_EVENTS, NotificationEvent } from '../preferences.store';

export class NotificationSettingsDto {
  @ApiPropertyOptional({ nullable: true, type: String, example: 'https://example.com/hooks/video', description: 'Where the chosen job events of all your jobs are POSTed, signed per Standard Webhooks: an https URL on a public host' })
  @IsOptional() @IsString() @MaxLength(2048)
  @IsUrl({ protocols: ['https'], require_protocol: true, require_tld: false }, { message: 'notifications.webhook_url must be an https URL' })
  webhook_url?: string | null;

  @ApiPropertyOptional({
    enum: NOTIFICATION_EVENTS,
    isArray: true,
    example: ['job.completed', 'job.failed'],
    description: 'Which events go to webhook_url: `job.completed`, `job.failed`, `job.cancelled` when one of your jobs ends in that state (data: the job); `batch.completed` once when the last job of a batch has ended (data: the batch summary, with its counts)',
  })
  @IsOptional() @IsArray() @ArrayUnique()
  @IsIn(NOTIFICATION_EVENTS, { each: true, message: `each event must be one of ${NOTIFICATION_EVENTS.join(', ')}` })
  events?: NotificationEvent[];
}

/** PUT replaces the whole document; omitted fields take their defaults. */
export class PreferencesDto {
  @ApiPropertyOptional({ enum: QUALITIES, default: 'medium', description: 'Applied to requests that omit quality' })
  @IsOptional() @IsIn(QUALITIES, { message: `default_quality must be one of ${QUALITIES.join(', ')}` })
  default_quality?: Quality;

  @ApiPropertyOptional({ type: NotificationSettingsDto })
  // ValidateNested alone takes an array for a list of settings, and an empty one passed (dropping the user's settings).
  @IsOptional() @IsObject({ message: 'notifications must be an object' })
  @ValidateNested({ message: 'notifications must be an object' }) @Type(() => NotificationSettingsDto)
  notifications?: NotificationSettingsDto;
}

/** The stored notification settings, defaults filled. */
class NotificationsResponseDto {
  @ApiProperty({ nullable: true, type: String, example: null }) webhook_url!: string | null;
  @ApiProperty({ enum: NOTIFICATION_EVENTS, isArray: true, example: ['job.completed', 'job.failed'] }) events!: NotificationEvent[];
}

export class PreferencesResponseDto {
  @ApiProperty({ enum: QUALITIES }) default_quality!: Quality;
  @ApiProperty({ type: NotificationsResponseDto }) notifications!: NotificationsResponseDto;
}

export class MeDto {
  @ApiProperty({ example: 'user_2abc' }) user_id!: string;
  @ApiProperty({ nullable: true, type: String, example: 'sess_2abc' }) session_id!: string | null;
  @ApiProperty() is_admin!: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'ada@example.com' }) email!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Ada' }) first_name!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Lovelace' }) last_name!: string | null;
  @ApiProperty({ nullable: true, type: String }) image_url!: string | null;
}
