import { BadRequestException, CallHandler, ExecutionContext, Injectable, NestInterceptor, PayloadTooLargeException } from '@nestjs/common';
import type { Request } from 'express';
import { catchError, Observable, throwError } from 'rxjs';
import { AppException } from '../common/error-codes';
import { MAX_UPLOAD_BYTES } from './upload-limits';

/**
 * Bound before Nest's FileInterceptor: refuses bodies that are not multipart (multer would silently skip
 * them, and the route would look like a form without a file), and turns multer's errors into the contract's
 * envelope with a message a client can act on.
 */
@Injectable()
export class MultipartOnlyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'multipart/form-data') {
      throw new AppException('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be multipart/form-data with a "file" field, got "${type || 'none'}"`);
    }
    return next.handle().pipe(catchError((error: unknown) => throwError(() => this.translate(error))));
  }

  private translate(error: unknown): unknown {
    if (error instanceof PayloadTooLargeException) {
      return new AppException('PAYLOAD_TOO_LARGE', `The file is larger than ${MAX_UPLOAD_BYTES} bytes, the most any upload may be`, {
        max_bytes: MAX_UPLOAD_BYTES,
      });
    }
    if (error instanceof BadRequestException) {
      return new AppException('VALIDATION_ERROR', `Multipart body rejected: ${error.message} (send one file, in the field "file")`, {
        fields: [{ field: 'file', errors: [error.message] }],
      });
    }
    return error;
  }
}
