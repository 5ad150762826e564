import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { QueryInteger } from './validators';

export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1 })
  @IsOptional() @QueryInteger(1, 1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 10 })
  @IsOptional() @QueryInteger(1, 100)
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

/** Where a page starts in an index ordered like the listing. */
export const offsetOf = (query: PageQuery): number => (query.page - 1) * query.items_per_page;

/** The one page envelope of every list route. */
export function toPage<T>(data: T[], total: number, query: PageQuery): Page<T> {
  return {
    data,
    total_count: total,
    page: query.page,
    items_per_page: query.items_per_page,
    has_more: query.page * query.items_per_page < total,
  };
}
