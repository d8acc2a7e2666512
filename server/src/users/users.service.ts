import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Role } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { User } from './user.entity';

/** Autocomplete answers stay short: it is a picker, not a directory. */
export const USER_SEARCH_LIMIT = 10;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findById(id: string): Promise<User | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return this.users.findOneBy({ id });
  }

  findByUsername(username: string): Promise<User | null> {
    return this.users.createQueryBuilder('u').where('lower(u.username) = lower(:username)', { username }).getOne();
  }

  /** Usernames starting with `prefix` (already lower-case, [a-z0-9_-] only), shortest first. */
  searchByPrefix(prefix: string, excludeId: string): Promise<User[]> {
    return (
      this.users
        .createQueryBuilder('u')
        // `_` is a LIKE wildcard and legal in usernames: escape it so `a_` does not match `ab`.
        .where(`lower(u.username) LIKE :p ESCAPE '\\'`, { p: `${prefix.replace(/[\\%_]/g, '\\$&')}%` })
        .andWhere('u.id <> :me', { me: excludeId })
        .orderBy('length(u.username)', 'ASC')
        .addOrderBy('u.username', 'ASC')
        .limit(USER_SEARCH_LIMIT)
        .getMany()
    );
  }

  /**
   * The only way a role changes: the operator's tool (`npm run cli -- role <username> <role>`).
   * Open sockets follow within seconds (realtime/identity-sweep.service.ts); REST re-reads the row per request.
   */
  async setRole(username: string, role: Role): Promise<User> {
    const user = await this.findByUsername(username);
    if (!user) throw new AppError('user/not-found');
    user.role = role;
    return this.users.save(user);
  }
}
