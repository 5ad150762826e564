import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  items_per_page: number = 10;
}

export interface Page<T> {
  data: T[];
  total_count: number;
  page: number;
  items_per_page: number;
  has_more: boolean;
}

export class PageMeta {
  @ApiProperty({ example: 25 }) total_count!: number;
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 10 }) items_per_page!: number;
  @ApiProperty({ example: true }) has_more!: boolean;
}
