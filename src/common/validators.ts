import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDate, isISO8601, registerDecorator, ValidateBy, ValidationArguments, ValidationOptions } from 'class-validator';

/** Trims and NFC-normalises strings so limits count what a person sees. */
export const NormalizedText = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.normalize('NFC').trim() : value));

/** Control characters (other than tab and newlines) have no place in user text. */
export const NO_CONTROL_CHARS = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;

/** A plain JSON object whose serialised form stays under `maxBytes`. */
export function IsJsonObjectWithin(maxBytes: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isJsonObjectWithin',
      target: target.constructor,
      propertyName,
      constraints: [maxBytes],
      options: { message: `${propertyName} must be a JSON object of at most ${maxBytes} bytes`, ...options },
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          try {
            return Buffer.byteLength(JSON.stringify(value)) <= maxBytes;
          } catch {
            return false;
          }
        },
      },
    });
}

/**
 * Array length rules that leave any other value to IsArray (class-validator's ArrayMinSize/ArrayMaxSize fail for
 * it too): a rule with its own error code, like BATCH_TOO_LARGE, must not answer for a missing or mistyped field.
 */
export const MinItems = (min: number, options?: ValidationOptions) =>
  ValidateBy({ name: 'minItems', constraints: [min], validator: { validate: (value: unknown) => !Array.isArray(value) || value.length >= min } }, options);

export const MaxItems = (max: number, options?: ValidationOptions) =>
  ValidateBy({ name: 'maxItems', constraints: [max], validator: { validate: (value: unknown) => !Array.isArray(value) || value.length <= max } }, options);

/**
 * A whole-number query parameter from `min` to `max`. Only a string of digits becomes a number: converted as a
 * whole, "abc" and a repeated parameter (an array) became NaN and were refused as "must not be greater than …".
 */
export function QueryInteger(min: number, max: number, message?: string): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value)),
    ValidateBy({
      name: 'queryInteger',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
        defaultMessage: ({ property, value }: ValidationArguments) => {
          if (message) return message;
          if (Array.isArray(value)) return `${property} must be given once, as a whole number`;
          return Number.isInteger(value) ? `${property} must be between ${min} and ${max}` : `${property} must be a whole number`;
        },
      },
    }),
  );
}

/**
 * A query parameter that must be a strict ISO 8601 date-time, as a Date. `new Date()` alone also took "1",
 * "Dec 25 2030" and rolled 30 February over into March.
 */
export function QueryDateTime(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && isISO8601(value, { strict: true, strictSeparator: true }) ? new Date(value) : value)),
    IsDate({ message: ({ property }: ValidationArguments) => `${property} must be an ISO 8601 date-time` }),
  );
}
