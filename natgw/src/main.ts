import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { credentialLines, exposure } from './development.js';

/**
 * `npm run natgw`: natgw alone, on its embedded defaults; Ctrl-C stops it cleanly. It refuses to
 * listen beyond loopback with the development credentials (development.ts).
 */
const config = loadConfig();
const exposed = exposure(config, [config.host]);
if (exposed) process.stderr.write(`natgw: ${exposed.message}\n`);
if (exposed?.refuse) process.exit(2);
const app = await buildApp(config);
const address = await app.listen({ host: config.host, port: config.port });
config.publicUrl ??= address;
process.stdout.write(
  [
    `natgw: NAT Gateway API v2.0 on ${address}`,
    `  database: ${config.databaseUrl ? 'PostgreSQL' : config.sqliteFile}`,
    ...credentialLines(config, config.publicUrl).map(([label, text]) => `  ${`${label}:`.padEnd(9)} ${text}`),
    '',
  ].join('\n'),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.close().then(() => process.exit(0));
  });
}
