import { Transform } from 'class-transformer';
import { registerDecorator, ValidateBy, ValidationOptions } from 'class-validator';

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
