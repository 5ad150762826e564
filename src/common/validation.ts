import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppException, ErrorCode } from './error-codes';

export interface FieldProblem {
  field: string;
  errors: string[];
  /** A rule may name a more specific code than VALIDATION_ERROR (decorator option `context: { errorCode }`). */
  code?: ErrorCode;
}

/** Flattens class-validator's tree into `{ field: "jobs[2].topic", errors: [...] }` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : parent ? `${parent}.${e.property}` : e.property;
    const code = Object.values(e.contexts ?? {}).find((c: { errorCode?: ErrorCode }) => c?.errorCode)?.errorCode as ErrorCode | undefined;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints), ...(code ? { code } : {}) }] : [];
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

export function validationException(problems: FieldProblem[]): AppException {
  const specific = problems.find((p) => p.code);
  const summary = (specific ? [specific] : problems).map((p) => p.errors[0]).slice(0, 3).join('; ');
  const fields = problems.map(({ field, errors }) => ({ field, errors }));
  return new AppException(specific?.code ?? 'VALIDATION_ERROR', `Validation failed: ${summary}`, { fields });
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
