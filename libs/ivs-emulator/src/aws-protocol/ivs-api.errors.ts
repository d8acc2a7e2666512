/**
 * The error names both IVS APIs model, with the HTTP status the SDK's error schemas declare
 * (checked against @aws-sdk/client-ivs and client-ivs-realtime). The SDK picks the error
 * class from the `x-amzn-ErrorType` header, so the name must match exactly.
 */
export const IVS_ERROR_STATUS = {
  ValidationException: 400,
  ServiceQuotaExceededException: 402,
  AccessDeniedException: 403,
  PendingVerification: 403,
  ResourceNotFoundException: 404,
  ChannelNotBroadcasting: 404,
  ConflictException: 409,
  ThrottlingException: 429,
  InternalServerException: 500,
  StreamUnavailable: 503,
  /** Not an IVS error: answers operations the emulator does not implement. */
  NotImplementedException: 501,
} as const;

export type IvsErrorName = keyof typeof IVS_ERROR_STATUS;

/** An error that crosses the wire as an AWS REST-JSON error. Also thrown by the in-process API. */
export class IvsApiError extends Error {
  readonly status: number;

  constructor(
    readonly errorName: IvsErrorName,
    message: string,
  ) {
    super(message);
    this.name = errorName;
    this.status = IVS_ERROR_STATUS[errorName];
  }

  /**
   * The SDK reads `exceptionMessage` into the modeled field and `message` into `error.message`;
   * sending both keeps `err.message` meaningful for callers.
   */
  toBody(): { exceptionMessage: string; message: string } {
    return { exceptionMessage: this.message, message: this.message };
  }
}

export const validationError = (message: string) => new IvsApiError('ValidationException', message);
export const notFoundError = (message: string) => new IvsApiError('ResourceNotFoundException', message);
export const conflictError = (message: string) => new IvsApiError('ConflictException', message);
