import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppException, ErrorCode } from './error-codes';

export interface FieldProblem {
  field: string;
  errors: string[];
  /** A rule may name a more specific code than VALIDATION_ERROR (decorator option `context: { errorCode }`). */
  code?: ErrorCode;
}

/** Rules on a value's shape: when one fails, what the value holds inside is not reported (it is not what was meant). */
const SHAPE_RULES = ['isArray', 'isObject'];

/**
 * Flattens class-validator's tree into `{ field: "jobs[2].topic", errors: [...] }` entries. A missing value fails
 * every rule of its field (a string, so long, no control characters); it is reported once, as required. Optional
 * fields skip their rules when missing, so only a required one gets here without a value. Nest strips the value
 * of an error that has nested ones, so a field with children was given. Rules that say the same are said once.
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : parent ? `${parent}.${e.property}` : e.property;
    const code = Object.values(e.contexts ?? {}).find((c: { errorCode?: ErrorCode }) => c?.errorCode)?.errorCode as ErrorCode | undefined;
    const missing = (e.value === undefined || e.value === null) && !e.children?.length;
    const messages = missing ? [`${field} is required`] : [...new Set(Object.values(e.constraints ?? {}))];
    const own = e.constraints ? [{ field, errors: messages, ...(code ? { code } : {}) }] : [];
    const wrongShape = SHAPE_RULES.some((rule) => e.constraints?.[rule]);
    return wrongShape ? own : [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

export function validationException(problems: FieldProblem[]): AppException {
  const specific = problems.find((p) => p.code);
  const summary = (specific ? [specific] : problems).map((p) => p.errors[0]).slice(0, 3).join('; ');
  const fields = problems.map(({ field, errors }) => ({ field, errors }));
  return new AppException(specific?.code ?? 'VALIDATION_ERROR', `Validation failed: ${summary}`, { fields });
}

/** Keys no request field has, and that object-merging code anywhere downstream could mistake for the prototype. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The first `__proto__`, `constructor` or `prototype` key anywhere in a parsed body or query, by its path. */
export function reservedKeyProblem(value: unknown): FieldProblem | null {
  // Iterative: bodies reach here depth-limited, but a walk should not depend on that.
  const pending: Array<[unknown, string]> = [[value, '']];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [node, path] = item;
    if (typeof node !== 'object' || node === null) continue;
    for (const [key, child] of Object.entries(node)) {
      const field = Array.isArray(node) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
      if (!Array.isArray(node) && RESERVED_KEYS.has(key)) return { field, errors: [`"${key}" is not an allowed key`] };
      pending.push([child, field]);
    }
  }
  return null;
}

/**
 * Global pipe: unknown fields are rejected, values are transformed to their DTO types, errors are 422. A reserved
 * key is refused first, by name: class-transformer would drop it silently, so "unknown fields are rejected" would
 * not hold for exactly the keys an attacker tries. Pipes run after the guards: credentials are judged first.
 */
class RequestValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const problem = metadata.type === 'body' || metadata.type === 'query' ? reservedKeyProblem(value) : null;
    if (problem) throw validationException([problem]);
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => validationException(flattenValidationErrors(errors)),
  });
}
