import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../users/user.entity';

/**
 * A user's studio (one per user, created at sign-up): its id keys the studio document, its
 * name is the owner's. The IVS stage behind it exists only while needed (see IvsStage).
 */
@Entity('stages')
export class Stage {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** URL name of the stage (the owner's username). */
  @Column({ type: 'text' })
  name: string;

  /** Real-time viewing open to viewers (server-enforced gate for subscribe tokens). */
  @Column({ name: 'is_live', type: 'boolean', default: false })
  isLive: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
