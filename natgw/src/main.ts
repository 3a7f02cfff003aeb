/**
 * `npm run natgw`: natgw alone, on its embedded defaults; Ctrl-C stops it cleanly. It refuses to
 * listen beyond loopback with the development credentials (development.ts). With a command
 * (`npm run natgw -- reset`), the admin API of a running natgw instead (cli.ts). Each loads only
 * the modules it needs: a command starts in a fraction of the server's time.
 */
const args = process.argv.slice(2);
if (args.length > 0) {
  const { runCommand } = await import('./cli.js');
  process.exitCode = await runCommand(args, {
    env: process.env,
    stdin: process.stdin,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
} else {
  const { buildApp } = await import('./app.js');
  const { loadConfig } = await import('./config.js');
  const { bannerProject, credentialLines, exposure } = await import('./development.js');
  const { networkLines } = await import('./network/banner.js');
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
