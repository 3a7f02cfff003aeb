import { buildApp } from './app.js';
import { runCommand } from './cli.js';
import { loadConfig } from './config.js';
import { bannerProject, credentialLines, exposure } from './development.js';
import { networkLines } from './network/banner.js';

/**
 * `npm run natgw`: natgw alone, on its embedded defaults; Ctrl-C stops it cleanly. It refuses to
 * listen beyond loopback with the development credentials (development.ts). With a command
 * (`npm run natgw -- reset`), the admin API of a running natgw instead (cli.ts).
 */
const args = process.argv.slice(2);
if (args.length > 0) {
  process.exitCode = await runCommand(args, {
    env: process.env,
    stdin: process.stdin,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
} else {
  const config = loadConfig();
  const exposed = exposure(config, [config.host]);
  if (exposed) process.stderr.write(`natgw: ${exposed.message}\n`);
  if (exposed?.refuse) process.exit(2);
  const app = await buildApp(config);
  const address = await app.listen({ host: config.host, port: config.port });
  config.publicUrl ??= address;
  const project = bannerProject(config);
  const network = project ? await networkLines(app.natgw.database.db, project, Date.now()) : [];
  process.stdout.write(
    [
      `natgw: NAT Gateway API v2.0 on ${address}`,
      `  database: ${config.databaseUrl ? 'PostgreSQL' : config.sqliteFile}`,
      ...[...credentialLines(config, config.publicUrl), ...network].map(
        ([label, text]) => `  ${`${label}:`.padEnd(9)} ${text}`,
      ),
      '',
    ].join('\n'),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.close().then(() => process.exit(0));
    });
  }
}
