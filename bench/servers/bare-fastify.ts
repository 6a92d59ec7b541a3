import Fastify from 'fastify';

// The baseline: the same route on bare Fastify, nothing else.
const app = Fastify({ logger: false });
app.get('/health/live', async () => ({ status: 'up' }));
await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
