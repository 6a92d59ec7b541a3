export { OrdersModule } from './orders.module.js';
export { OrdersService, type CreatedOrder } from './orders.service.js';
export { OrderQueries, type ListQuery } from './order.queries.js';
export { OrderEntity } from './order.entity.js';
export type { Order, OrderSide, OrderStatus, OrderType } from './order.model.js';
export { ordersConfig, OrdersEnv } from './orders.config.js';
export { ORDER_SCOPES } from './orders.scopes.js';
export { ORDERS_API_NOTES } from './order.docs.js';
