export { OrdersModule } from './orders.module.js';
export { OrdersService, type CreatedOrder, type ListQuery } from './orders.service.js';
export type { Order, OrderSide, OrderStatus, OrderType } from './order.model.js';
