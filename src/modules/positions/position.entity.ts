import { Column, Entity, PrimaryColumn } from 'typeorm';

const decimal = { to: (v: number) => v, from: (v: string | number | null) => (v === null ? 0 : Number(v)) };

/** One owner's open exposure in one symbol: the projection of its order events. */
@Entity('order_positions')
export class PositionEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  owner!: string;

  @PrimaryColumn({ type: 'varchar', length: 12 })
  symbol!: string;

  /** Quantity of live (not cancelled) buy orders. */
  @Column({ name: 'open_buy', type: 'decimal', precision: 38, scale: 8, transformer: decimal })
  openBuy!: number;

  @Column({ name: 'open_sell', type: 'decimal', precision: 38, scale: 8, transformer: decimal })
  openSell!: number;

  @Column({ name: 'open_orders', type: 'integer' })
  openOrders!: number;
}
