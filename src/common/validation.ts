import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppException } from './error-codes';

export interface FieldProblem {
  field: string;
  errors: string[];
}

/** Flattens class-validator's tree into `{ field: "jobs[2].topic", errors: [...] }` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

export function validationException(problems: FieldProblem[]): AppException {
  const summary = problems.map((p) => p.errors[0]).slice(0, 3).join('; ');
  return new AppException('VALIDATION_ERROR', `Validation failed: ${summary}`, { fields: problems });
}

/** Global pipe: unknown fields are rejected, values are transformed to their DTO types, errors are 422. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => validationException(flattenValidationErrors(errors)),
  });
}
