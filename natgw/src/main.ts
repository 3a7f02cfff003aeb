import { buildApp } from './app.js';
import { describeAccessKey, loadConfig } from './config.js';

/** `npm start`: natgw on its embedded defaults; Ctrl-C stops it cleanly. */
const config = loadConfig();
const app = await buildApp(config);
const address = await app.listen({ host: config.host, port: config.port });
config.publicUrl ??= address;
const publicUrl = config.publicUrl;
process.stdout.write(
  [
    `natgw: NAT Gateway API v2.0 on ${address}`,
    `  database: ${config.databaseUrl ? 'PostgreSQL' : config.sqliteFile}`,
    `  token:    curl -si ${publicUrl}/v3/auth/tokens -H 'Content-Type: application/json' -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","password":"demo-password","domain":{"name":"Default"}}}},"scope":{"project":{"name":"demo","domain":{"name":"Default"}}}}}'`,
    '  users:    demo / demo-password (read-write), viewer / viewer-password (read-only), project demo',
    ...(describeAccessKey(config) ? [`  AK/SK:    ${describeAccessKey(config)}`] : []),
    '',
  ].join('\n'),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0));
  });
}
