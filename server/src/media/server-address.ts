import { Injectable } from '@nestjs/common';

/**
 * The loopback address this process listens on, known only after `listen()`.
 * Local mode points the AWS SDK clients at our own emulator through it.
 */
@Injectable()
export class ServerAddress {
  private port?: number;

  set(port: number): void {
    this.port = port;
  }

  loopbackUrl(): string {
    if (this.port === undefined) throw new Error('The server is not listening yet');
    return `http://127.0.0.1:${this.port}`;
  }
}
