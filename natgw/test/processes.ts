import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository's root, where the processes run. */
export const root = fileURLToPath(new URL('../../', import.meta.url));
const fromSource = ['--conditions=source', '--import', 'tsx'];

/**
 * A process of ours (natgw, the statuskit gateway's CLI) run from source, its output by line, and
 * the first line that matched `ready`; rejects if it exits first.
 */
export async function started(args: string[], env: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn(process.execPath, [...fromSource, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited (${code}):\n${lines.join('\n')}`)),
    );
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        const found = ready.exec(line);
        if (found) resolve(found);
      });
  });
  return { child, lines, match };
}

/** Stops a process of ours (SIGTERM) and waits until it is gone. */
export async function stopped(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** natgw from source on a free port of 127.0.0.1, and the statuskit gateway in front of it. */
export async function natgwBehindGateway(sqliteFile: string, gatewayTimeoutMs: number) {
  const natgw = await started(
    ['natgw/src/main.ts'],
    { HOST: '127.0.0.1', PORT: '0', NATGW_SQLITE_FILE: sqliteFile, LOG_LEVEL: 'info' },
    /^natgw: NAT Gateway API v2.0 on (http:\S+)/,
  );
  const gateway = await started(
    [
      'packages/statuskit/src/cli/main.ts',
      'gateway',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--timeout',
      String(gatewayTimeoutMs),
      '--upstream',
      String(natgw.match[1]),
    ],
    {},
    /statuskit gateway listening on (http:\S+)/,
  ).catch(async (error: unknown) => {
    await stopped(natgw.child);
    throw error;
  });
  return {
    natgw: { ...natgw, url: String(natgw.match[1]) },
    gateway: { ...gateway, url: String(gateway.match[1]) },
    async stop() {
      await stopped(gateway.child);
      await stopped(natgw.child);
    },
  };
}
