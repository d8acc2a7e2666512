import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { addressKey, clientAddressOf, compileTrust } from './client-address';

/** The client address of a request or socket handshake, as limits count it (TRUST_PROXY applied). */
@Injectable()
export class ClientAddresses {
  private readonly trust: (addr: string, hop: number) => boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.trust = compileTrust(config.trustProxy);
  }

  /** `req` is an Express request or a socket's `socket.request`. */
  keyOf(req: IncomingMessage): string {
    return addressKey(clientAddressOf(req, this.trust));
  }
}
